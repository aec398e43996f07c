/**
 * The op library's public functions, gathered from the op files (ops/*.ts), where each primitive is
 * defined with its rule. Composites (mean, softmax, stack …) live beside the primitives they use.
 */
export { type Operand } from './ops/define.js';
export * from './ops/arith.js';
export * from './ops/unary.js';
export * from './ops/layout.js';
export * from './ops/rearrange.js';
export * from './ops/indexing.js';
export * from './ops/matmul.js';
export * from './ops/reduce.js';
export * from './ops/stats.js';
export * from './ops/softmax.js';
export * from './ops/conv.js';
export * from './ops/pool.js';
export * from './ops/scan.js';
export * from './ops/sort.js';
export * from './ops/embedding.js';
export * from './ops/attention.js';
