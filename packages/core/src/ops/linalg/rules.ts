/** The linear-algebra primitives' rules, for the catalog (table.ts); each is defined beside its function. */
export { triangularSolveOp } from './triangular.js';
export { choleskyOp } from './cholesky.js';
export { solveOp } from './solve.js';
export { detOp, slogdetOp } from './det.js';
export { luOp } from './lu.js';
export { eighOp } from './eigh.js';
export { qrOp } from './qr.js';
export { svdOp, svdvalsOp } from './svd.js';
