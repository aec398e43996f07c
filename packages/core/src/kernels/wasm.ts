/**
 * The WebAssembly SIMD kernels behind the `Kernels` interface. Each entry first checks the size of its
 * job: small jobs go straight to the plain-JS kernel (a copy into linear memory and a call into WASM
 * cost more than they save there), large ones are copied into the module's memory, computed there and
 * copied out. Copying is O(n²) against O(n³) work for a matmul.
 *
 * Numerics: the float32 gemm accumulates in float32 (four or two SIMD lanes, k blocked by 256), where
 * the JS kernel accumulates in doubles; the difference is bounded by the usual k·2⁻²⁴·Σ|a||b|.
 * float64 results equal the JS ones up to the order of the additions.
 */
import type { FloatArray } from '../dtype.js';
import { gemm as jsGemm } from './js-gemm.js';
import type { Kernels } from './types.js';
import {
  align64, heapF32, heapF64, operandBase, reserve, wasmRuntime, workArea, type WasmRuntime,
} from './wasm-runtime.js';
import { join, post, readyThreads } from './wasm-threads.js';

/**
 * Size limits in multiply-adds (m·n·k), measured on a 2-core Zen 4 with Node 20 (scripts/bench-gemm.mjs):
 * below `gemm` the JS kernel wins; from `threads` on, splitting across workers beats one thread
 * (waking a worker costs tens of µs).
 */
const limits = { gemm: 4096, threads: 1 << 21 };

let enabled = true;

/** Sets the size limits (for tests, which force the WASM and threaded paths on small products). */
export function setWasmLimits(next: Partial<typeof limits>): typeof limits {
  const previous = { ...limits };
  Object.assign(limits, next);
  return previous;
}

/** Switches the WASM kernels on or off (they fall back to JS while off, or where WASM is unavailable). */
export function setWasmEnabled(on: boolean): void {
  enabled = on;
}

/** The instantiated runtime if the WASM kernels are on and available. */
export function activeRuntime(): WasmRuntime | null {
  return enabled ? wasmRuntime() : null;
}

function gemm(
  transA: boolean, transB: boolean, m: number, n: number, k: number,
  a: FloatArray, aOff: number, b: FloatArray, bOff: number, c: FloatArray, cOff: number,
): void {
  const work = m * n * k;
  const rt = work >= limits.gemm && enabled ? wasmRuntime() : null;
  if (rt === null) return jsGemm(transA, transB, m, n, k, a, aOff, b, bOff, c, cOff);
  const S = c instanceof Float64Array ? 8 : 4;
  const threads = work >= limits.threads ? readyThreads(rt, Math.ceil(Math.max(m, n) / 8)) : 1;
  const pa = align64(operandBase(rt, threads));
  const pb = align64(pa + m * k * S);
  const pc = align64(pb + k * n * S);
  if (!reserve(rt, pc + m * n * S)) return jsGemm(transA, transB, m, n, k, a, aOff, b, bOff, c, cOff);
  const heap = S === 8 ? heapF64(rt) : heapF32(rt);
  // set() converts, so a float32 operand of a float64 product is widened on the way in.
  heap.set(a.subarray(aOff, aOff + m * k), pa / S);
  heap.set(b.subarray(bOff, bOff + k * n), pb / S);
  const lda = transA ? m : k, ldb = transB ? k : n;
  run(rt, S, threads, transA ? 1 : 0, transB ? 1 : 0, m, n, k, pa, lda, pb, ldb, pc, n);
  c.set(heap.subarray(pc / S, pc / S + m * n), cOff);
}

/**
 * Runs one gemm on `threads` threads: C is cut into blocks of whole rows (or, when it is wider than
 * tall, whole columns), aligned to the micro-kernel's tile so no extra edge tiles appear; the caller
 * computes the first block while the workers compute the others.
 */
function run(
  rt: WasmRuntime, S: 4 | 8, threads: number, tA: number, tB: number, m: number, n: number, k: number,
  pa: number, lda: number, pb: number, ldb: number, pc: number, ldc: number,
): void {
  const fn = S === 8 ? rt.exports.gemmF64 : rt.exports.gemmF32;
  if (threads <= 1) {
    fn(tA, tB, m, n, k, pa, lda, pb, ldb, pc, ldc, workArea(rt, 0));
    return;
  }
  const byRows = m >= n;
  const extent = byRows ? m : n;
  const chunk = Math.ceil(extent / threads / 8) * 8;
  const jobs: number[][] = [];
  for (let t = 0, s = 0; s < extent; t++, s += chunk) {
    const len = Math.min(chunk, extent - s);
    // Row block s.. of op(A) starts at row s of stored A, or column s when A is stored transposed;
    // likewise column block s.. of op(B).
    jobs.push(byRows
      ? [tA, tB, len, n, k, pa + (tA ? s : s * lda) * S, lda, pb, ldb, pc + s * ldc * S, ldc, workArea(rt, t)]
      : [tA, tB, m, len, k, pa, lda, pb + (tB ? s * ldb : s) * S, ldb, pc + s * S, ldc, workArea(rt, t)]);
  }
  for (let t = 1; t < jobs.length; t++) post(t - 1, S, jobs[t]);
  const [a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11] = jobs[0];
  fn(a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11);
  for (let t = 1; t < jobs.length; t++) {
    if (!join(t - 1)) {
      // The worker threw (it should not): compute its block here rather than return garbage.
      const [b0, b1, b2, b3, b4, b5, b6, b7, b8, b9, b10, b11] = jobs[t];
      fn(b0, b1, b2, b3, b4, b5, b6, b7, b8, b9, b10, b11);
    }
  }
}

/** The kernels that have a WASM implementation; each falls back to JS for small inputs. */
export const wasmKernels: Partial<Kernels> = { gemm };
