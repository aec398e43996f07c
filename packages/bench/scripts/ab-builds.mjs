// Two builds of tapegrad side by side in one process, alternating, on W2 or W4 as the bench runs them:
// on a shared machine, only such a comparison says whether a change helped. Each build is bundled
// whole (the bench's adapter and data, core and nn) from a directory holding core/dist and nn/dist,
// e.g. a copy of packages/*/dist saved before the change:
//   mkdir -p /tmp/before && for p in core nn; do mkdir -p /tmp/before/$p && cp -r packages/$p/dist /tmp/before/$p/; done
//   pnpm --filter @tapegrad/bench exec node scripts/ab-builds.mjs /tmp/before .. w4 31
// Prints the median wall and CPU time a W2 step or a W4 batch for each build, and B/A.
import { mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const [dirA, dirB, which = 'w2', roundsArg = '15'] = process.argv.slice(2);
if (!dirA || !dirB || !['w2', 'w2t2', 'w4'].includes(which)) {
  console.error('usage: node scripts/ab-builds.mjs <packages dir A> <packages dir B> [w2|w2t2|w4] [rounds]');
  process.exit(2);
}
const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.join(here, '..', 'dist', 'ab');
mkdirSync(out, { recursive: true });

/** The bench's adapter and data with @tapegrad/* taken from `dir`, as one module; its URL. */
async function bundle(dir, name) {
  const root = path.resolve(dir);
  const file = path.join(out, `${name}.mjs`);
  await build({
    stdin: {
      contents: `export { mlpData } from './data.ts'; export { digitsData } from './digits.ts'; export { tapegrad } from './libs/tapegrad.ts'; export { setNumThreads } from '@tapegrad/core';`,
      resolveDir: path.join(here, '..', 'src'), loader: 'ts',
    },
    bundle: true, format: 'esm', platform: 'node', outfile: file, logLevel: 'warning',
    // datasets only loads the digits (its data files sit beside its own dist), so it stays the workspace's
    alias: Object.fromEntries(['core', 'nn'].map((p) => [`@tapegrad/${p}`, path.join(root, p, 'dist', 'index.js')])),
    external: ['@tapegrad/datasets'],
    nodePaths: [path.join(here, '..', '..', '..', 'node_modules', '.pnpm', 'node_modules')],
  });
  return pathToFileURL(file).href;
}

const A = await import(await bundle(dirA, 'a')), B = await import(await bundle(dirB, 'b'));
/** One measured unit: 20 W2 steps, or one 10-epoch W4 training (230 batches). */
function workload(M) {
  M.setNumThreads(which === 'w2t2' ? 2 : 1);
  const lib = M.tapegrad('ab');
  if (which !== 'w4') {
    const step = lib.mlpStep(M.mlpData(128));
    return { run: () => { for (let i = 0; i < 20; i++) step(); }, per: 20 };
  }
  const d = M.digitsData();
  return { run: lib.digits(d, 10), per: 10 * Math.ceil(d.mTrain / d.batch) };
}
const a = workload(A), b = workload(B);
for (let i = 0; i < 3; i++) { a.run(); b.run(); }
const times = { a: { wall: [], cpu: [] }, b: { wall: [], cpu: [] } };
const once = (w, t) => {
  const c0 = process.cpuUsage(), t0 = performance.now();
  w.run();
  t.wall.push((performance.now() - t0) / w.per);
  const c = process.cpuUsage(c0);
  t.cpu.push((c.user + c.system) / 1000 / w.per);
};
for (let r = 0; r < Number(roundsArg); r++) {
  if (r % 2) { once(a, times.a); once(b, times.b); } else { once(b, times.b); once(a, times.a); }
}
const median = (xs) => [...xs].sort((p, q) => p - q)[xs.length >> 1];
const fmt = (t) => `wall ${median(t.wall).toFixed(3)} ms, cpu ${median(t.cpu).toFixed(3)} ms`;
console.log(`${which} (a ${which === 'w4' ? 'batch' : 'step'}), load ${loadavg()[0].toFixed(1)}: A ${fmt(times.a)} | B ${fmt(times.b)} | B/A wall ${(median(times.b.wall) / median(times.a.wall)).toFixed(3)}, cpu ${(median(times.b.cpu) / median(times.a.cpu)).toFixed(3)}`);
