export { Module, type AnyModule, type ParameterEntries, type SetParametersOptions } from './module.js';
export { Dense, Sequential, Activation, type DenseOptions } from './layers.js';
export { Lambda, FunctionModule, functionalCall } from './functional.js';
export * as activations from './activations.js';
export { type ActivationName, type ActivationFn } from './activations.js';
export * as init from './init.js';
export { type Initializer, type InitName, type InitOptions } from './init.js';
export { mse, binaryCrossEntropy, softmaxCrossEntropy, type Reduction, type LossOptions, type BinaryCrossEntropyOptions, type Target, type Labels } from './losses.js';
export { Optimizer, makeOptim, type Optim, type OptimizerState, type TensorMap, type LearningRate, type Parameterized, type ParamRule } from './optim/optimizer.js';
export { sgd, SGD, type SGDOptions, type SGDSlot } from './optim/sgd.js';
export { adam, adamw, Adam, AdamW, type AdamOptions, type AdamSlot } from './optim/adam.js';
export { rmsprop, RMSprop, type RMSpropOptions, type RMSpropSlot } from './optim/rmsprop.js';
export { constantSchedule, stepSchedule, exponentialSchedule, cosineSchedule, type Schedule } from './optim/schedule.js';
export { clipGradNorm, clipGrads, globalNorm, type ClipOptions } from './optim/clip.js';
export { accuracy, type AccuracyOptions, type MetricName, type MetricTarget } from './metrics.js';
export { ProgressBar, formatValue, type ProgressBarOptions, type ProgressStream } from './progress.js';
export { lossCurvesSvg, terminalPlot, niceTicks, type Series, type PlotOptions, type SvgPlotOptions, type TerminalPlotOptions } from './plot.js';
export { encodeSafetensors, decodeSafetensors, safetensorsMetadata, SerializationError } from './safetensors.js';
export { stateDict, loadStateDict, saveBytes, loadBytes, saveBlob, type LoadOptions, type SaveOptions } from './io.js';
export { fit, evaluate, predict, type FitOptions, type FitCallbacks, type FitControl, type EpochLogs, type BatchLogs, type History, type Examples, type LossFn, type EvaluateOptions } from './train.js';
export { NonFiniteError, type NonFiniteWhere } from './non-finite.js';
// File paths are @tapegrad/nn/node's (save, load, loadInto, writeFileAtomic). writeFileAtomic stays here
// too for existing callers: it imports no Node built-in (it looks node:fs up when called).
export { writeFileAtomic, type AtomicFs } from './atomic-write.js';
export { Conv2d, Conv1d, ConvTranspose2d, type Conv2dLayerOptions, type Conv1dLayerOptions, type ConvTranspose2dLayerOptions } from './conv.js';
export { MaxPool2d, AvgPool2d, Flatten, type Pool2dLayerOptions } from './pool.js';
export { LayerNorm, BatchNorm1d, BatchNorm2d, Dropout, type LayerNormOptions, type BatchNormOptions, type DropoutOptions } from './norm.js';
export { Embedding, type EmbeddingOptions } from './embedding.js';
export { Linear, MultiHeadAttention, type LinearOptions, type MultiHeadAttentionOptions } from './attention.js';
