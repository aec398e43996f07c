import type { Kernels } from './types.js';
import { jsKernels } from './js.js';
import { wasmKernels } from './wasm.js';

export type { Kernels, UnaryKernelOp, BinaryKernelOp, ReduceKernelOp, ConvGeometry } from './types.js';
export { jsKernels } from './js.js';

/**
 * The kernels in use. Ops call through this object at run time, so replacing an entry (for example
 * `gemm` with a WebAssembly one) changes every op and every gradient rule that uses it. Read it to call
 * a kernel directly; change it only through `setKernels` or `useWasm`.
 *
 * @example
 * const out = new Float32Array(3);
 * kernels.binary('mul', new Float32Array([1, 2, 3]), [3], new Float32Array([2]), [1], out, [3]); // out is now [2, 4, 6]
 */
export const kernels: Kernels = { ...jsKernels, ...wasmKernels }; // WASM entries fall back to JS where unavailable

/**
 * Replaces some or all kernels; returns a function that restores the previous ones.
 *
 * @example
 * const restore = setKernels({ gemm: myGemm });
 * try { ... } finally { restore(); }
 */
export function setKernels(replacement: Partial<Kernels>): () => void {
  const previous = { ...kernels };
  Object.assign(kernels, replacement);
  return () => {
    Object.assign(kernels, previous);
  };
}
