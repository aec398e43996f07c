export { gemmWorkBytes, gemmF32, gemmF64 } from './gemm';
export { unaryF32, unaryF64 } from './unary';
