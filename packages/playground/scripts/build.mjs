/**
 * Builds the playground into dist/: the page, its script and the training worker bundled by esbuild
 * (tapegrad's packages from their TypeScript sources, as the demo does, so nothing else needs building
 * first), and the digits file copied from @tapegrad/datasets, which the worker fetches.
 */
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist');
rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'data'), { recursive: true });

await build({
  entryPoints: [join(root, 'src/main.ts'), join(root, 'src/worker.ts')],
  outdir: out,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  conditions: ['source'],
  minify: true,
  sourcemap: true,
  logLevel: 'warning',
});
copyFileSync(join(root, 'static/index.html'), join(out, 'index.html'));
const datasets = dirname(createRequire(import.meta.url).resolve('@tapegrad/datasets/package.json'));
copyFileSync(join(datasets, 'data/digits.csv.gz'), join(out, 'data/digits.csv.gz'));
console.log(`built ${out}`);
