/**
 * Choosing the kernels: the public switches over WebAssembly and threads. WASM with SIMD is on by
 * default wherever the engine validates the module; elsewhere every kernel is the plain-JS one.
 */
import { jsKernels } from './js.js';
import { kernels } from './index.js';
import { setNumThreads as setThreads, numThreads } from './wasm-threads.js';
import { sharedRuntime } from './wasm-runtime.js';
import { activeRuntime, setWasmEnabled, wasmKernels } from './wasm.js';

/**
 * What `backend()` reports: which kernels large matmuls run on and with how many threads.
 *
 * @example
 * const { kernels, threads } = backend(); // e.g. { kernels: 'js', threads: 1 } where WebAssembly SIMD is missing
 */
export interface BackendInfo {
  /** 'wasm-simd' when large matmuls run in WebAssembly SIMD, else 'js'. */
  readonly kernels: 'wasm-simd' | 'js';
  /** Threads a large matmul may use (1 when single-threaded, or where shared memory is unavailable). */
  readonly threads: number;
  /** Whether the WASM matmul multiplies and adds in one fused step (relaxed SIMD's relaxed_madd), where
   * the engine has it: Chromium ≥ 114, Node ≥ 22. Fused or not, a float32 result may differ in its last
   * bits between engines, as PyTorch's may between CPUs. */
  readonly relaxedSimd: boolean;
}

/**
 * Which kernels are active.
 *
 * @example
 * backend(); // { kernels: 'wasm-simd', threads: 2, relaxedSimd: false } on a 2-core machine with Node 20
 */
export function backend(): BackendInfo {
  const rt = kernels.gemm === wasmKernels.gemm ? activeRuntime() : null;
  if (rt === null) return { kernels: 'js', threads: 1, relaxedSimd: false };
  return { kernels: 'wasm-simd', threads: sharedRuntime() !== null ? numThreads() : 1, relaxedSimd: rt.relaxed };
}

/**
 * Switches the WebAssembly kernels on (the default) or off; returns whether they are now in use, which
 * is false where WebAssembly SIMD is unavailable.
 *
 * @example
 * useWasm(false); // every op now runs the plain-TypeScript kernels
 */
export function useWasm(enabled: boolean): boolean {
  setWasmEnabled(enabled);
  const source = enabled ? wasmKernels : jsKernels;
  for (const name of Object.keys(wasmKernels) as (keyof typeof wasmKernels)[]) {
    (kernels as unknown as Record<string, unknown>)[name] = source[name];
  }
  return backend().kernels === 'wasm-simd';
}

/**
 * Sets how many threads (the calling one included) a large matmul may use; 1 switches threading off.
 * Returns the number in effect, which `backend().threads` also shows: `n` is clamped to the number of
 * cores, since threads beyond them only take turns on the same cores and the matmul waits for the
 * slowest (PyTorch's set_num_threads takes any n). Defaults to the TAPEGRAD_THREADS environment
 * variable (not clamped), else the number of cores up to 4. Threads need SharedArrayBuffer: Node, or a
 * cross-origin-isolated page. A non-integer, a string or n < 1 is a TapegradError.
 *
 * @example
 * setNumThreads(1); // single-threaded from now on
 * setNumThreads(64); // 2 on a 2-core machine: one worker beside the calling thread
 */
export function setNumThreads(n: number): number {
  return setThreads(n);
}
