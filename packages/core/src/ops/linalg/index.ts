/**
 * Differentiable linear algebra, batched over leading dims: every function works on [..., n, n] stacks
 * of matrices in float32 or float64, and every gradient is written with tapegrad ops, so it is
 * differentiable again (Hessians of log-likelihoods work). Failed factorizations are `LinAlgError`s.
 */
export { tril, triu, diagonal, diag, trace, outer } from './structure.js';
export { triangularSolve, type TriangularSolveOptions } from './triangular.js';
export { cholesky } from './cholesky.js';
export { solve, inv } from './solve.js';
export { det, slogdet } from './det.js';
export { svd, svdvals, type SvdOptions } from './svd.js';
export { vectorNorm, matrixNorm, type VectorNormOptions, type MatrixNormOptions, type MatrixNormOrder } from './norms.js';
export { lu } from './lu.js';
export { eigh } from './eigh.js';
export { qr, type QrMode } from './qr.js';
