// Issue 11's W6: float64 solve and cholesky at n = 64, 256, 512, and einsum of a batched bilinear form
// (Σ_ij x[b,i]·W[i,j]·y[b,j], b = n = 256), tapegrad against jax-js (eager, wasm device). TensorFlow.js
// has no float64 and neither solve nor cholesky, so it has no column. Each figure is the median of
// `reps` repetitions (a repetition repeats the call for at least 20 ms) after two warm-up calls; the
// results of the two libraries are compared (max relative difference). Run after a build, once
// `pnpm bench` has installed the peers into packages/bench/peers:
//   pnpm --filter @tapegrad/bench exec node scripts/w6-linalg.mjs [reps]
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import * as tg from '@tapegrad/core';

// jax-js lives in peers/ (installed on first use by `pnpm bench`), not among the workspace's packages
const jax = await import(pathToFileURL(createRequire(new URL('../peers/package.json', import.meta.url)).resolve('@jax-js/jax')).href);

const reps = Number(process.argv[2] ?? 5);
const { numpy: np } = jax;
await jax.init('wasm');
jax.defaultDevice('wasm');

/** Deterministic values in [−1, 1), rounded to float32 so both libraries get exactly the same numbers
 * (jax-js in Node 20 takes a Float32Array, widened with astype). */
function values(count, seed) {
  const out = new Float32Array(count);
  let s = seed >>> 0;
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}
/** A = M·Mᵀ/n + I, symmetric positive definite and well conditioned. */
function spd(n, seed) {
  const M = values(n * n, seed), A = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let p = 0; p < n; p++) s += M[i * n + p] * M[j * n + p];
      A[i * n + j] = A[j * n + i] = s / n + (i === j ? 1 : 0);
    }
  }
  return A;
}

const tgArray = (data, shape) => tg.tensor(Float64Array.from(data), { shape, dtype: 'float64' });
const jaxArray = (data, shape) => np.array(data).reshape(shape).astype(np.float64);

function time(call) {
  call();
  call();
  const medians = [];
  for (let r = 0; r < reps; r++) {
    let calls = 0;
    const t0 = performance.now();
    do {
      call();
      calls++;
    } while (performance.now() - t0 < 20);
    medians.push((performance.now() - t0) / calls);
  }
  return medians.sort((a, b) => a - b)[Math.floor(reps / 2)];
}

function maxRelDiff(a, b) {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / (1 + Math.abs(b[i])));
  return worst;
}

const rows = [];
function row(name, tgCall, jaxCall) {
  const diff = maxRelDiff(tgCall(), jaxCall());
  const a = time(tgCall), b = time(jaxCall);
  rows.push(`| ${name.padEnd(34)} | ${a.toFixed(2).padStart(9)} | ${b.toFixed(2).padStart(9)} | ${(b / a).toFixed(2).padStart(5)}× | ${diff.toExponential(1)} |`);
  console.error(rows.at(-1));
}

for (const n of [64, 256, 512]) {
  const A = spd(n, n), B = values(n * 16, n + 1);
  const tA = tgArray(A, [n, n]), tB = tgArray(B, [n, 16]);
  const jA = jaxArray(A, [n, n]), jB = jaxArray(B, [n, 16]);
  row(`solve A[${n}×${n}]·X = B[${n}×16]`, () => tg.solve(tA, tB).data, () => np.linalg.solve(jA.ref, jB.ref).dataSync());
  row(`cholesky A[${n}×${n}]`, () => tg.cholesky(tA).data, () => np.linalg.cholesky(jA.ref).dataSync());
}
{
  const b = 256, n = 256;
  const x = values(b * n, 7), W = values(n * n, 8), y = values(b * n, 9);
  const tx = tgArray(x, [b, n]), tW = tgArray(W, [n, n]), ty = tgArray(y, [b, n]);
  const jx = jaxArray(x, [b, n]), jW = jaxArray(W, [n, n]), jy = jaxArray(y, [b, n]);
  row(`einsum 'bi,ij,bj->b' (b = n = ${n})`, () => tg.einsum('bi,ij,bj->b', tx, tW, ty).data, // jax-js parses a string spec with Iterator helpers, which Node 20 lacks: its integer-list form instead
    () => np.einsum(jx.ref, [0, 1], jW.ref, [1, 2], jy.ref, [0, 2], [0]).dataSync());
}
console.log(`W6, float64, ms per call (median of ${reps}); tapegrad ${tg.backend().kernels} kernels (the linalg kernels are plain TypeScript), jax-js eager on wasm`);
console.log('| case | tapegrad | jax-js | jax-js / tapegrad | max rel diff |');
console.log('| --- | ---: | ---: | ---: | ---: |');
console.log(rows.join('\n'));
