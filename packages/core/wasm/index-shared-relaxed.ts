// The threaded gemm alone, built with relaxed SIMD; workers instantiate it on the shared memory.
export * from './index-relaxed';
export { gemmChunks } from './parallel';
