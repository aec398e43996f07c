export { gemmWorkBytes, gemmF32, gemmF64, gemmPackedF32, gemmPackedF64, packBF32, packBF64 } from './gemm';
export { gemmChunks } from './parallel';
export { unaryF32, unaryF64 } from './unary';
export { binaryF32, binaryF64, mapF32, mapF64, sigmoidGradF32, sigmoidGradF64 } from './elementwise';
