export { gemmWorkBytes, gemmF32, gemmF64, gemmPackedF32, gemmPackedF64, packBF32, packBF64 } from './gemm';
export * from './unary';
export * from './elementwise';
