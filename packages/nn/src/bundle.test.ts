import { describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** The part of esbuild's JS API used here. */
interface Esbuild {
  build(options: Record<string, unknown>): Promise<{
    errors: unknown[];
    metafile?: { inputs: Record<string, unknown>; outputs: Record<string, { imports: unknown[] }> };
    outputFiles?: { text: string }[];
  }>;
}

// esbuild is not a dependency of nn: it comes with tsup (a root dev dependency), so it is found from there.
const fromTsup = createRequire(createRequire(import.meta.url).resolve('tsup'));
const esbuild = fromTsup('esbuild') as Esbuild;

/** Bundles an entry of this package for a browser, as a user's bundler would; workspace packages from source. */
const bundleForBrowser = (entry: string) =>
  esbuild.build({
    entryPoints: [fileURLToPath(new URL(entry, import.meta.url))],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    conditions: ['source'], // @tapegrad/core resolves to its sources in the workspace, as in the tests
    write: false,
    metafile: true,
    logLevel: 'silent',
  });

describe('@tapegrad/nn in a browser', () => {
  it('the main entry bundles for the browser with no Node built-in', async () => {
    const result = await bundleForBrowser('./index.ts');
    expect(result.errors).toEqual([]);
    const inputs = Object.keys(result.metafile!.inputs);
    expect(inputs.some((f) => f.endsWith('nn/src/io.ts'))).toBe(true);
    expect(inputs.some((f) => f.endsWith('core/src/index.ts'))).toBe(true);
    expect(inputs.filter((f) => f.startsWith('node:') || !f.includes('/'))).toEqual([]);
    // nothing left for the page to import (a Node built-in marked external would show here)
    expect(Object.values(result.metafile!.outputs).flatMap((o) => o.imports)).toEqual([]);
    expect(result.outputFiles![0].text).toContain('function saveBytes(');
  });

  it('the /node entry is the one that needs Node: it does not bundle for the browser', async () => {
    const failure = await bundleForBrowser('./node.ts').then(() => null, (e: { errors: { text: string }[] }) => e);
    expect(failure?.errors.map((e) => e.text)).toContain('Could not resolve "node:fs"');
  });
});
