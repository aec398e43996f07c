/**
 * @tapegrad/core — tensors whose ops are recorded on a tape, reverse-mode autodiff, JAX-style
 * function transforms and a numerical gradient checker.
 */
export { Tensor, isTensor, isForeignTensor, type NestedArray } from './tensor.js';
export { expectTensor } from './ops/define.js';
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
  log1p, expm1, sin, cos, atan, erf, softplus, logSigmoid, gelu, silu, leakyRelu, elu, floor, ceil, round,
  maximum, minimum, eq, ne, lt, le, gt, ge, where, clamp, astype, stopGradient,
  matmul, transpose, mT, reshape, squeeze, unsqueeze, broadcastTo, sumToShape, concat, stack, slice, gather, take,
  sum, mean, max, min, argmax, argmin, prod, variance, std, norm, pad, flip, split, repeat, tile, softmax, logSoftmax, logsumexp, softmaxCrossEntropyWithLogits,
  type Operand, type Axis, type IndexLike, type VarianceOptions, type NormOrder,
} from './functions.js';
export * as linalg from './ops/linalg/index.js';
export * from './ops/linalg/index.js';
export { einsum } from './ops/einsum.js';
export { conv1d, conv2d, convTranspose2d, type Conv1dOptions, type Conv2dOptions, type ConvTranspose2dOptions, type Pair } from './functions.js';
export { maxPool1d, maxPool2d, avgPool1d, avgPool2d, globalAvgPool2d, type Pool1dOptions, type Pool2dOptions } from './functions.js';
export { cumsum, cumprod, sort, argsort, topk, oneHot, embedding, type SortOptions, type TopkOptions, type Sorted, type OneHotOptions } from './functions.js';
export { scaledDotProductAttention, type AttentionOptions } from './functions.js';
export { noGrad, isGradEnabled, tapeOf, type TapeEntry, type OpDef, type VjpNode, type Grads } from './tape.js';
export { OPS, type OpName } from './ops/table.js';
export { customOp, customVjp, type CustomOpSpec, type CustomOpContext } from './custom.js';
export { detectAnomaly, setDetectAnomaly, isAnomalyEnabled, AnomalyError } from './anomaly.js';
export { type GradHook, type HookHandle } from './hooks.js';
export { kernels, setKernels, jsKernels, type Kernels } from './kernels/index.js';
export { backend, useWasm, setNumThreads, type BackendInfo } from './kernels/backend.js';
export { grad, valueAndGrad, vjp, jvp, jacobian, hessian, zeroGrad } from './transforms.js';
export { gradcheck, gradgradcheck, type GradcheckOptions, type GradcheckReport, type GradcheckWorst } from './gradcheck.js';
export { toDot } from './debug/dot.js';
export { toMermaid } from './debug/mermaid.js';
export { explain, explainPaths, type Factor, type ExplainOptions } from './debug/explain.js';
export type { GraphOptions } from './debug/graph.js';
export type { ParamNames } from './debug/names.js';
