export { gemmWorkBytes, gemmF32, gemmF64 } from './gemm';
export { gemmChunks } from './parallel';
