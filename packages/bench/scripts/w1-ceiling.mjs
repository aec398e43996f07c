// Issue 13's W1 target: tapegrad's matmul on one thread (W1: C = A·B, n×n, as the bench runs it) as a
// fraction of this machine's WebAssembly SIMD ceiling (src/ceiling.ts), the two measured alternately in
// this one process, call by call, so load from elsewhere hits both alike. Times are CPU time of the
// process (one thread computes), so a busy machine slows both without skewing the ratio; --wall uses
// wall time instead. The best call of each counts, as for the ceiling. Run after a build:
//   pnpm --filter @tapegrad/bench exec node scripts/w1-ceiling.mjs [--sizes 512,1024] [--rounds 10] [--wall]
// Node 20 runs the baseline build (mul + add); `node --experimental-wasm-relaxed-simd scripts/…` the
// fused one (relaxed_madd), as Chromium and Node ≥ 22 do by default.
import { Generator, backend, matmul, rand, setNumThreads } from '@tapegrad/core';
import { ceilingKernels, flopsPerTrip } from '../dist/ceiling.js';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : process.argv[i + 1];
};
const sizes = arg('sizes', '512,1024').split(',').map(Number);
const rounds = Number(arg('rounds', '10'));
const now = process.argv.includes('--wall')
  ? () => performance.now()
  : () => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1000;
    };
/** Milliseconds of one call of f. */
const time = (f) => {
  const t0 = now();
  f();
  return now() - t0;
};

setNumThreads(1);
const kernels = ceilingKernels();
const TRIPS = 1 << 17;
/** GFLOP/s of one call of a ceiling kernel (warmed up first, so it runs optimized). */
const ceilingCall = (kind) => (TRIPS * flopsPerTrip(kind)) / time(() => kernels[kind](TRIPS, 0.75, 0.5)) / 1e6;
for (const kind of Object.keys(kernels)) for (let i = 0; i < 50; i++) kernels[kind](1024, 0.75, 0.5);

console.log(`backend ${JSON.stringify(backend())}, node ${process.version}, best of ${rounds} rounds by ${process.argv.includes('--wall') ? 'wall' : 'CPU'} time`);
for (const [dtype, lane] of [['float32', 'f32'], ['float64', 'f64']]) {
  for (const n of sizes) {
    const g = new Generator(n);
    const A = rand([n, n], { generator: g, dtype }), B = rand([n, n], { generator: g, dtype });
    for (let i = 0; i < 3; i++) matmul(A, B).data;
    const best = { w1: 0, plain: 0, relaxed: 0 };
    for (let r = 0; r < rounds; r++) {
      best.plain = Math.max(best.plain, ceilingCall(lane));
      if (kernels[`${lane}Relaxed`]) best.relaxed = Math.max(best.relaxed, ceilingCall(`${lane}Relaxed`));
      best.w1 = Math.max(best.w1, (2 * n ** 3) / time(() => matmul(A, B).data) / 1e6);
    }
    const pct = (x) => `${Math.round((100 * best.w1) / x)}%`;
    console.log(
      `W1 ${dtype} n=${n}: ${best.w1.toFixed(1)} GFLOP/s = ${pct(best.plain)} of the mul + add ceiling ${best.plain.toFixed(1)}` +
        (best.relaxed ? `, ${pct(best.relaxed)} of the relaxed_madd ceiling ${best.relaxed.toFixed(1)}` : ''),
    );
  }
}
