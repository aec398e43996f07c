/**
 * The package's module graph: the engine (tape.ts, sweep.ts) imports no op; the only import cycle
 * left runs through the Tensor class's method sugar; and every module can be the first one loaded,
 * checked in a fresh Node process per module on the sources compiled one file at a time (no bundle).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { transformSync } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';

const SRC = dirname(fileURLToPath(import.meta.url));

function sources(dir = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.includes('.testkit.') ? [p] : [];
  });
}
const FILES = sources().map((p) => relative(SRC, p));

/** Value imports (not `import type`) of each module, as paths relative to src. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const f of FILES) {
    const text = readFileSync(join(SRC, f), 'utf8');
    const deps: string[] = [];
    for (const m of text.matchAll(/^(?:import|export)\s+(?!type\b)[^;]*?from\s+'(\.[^']+)'/gms)) {
      deps.push(relative(SRC, join(SRC, dirname(f), m[1])).replace(/\.js$/, '.ts'));
    }
    graph.set(f, deps);
  }
  return graph;
}

/** Modules reachable from `start` (itself excluded) without passing through `skip`. */
function reach(graph: Map<string, string[]>, start: string, skip = ''): Set<string> {
  const seen = new Set<string>();
  const stack = [...(graph.get(start) ?? [])];
  while (stack.length > 0) {
    const m = stack.pop()!;
    if (m === skip || seen.has(m)) continue;
    seen.add(m);
    stack.push(...(graph.get(m) ?? []));
  }
  return seen;
}

describe('the module graph', () => {
  const graph = importGraph();

  it('the engine (tape.ts, sweep.ts) imports no op module', () => {
    for (const engine of ['tape.ts', 'sweep.ts']) {
      const deps = [...reach(graph, engine)];
      expect(deps.filter((d) => d.startsWith('ops/') || d === 'functions.ts' || d === 'tensor.ts'), engine).toEqual([]);
    }
  });

  it('has no import cycle except through the Tensor method sugar (tensor.ts)', () => {
    const cyclic = FILES.filter((f) => f !== 'tensor.ts' && reach(graph, f, 'tensor.ts').has(f));
    expect(cyclic).toEqual([]);
  });
});

describe('every module can be loaded first', () => {
  const out = mkdtempSync(join(tmpdir(), 'tapegrad-modules-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));
  for (const f of FILES) {
    const target = join(out, f.replace(/\.ts$/, '.js'));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, transformSync(readFileSync(join(SRC, f), 'utf8'), { loader: 'ts', format: 'esm', target: 'es2022' }).code);
  }
  symlinkSync(join(SRC, '..', 'node_modules'), join(out, 'node_modules'), 'dir');

  it.each(FILES)('%s', (f) => {
    // Load f first, then the package entry, and use the catalog and an op or two.
    const script = `
      await import(${JSON.stringify(join(out, f.replace(/\.ts$/, '.js')))});
      const core = await import(${JSON.stringify(join(out, 'index.js'))});
      if (typeof core.OPS.mul?.vjp !== 'function' || Object.keys(core.OPS).length < 40) throw new Error('incomplete OPS');
      const x = core.tensor([1, 2], { dtype: 'float64', requiresGrad: true });
      const g = core.grad((t) => t.mul(t).sum())(x).toArray();
      if (g[0] !== 2 || g[1] !== 4) throw new Error('wrong gradient ' + g);
      console.log('ok');`;
    const stdout = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(stdout.trim()).toBe('ok');
  });
});
