import { Tensor, TapegradError, sigmoid as coreSigmoid, tanh as coreTanh, relu as coreRelu, softmax as coreSoftmax } from '@tapegrad/core';

/**
 * Activations, A = g(Z), for the notes' layout where a layer's pre-activation Z is [n_l, m] (units in
 * rows, examples in columns). Each is one recorded node on the tape (softmax is composed of a few), so
 * the tape of a Dense layer reads matmul → add → activation, as in the notes.
 */

/** A function from pre-activation Z to activation A of the same shape. */
export type ActivationFn = (Z: Tensor) => Tensor;

/** The activations a Dense layer accepts by name. */
export type ActivationName = 'sigmoid' | 'tanh' | 'relu' | 'softmax' | 'linear';

/**
 * σ(Z) = 1 / (1 + e^(−Z)), elementwise; its derivative is σ(Z)(1 − σ(Z)), the notes' dZ = dA ⊙ σ'(Z).
 *
 * @example
 * sigmoid(tensor([[0]])).item(); // 0.5
 */
export const sigmoid: ActivationFn = (Z) => coreSigmoid(Z);

/**
 * tanh(Z), elementwise.
 *
 * @example
 * tanh(tensor([[0]])).item(); // 0
 */
export const tanh: ActivationFn = (Z) => coreTanh(Z);

/**
 * max(Z, 0), elementwise (its derivative at 0 is taken as 0, as in PyTorch).
 *
 * @example
 * relu(tensor([[-1, 2]])).toArray(); // [[0, 2]]
 */
export const relu: ActivationFn = (Z) => coreRelu(Z);

/**
 * Softmax over the classes, which are ROWS in the notes' layout: each column (example) of the result sums
 * to 1. (core's `softmax` defaults to the last axis; this is axis 0.)
 *
 * @example
 * softmax(tensor([[0, 1], [0, 1]])).toArray(); // [[0.5, 0.5], [0.5, 0.5]]
 */
export const softmax: ActivationFn = (Z) => coreSoftmax(Z, 0);

/**
 * The identity, A = Z (a layer with it outputs its pre-activation, e.g. logits for a loss `fromLogits`).
 *
 * @example
 * const Z = tensor([[1, 2]]);
 * linear(Z) === Z; // true
 */
export const linear: ActivationFn = (Z) => Z;

/**
 * The activation behind each name a layer's `activation` accepts (all apply in the notes' layout, so
 * 'softmax' is over axis 0, the classes). Frozen.
 *
 * @example
 * Object.keys(ACTIVATIONS); // ['sigmoid', 'tanh', 'relu', 'softmax', 'linear']
 * ACTIVATIONS.relu(tensor([[-1, 2]])); // [[0, 2]]
 */
export const ACTIVATIONS: Readonly<Record<ActivationName, ActivationFn>> = Object.freeze({ sigmoid, tanh, relu, softmax, linear });

/**
 * The activation function for a name, or the function itself when given one.
 *
 * @example
 * activation('tanh')(tensor([[0]])).item(); // 0
 */
export function activation(a: ActivationName | ActivationFn): ActivationFn {
  if (typeof a === 'function') return a;
  if (typeof a === 'string' && Object.hasOwn(ACTIVATIONS, a)) return ACTIVATIONS[a];
  throw new TapegradError(
    'activation',
    `unknown activation ${JSON.stringify(a)}; expected one of ${Object.keys(ACTIVATIONS).map((k) => `'${k}'`).join(', ')} or a function (Z: Tensor) => Tensor`,
    'activation',
  );
}
