/**
 * @tapegrad/core — tensors whose ops are recorded on a tape, reverse-mode autodiff, JAX-style
 * function transforms and a numerical gradient checker.
 */
export { Tensor, type NestedArray } from './tensor.js';
export type { DType, FloatArray } from './dtype.js';
export { TapegradError, ShapeError, DTypeError, GradcheckError, LinAlgError, fmtShape } from './errors.js';
export { sameShape } from './shape.js';
export {
  tensor, scalar, zeros, ones, full, eye, arange, linspace, zerosLike, onesLike,
  type TensorOptions, type TensorData,
} from './creation.js';
export { Generator, manualSeed, rand, randn, type RandomOptions } from './random.js';
export {
  add, sub, mul, div, neg, pow, exp, log, sqrt, abs, sign, tanh, sigmoid, relu, square, reciprocal,
  log1p, expm1, sin, cos, erf, softplus, logSigmoid, gelu, silu, leakyRelu, elu, floor, ceil, round,
  maximum, minimum, eq, ne, lt, le, gt, ge, where, clamp, astype, stopGradient,
  matmul, transpose, mT, reshape, squeeze, unsqueeze, broadcastTo, sumToShape, concat, stack, slice, gather, take,
  sum, mean, max, min, argmax, argmin, softmax, logSoftmax, logsumexp, softmaxCrossEntropyWithLogits,
  type Operand, type Axis, type IndexLike,
} from './functions.js';
export * as linalg from './ops/linalg/index.js';
export * from './ops/linalg/index.js';
export { einsum } from './ops/einsum.js';
export { noGrad, isGradEnabled, tapeOf, type TapeEntry, type OpDef, type VjpNode, type Grads } from './tape.js';
export { OPS, type OpName } from './ops/table.js';
export { customOp, customVjp, type CustomOpSpec, type CustomOpContext } from './custom.js';
export { kernels, setKernels, jsKernels, type Kernels } from './kernels/index.js';
export { backend, useWasm, setNumThreads, type BackendInfo } from './kernels/backend.js';
export { grad, valueAndGrad, vjp, jvp, jacobian, hessian, zeroGrad } from './transforms.js';
export { gradcheck, gradgradcheck, type GradcheckOptions, type GradcheckReport } from './gradcheck.js';
