export * from './index';
export { gemmChunks } from './parallel';
