// The gemm alone, built with relaxed SIMD (fused multiply-add); its instance shares the memory of the plain build's.
export { gemmWorkBytes, gemmF32, gemmF64, gemmPackedF32, gemmPackedF64, packBF32, packBF64 } from './gemm';
