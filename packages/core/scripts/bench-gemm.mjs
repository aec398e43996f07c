/**
 * Quick GEMM throughput check of the built package (run `pnpm --filter @tapegrad/core build` first):
 *   node packages/core/scripts/bench-gemm.mjs [--sizes 128,256,512,1024] [--reps 10] [--js] [--flags nn,tn] [--cpu]
 * Prints GFLOP/s = 2·n³ / wall time, the median (and best) of the timed repetitions after a warm-up,
 * for float32 and float64 on 1 and 2 threads. Each call includes copying A and B into WASM memory and C
 * out, as `matmul` does. --js adds the plain-TypeScript kernel for comparison. --cpu divides by the
 * process's CPU time instead (all threads): on a machine busy with other work, wall time says more
 * about the neighbours than about the kernel, while CPU time gives the throughput per core and, for
 * two threads, what threading costs in extra work. On a machine whose cores are busy, the "2 threads"
 * rows may in fact run on one: threading backs off while threaded products do not pay
 * (src/kernels/wasm-threads.ts). The full comparison with other libraries is packages/bench.
 */
import { backend, jsKernels, kernels, setNumThreads, useWasm } from '../dist/index.js';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : process.argv[i + 1];
};
const sizes = arg('sizes', '128,256,512,1024').split(',').map(Number);
const reps = Number(arg('reps', '10'));
const flagSets = arg('flags', 'nn').split(',');
const withJs = process.argv.includes('--js');
const cpu = process.argv.includes('--cpu');
/** Milliseconds of wall time, or of CPU time of the whole process (every thread) with --cpu. */
const now = cpu
  ? () => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1000;
    }
  : () => performance.now();

function fill(x) {
  let s = 12345;
  for (let i = 0; i < x.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = s / 2 ** 31 - 1;
  }
  return x;
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Median and best GFLOP/s of `reps` timed calls of gemm(n×n·n×n) after warm-up calls. */
function measure(gemm, Arr, n, flags) {
  const a = fill(new Arr(n * n)), b = fill(new Arr(n * n)), c = new Arr(n * n);
  const [tA, tB] = [flags[0] === 't', flags[1] === 't'];
  const warm = Math.max(3, Math.min(50, Math.round(2e8 / n ** 3)));
  for (let i = 0; i < warm; i++) gemm(tA, tB, n, n, n, a, 0, b, 0, c, 0);
  const times = [];
  for (let r = 0; r < reps; r++) {
    const t0 = now();
    gemm(tA, tB, n, n, n, a, 0, b, 0, c, 0);
    times.push(now() - t0);
  }
  times.sort((x, y) => x - y);
  const gflops = (ms) => (2 * n ** 3) / (ms * 1e6);
  return { median: gflops(times[times.length >> 1]), best: gflops(times[0]) };
}

const fmt = (r) => `${r.median.toFixed(1).padStart(6)} (best ${r.best.toFixed(1).padStart(5)})`;

console.log(
  `backend: ${JSON.stringify(backend())}, node ${process.version}, median (best) GFLOP/s of ${reps} reps` +
    ` by ${cpu ? 'CPU' : 'wall'} time`,
);
for (const flags of flagSets) {
  for (const dtype of ['float32', 'float64']) {
    const Arr = dtype === 'float32' ? Float32Array : Float64Array;
    for (const n of sizes) {
      const row = [`${dtype} ${flags} n=${String(n).padEnd(5)}`];
      for (const threads of [1, 2]) {
        setNumThreads(threads);
        // Let the workers start (they join once ready) before timing.
        if (threads > 1) for (let i = 0; i < 20; i++) { measure(kernels.gemm, Arr, 160, 'nn'); await sleep(10); }
        row.push(`${threads} thread${threads > 1 ? 's' : ' '}: ${fmt(measure(kernels.gemm, Arr, n, flags))}`);
      }
      if (withJs && n <= 512) row.push(`js: ${fmt(measure(jsKernels.gemm, Arr, n, flags))}`);
      console.log(row.join('   '));
    }
  }
}
useWasm(true);
