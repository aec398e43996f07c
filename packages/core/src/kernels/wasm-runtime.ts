/**
 * Loading the WebAssembly kernels and owning their linear memory.
 *
 * The module is embedded (wasm-bytes.ts) and instantiated synchronously on first use, so importing
 * core costs nothing and there is no download. (Where an engine refuses synchronous compilation, as
 * Chrome before version ~115 does on a page's main thread above 4 KB, it compiles in the background and
 * the JS kernels serve until it is ready.) Two instances: the plain build on an unshared memory runs
 * everything single-threaded; where SharedArrayBuffer exists (Node; browsers only when cross-origin
 * isolated) the shared-memory build runs the products that worker threads share, each worker
 * instantiating the same module on the same memory. Where the engine has relaxed SIMD (Chromium ≥ 114,
 * Node ≥ 22), a third module, the gemm alone built with fused multiply-add, is instantiated on the same
 * memory and its functions replace the plain ones (for the shared build: its module is the one workers
 * instantiate), detected by validating it.
 *
 * Memory layout (byte offsets, all chosen here, none by the module):
 *   [0, HEAP_START)                           the threaded gemm's control block (wasm-control.ts)
 *   [HEAP_START + t·workBytes, … + workBytes)  gemm scratch of thread t (packed panels)
 *   [operandBase(threads), …)                  the operands of the current call, copied in and out
 * Operands are transient, so the layout may change from one call to the next.
 */
import { GEMM_WASM, GEMM_WASM_RELAXED, GEMM_WASM_SHARED, GEMM_WASM_SHARED_RELAXED, SHARED_MAX_PAGES } from './wasm-bytes.js';
import { HEAP_START } from './wasm-control.js';
import type { SharedWasmExports, WasmExports } from './wasm-exports.js';

const PAGE = 65536;

/** wasm/unary.ts, wasm/elementwise.ts: out[i] = f(x[i]) for i < n (byte offsets; out may be x). */
export type MapFn = WasmExports['expF32'];

/** wasm/elementwise.ts: out[r·len + j] = a[r·ars + j·acs] ∘ b[r·brs + j·bcs], acs, bcs ∈ {0, 1}. */
export type BinaryFn = WasmExports['addF32'];

/** An instantiated build: E is SharedWasmExports for the shared-memory one. */
export interface WasmRuntime<E extends WasmExports = WasmExports> {
  /** The functions compiled from wasm/*.ts, typed by wasm-exports.ts (generated from their declarations). */
  readonly exports: E;
  readonly memory: WebAssembly.Memory;
  /** The module workers instantiate on the same (shared) memory to call gemmChunks: the relaxed-SIMD
   * build where it is used (it has only the gemm functions), else the whole build. */
  readonly module: WebAssembly.Module;
  readonly shared: boolean;
  /** Scratch bytes one gemm thread needs, rounded up to a cache line. */
  readonly workBytes: number;
  /** Whether the gemm functions are the relaxed-SIMD build's (fused multiply-add). */
  readonly relaxed: boolean;
}

/** Views over the memory, renewed after growth (old views keep the old length). */
interface Views {
  f32: Float32Array | null;
  f64: Float64Array | null;
}

// undefined: not tried yet; null: unavailable (or still compiling in the background)
let plainState: WasmRuntime | null | undefined;
let sharedState: WasmRuntime<SharedWasmExports> | null | undefined;
/** Whether a runtime loaded from now on may use the relaxed-SIMD gemm (setRelaxedSimd). */
let relaxedAllowed = true;
const views = new WeakMap<WasmRuntime, Views>();

