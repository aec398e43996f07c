/**
 * The WebAssembly SIMD kernels behind the `Kernels` interface. Each entry first checks the size of its
 * job: small jobs go straight to the plain-JS kernel (a copy into linear memory and a call into WASM
 * cost more than they save there), large ones are copied into the module's memory, computed there and
 * copied out. Copying is O(n²) against O(n³) work for a matmul.
 *
 * Numerics: the float32 gemm accumulates in float32 (k blocked by 256), where the JS kernel accumulates
 * in doubles; the difference is bounded by the usual k·2⁻²⁴·Σ|a||b|. float64 results equal the JS ones up
 * to the order of the additions. Where the engine has relaxed SIMD, the gemm's multiply-adds are fused
 * (one rounding instead of two: within the same bound, but not bit-equal to an engine without it). exp and sigmoid are within 1 and 2 ulp of the Math.exp-based JS kernel
 * in double, and float32 results came out identical on 10⁶ samples.
 */
import type { FloatArray } from '../dtype.js';
import { broadcastStrides } from '../shape.js';
import { binary as jsBinary, sigmoidGrad as jsSigmoidGrad, unary as jsUnary } from './js-elementwise.js';
import { coalesce } from './js-walk.js';
import { gemm as jsGemm } from './js-gemm.js';
import type { BinaryKernelOp, Kernels, UnaryKernelOp } from './types.js';
import {
  align64, heapF32, heapF64, operandBase, reserve, sharedRuntime, wasmRuntime, workArea,
  type BinaryFn, type MapFn, type WasmRuntime,
} from './wasm-runtime.js';
import type { SharedWasmExports, WasmExports } from './wasm-exports.js';
import { numThreads, readyThreads, runChunks, setNumThreads, spawnedThreads, type GemmJob } from './wasm-threads.js';

/**
 * Size limits, measured on a (busy) 2-core Zen 4 with Node 20: below `gemm` multiply-adds (m·n·k)
 * the JS kernel wins; from `threads` multiply-adds on, a product is shared with the workers in chunks
 * of at least `chunk` rows or columns (waking a worker costs tens of µs, and each chunk repacks the
 * other operand: with 64-row chunks that cost 10–15% more CPU time than one thread, with 128 about 5%).
 * `callerClaims: false` makes the workers compute every chunk, `adaptive: false` keeps threading on
 * when it does not pay (tests; see wasm-threads.ts).
 * Elementwise kernels run in WASM from `elementwise` elements on: a WASM call costs ~1.3 µs in all
 * (staging, copies), the JS loops 1–4 ns an element (Math.exp several), so an add breaks even near 256.
 */
