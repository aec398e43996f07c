export { Module, type ParameterEntries, type SetParametersOptions } from './module.js';
export { Dense, Sequential, Activation, type DenseOptions } from './layers.js';
export { Lambda, FunctionModule, functionalCall } from './functional.js';
export * as activations from './activations.js';
export { type ActivationName, type ActivationFn } from './activations.js';
export * as init from './init.js';
export { type Initializer, type InitName, type InitOptions } from './init.js';
export { mse, binaryCrossEntropy, softmaxCrossEntropy, type Reduction, type LossOptions, type BinaryCrossEntropyOptions, type Target, type Labels } from './losses.js';