function decode(base64: string): Uint8Array<ArrayBuffer> {
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

function runtimeOf<E extends WasmExports>(
  module: WebAssembly.Module, instance: WebAssembly.Instance, memory: WebAssembly.Memory, shared: boolean,
  relaxed: WebAssembly.Instance | null,
): WasmRuntime<E> {
  // The relaxed build exports only gemm functions, each under the name of the one it replaces.
  const exports = { ...instance.exports, ...relaxed?.exports } as unknown as E;
  const workBytes = Math.ceil(exports.gemmWorkBytes() / 64) * 64;
  const rt = { exports, memory, module, shared, workBytes, relaxed: relaxed !== null };
  views.set(rt, { f32: null, f64: null });
  return rt;
}

/** The relaxed-SIMD gemm module if it may be used and the engine validates it, else null. */
function relaxedModule(shared: boolean): WebAssembly.Module | null {
  if (!relaxedAllowed) return null;
  const bytes = decode(shared ? GEMM_WASM_SHARED_RELAXED : GEMM_WASM_RELAXED);
  return WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
}

function load<E extends WasmExports>(shared: boolean, done: (rt: WasmRuntime<E>) => void): WasmRuntime<E> | null {
  if (typeof WebAssembly !== 'object' || typeof WebAssembly.validate !== 'function') return null;
  if (shared && typeof SharedArrayBuffer !== 'function') return null;
  const bytes = decode(shared ? GEMM_WASM_SHARED : GEMM_WASM);
  // validate() is false where the engine lacks SIMD (or, for the shared build, threads).
  if (!WebAssembly.validate(bytes)) return null;
  let memory: WebAssembly.Memory;
  try {
    memory = shared
      ? new WebAssembly.Memory({ initial: 1, maximum: SHARED_MAX_PAGES, shared: true })
      : new WebAssembly.Memory({ initial: 1 });
  } catch {
    return null; // a shared memory can be refused (no cross-origin isolation, or no address space)
  }
  const imports = { env: { memory } };
  try {
    const module = new WebAssembly.Module(bytes);
    const relaxed = relaxedModule(shared);
    // Workers instantiate the module that has gemmChunks: the relaxed one where it is used.
    return runtimeOf<E>(relaxed ?? module, new WebAssembly.Instance(module, imports), memory, shared,
      relaxed && new WebAssembly.Instance(relaxed, imports));
  } catch {
    // Older Chrome refuses to compile or instantiate more than 4 KB synchronously on a page's main
    // thread: do it in the background and use the JS kernels until it is done (without relaxed SIMD,
    // which those versions lack).
    WebAssembly.compile(bytes)
      .then(async (module) => done(runtimeOf<E>(module, await WebAssembly.instantiate(module, imports), memory, shared, null)))
      .catch(() => {});
    return null;
  }
}

/**
 * Allows (the default) or forbids the relaxed-SIMD gemm, so tests can compare both builds; the plain
 * runtime is reloaded on next use. The shared runtime keeps the build it started with (its workers
 * hold the module). Returns the previous setting.
 */
export function setRelaxedSimd(allowed: boolean): boolean {
  const previous = relaxedAllowed;
  relaxedAllowed = allowed;
  if (plainState && plainState.relaxed !== allowed) plainState = undefined;
  return previous;
}

/**
 * The kernels on a plain (unshared) memory, or null where WebAssembly with SIMD is unavailable; loads
 * on first call. Everything single-threaded runs here: copying in and out of a shared memory goes
 * through V8's race-safe copy, which measured up to 2× slower, and elementwise kernels are mostly copying.
 */
export function wasmRuntime(): WasmRuntime | null {
  if (plainState === undefined) plainState = load(false, (rt) => (plainState = rt));
  return plainState;
}

/** The same kernels on a shared memory, for products split across worker threads; null without SharedArrayBuffer. */
export function sharedRuntime(): WasmRuntime<SharedWasmExports> | null {
  if (sharedState === undefined) sharedState = load<SharedWasmExports>(true, (rt) => (sharedState = rt));
  return sharedState;
}

/** First byte after the scratch areas of `threads` threads. */
export function operandBase(rt: WasmRuntime, threads: number): number {
  return HEAP_START + threads * rt.workBytes;
}

/** Scratch area of thread t. */
export function workArea(rt: WasmRuntime, t: number): number {
  return HEAP_START + t * rt.workBytes;
}

/** Grows the memory to hold `bytes`; false if it cannot (the caller then falls back to JS). */
export function reserve(rt: WasmRuntime, bytes: number): boolean {
  const have = rt.memory.buffer.byteLength;
  if (bytes <= have) return true;
  try {
    rt.memory.grow(Math.ceil((bytes - have) / PAGE));
    return true;
  } catch {
    return false; // RangeError: beyond the maximum or out of memory
  }
}

/** A Float32Array over the whole memory, renewed after growth (old views keep the old length). */
export function heapF32(rt: WasmRuntime): Float32Array {
  const v = views.get(rt)!;
  const buffer = rt.memory.buffer;
  if (v.f32 === null || v.f32.byteLength !== buffer.byteLength) v.f32 = new Float32Array(buffer);
  return v.f32;
}

export function heapF64(rt: WasmRuntime): Float64Array {
  const v = views.get(rt)!;
  const buffer = rt.memory.buffer;
  if (v.f64 === null || v.f64.byteLength !== buffer.byteLength) v.f64 = new Float64Array(buffer);
  return v.f64;
}

/** Rounds a byte offset up to a multiple of 64 (a cache line; keeps v128 and f64 accesses aligned). */
export function align64(bytes: number): number {
  return Math.ceil(bytes / 64) * 64;
}