const limits = { gemm: 512, threads: 1 << 21, chunk: 128, callerClaims: true, adaptive: true, elementwise: 256 };

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
  if (work < limits.gemm || !enabled) return jsGemm(transA, transB, m, n, k, a, aOff, b, bOff, c, cOff);
  // C is shared out by whole rows, or by whole columns when it is wider than tall.
  const byRows = m >= n;
  const extent = byRows ? m : n;
  // A product shared with workers runs on the shared memory (`pool`), any other on the plain one.
  let pool: WasmRuntime<SharedWasmExports> | null = null;
  let threads = 1;
  if (work >= limits.threads && extent >= 2 * limits.chunk && numThreads() > 1) {
    const shared = sharedRuntime();
    if (shared !== null) threads = readyThreads(shared, limits.adaptive);
    if (threads > 1) pool = shared;
  }
  const rt = pool ?? wasmRuntime();
  if (rt === null) return jsGemm(transA, transB, m, n, k, a, aOff, b, bOff, c, cOff);
  const S = c instanceof Float64Array ? 8 : 4;
  // Workers that are still starting may join mid-job, so every spawned one keeps its scratch area.
  const pa = align64(operandBase(rt, threads > 1 ? spawnedThreads() : 1));
  const pb = align64(pa + m * k * S);
  const pc = align64(pb + k * n * S);
  // Row chunks share one packed op(B), after C: k·(n + NR) elements at most.
  const packed = threads > 1 && byRows ? align64(pc + m * n * S) : 0;
  const end = packed ? packed + k * (n + 32 / S) * S : pc + m * n * S;
  if (!reserve(rt, end)) return jsGemm(transA, transB, m, n, k, a, aOff, b, bOff, c, cOff);
  const heap = S === 8 ? heapF64(rt) : heapF32(rt);
  // set() converts, so a float32 operand of a float64 product is widened on the way in.
  heap.set(a.subarray(aOff, aOff + m * k), pa / S);
  heap.set(b.subarray(bOff, bOff + k * n), pb / S);
  const lda = transA ? m : k, ldb = transB ? k : n;
  const fn = S === 8 ? rt.exports.gemmF64 : rt.exports.gemmF32;
  let done = false; // whether the threaded path computed C
  if (pool !== null) {
    // A few chunks per thread, so a thread that starts late leaves its share to the others; whole
    // tiles (multiples of 8), so no chunk adds edge tiles.
    const nWanted = Math.min(4 * threads, Math.floor(extent / limits.chunk));
    const chunk = Math.ceil(extent / nWanted / 8) * 8;
    const nChunks = Math.ceil(extent / chunk);
    if (packed) (S === 8 ? rt.exports.packBF64 : rt.exports.packBF32)(transB, k, n, pb, ldb, packed);
    const job = {
      elemBytes: S, byRows, chunk, nChunks, extent, transA, transB, m, n, k, a: pa, lda, b: pb, ldb, c: pc, ldc: n,
      work0: workArea(rt, 0), workBytes: rt.workBytes, packedB: packed,
    } satisfies GemmJob;
    done = runChunks(pool, job, limits.callerClaims);
    if (!done) setNumThreads(1); // a worker threw (it should not): stop threading, compute here
  }
  if (!done) fn(transA, transB, m, n, k, pa, lda, pb, ldb, pc, n, workArea(rt, 0));
  c.set(heap.subarray(pc / S, pc / S + m * n), cOff);
}

/** The exports that take F's parameters. */
type ExportOf<F extends (...args: never[]) => unknown> = {
  [K in keyof WasmExports]: Parameters<WasmExports[K]> extends Parameters<F> ? K : never;
}[keyof WasmExports];
/** The float32 and float64 kernels of an op, named as in wasm/*.ts: `${fn}F32`, `${fn}F64`. */
const pair = <Fn extends string>(fn: Fn) => [`${fn}F32`, `${fn}F64`] as const;

/** The WASM kernels of each op (wasm/unary.ts computes exp and sigmoid in double). */
const UNARY: Partial<Record<UnaryKernelOp, readonly [ExportOf<MapFn>, ExportOf<MapFn>]>> = {
  exp: pair('exp'), sigmoid: pair('sigmoid'), neg: pair('neg'), abs: pair('abs'), sqrt: pair('sqrt'),
  relu: pair('relu'), square: pair('square'), reciprocal: pair('reciprocal'),
};
const BINARY: Partial<Record<BinaryKernelOp, readonly [ExportOf<BinaryFn>, ExportOf<BinaryFn>]>> = {
  add: pair('add'), sub: pair('sub'), mul: pair('mul'), div: pair('div'), maximum: pair('max'), minimum: pair('min'),
};

/** Copies `arrays` into linear memory one after another (as out's element type); their offsets, or null. */
function stage(rt: WasmRuntime, S: 4 | 8, arrays: readonly FloatArray[], extra: number): number[] | null {
  let p = align64(operandBase(rt, 1));
  const at: number[] = [];
  for (const x of arrays) {
    at.push(p);
    p = align64(p + x.length * S);
  }
  at.push(p);
  if (!reserve(rt, p + extra * S)) return null;
  const heap = S === 8 ? heapF64(rt) : heapF32(rt);
  arrays.forEach((x, i) => heap.set(x, at[i] / S));
  return at;
}

function unary(op: UnaryKernelOp, x: FloatArray, out: FloatArray, p = 0): void {
  const n = out.length;
  // The common case, a small tensor, costs one comparison before the JS kernel.
  const which = n >= limits.elementwise ? UNARY[op] : undefined;
  const rt = which !== undefined && enabled ? wasmRuntime() : null;
  if (rt === null) return jsUnary(op, x, out, p);
  const S = out instanceof Float64Array ? 8 : 4;
  const at = stage(rt, S, [x.length === n ? x : x.subarray(0, n)], 0);
  if (at === null) return jsUnary(op, x, out, p);
  rt.exports[which![S === 8 ? 1 : 0]](at[0], at[0], n);
  out.set((S === 8 ? heapF64(rt) : heapF32(rt)).subarray(at[0] / S, at[0] / S + n));
}


/**
 * The broadcast as rows: out is rows × len, and each operand steps (row, column) = (rs, cs) with
 * cs ∈ {0, 1}. Coalescing reduces every case that matters to at most two dims: equal shapes, a scalar,
 * a bias [n, 1] against [n, m] (cs = 0, rs = 1) or [1, n] against [m, n] (rs = 0, cs = 1). Else null.
 */
function rowsOf(aShape: readonly number[], bShape: readonly number[], outShape: readonly number[]): number[] | null {
  const { shape, strides: [sa, sb] } = coalesce(outShape, [broadcastStrides(aShape, outShape), broadcastStrides(bShape, outShape)]);
  const d = shape.length;
  if (d > 2) return null;
  const [rows, ars, brs] = d === 2 ? [shape[0], sa[0], sb[0]] : [1, 0, 0];
  const [len, acs, bcs] = d >= 1 ? [shape[d - 1], sa[d - 1], sb[d - 1]] : [1, 0, 0];
  return acs <= 1 && bcs <= 1 ? [rows, len, ars, acs, brs, bcs] : null;
}

function binary(
  op: BinaryKernelOp, a: FloatArray, aShape: readonly number[], b: FloatArray, bShape: readonly number[],
  out: FloatArray, outShape: readonly number[],
): void {
  const names = out.length >= limits.elementwise ? BINARY[op] : undefined;
  const rt = names !== undefined && enabled ? wasmRuntime() : null;
  const layout = rt !== null ? rowsOf(aShape, bShape, outShape) : null;
  if (rt === null || layout === null) return jsBinary(op, a, aShape, b, bShape, out, outShape);
  const S = out instanceof Float64Array ? 8 : 4;
  const at = stage(rt, S, [a, b], out.length);
  if (at === null) return jsBinary(op, a, aShape, b, bShape, out, outShape);
  const [rows, len, ars, acs, brs, bcs] = layout;
  rt.exports[names![S === 8 ? 1 : 0]](rows, len, at[0], ars, acs, at[1], brs, bcs, at[2]);
  out.set((S === 8 ? heapF64(rt) : heapF32(rt)).subarray(at[2] / S, at[2] / S + out.length));
}

function sigmoidGrad(y: FloatArray, dy: FloatArray, out: FloatArray): void {
  const n = out.length;
  const rt = n >= limits.elementwise && enabled ? wasmRuntime() : null;
  const S = out instanceof Float64Array ? 8 : 4;
  const at = rt !== null ? stage(rt, S, [y, dy], 0) : null;
  if (rt === null || at === null) return jsSigmoidGrad(y, dy, out);
  (S === 8 ? rt.exports.sigmoidGradF64 : rt.exports.sigmoidGradF32)(at[0], at[1], at[0], n);
  out.set((S === 8 ? heapF64(rt) : heapF32(rt)).subarray(at[0] / S, at[0] / S + n));
}

/** The kernels that have a WASM implementation; each falls back to JS for small inputs. */
export const wasmKernels: Partial<Kernels> = { gemm, unary, binary, sigmoidGrad };
