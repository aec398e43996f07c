import { OrderedMap } from 'immutable';
import { TapegradError, isTensor, type Tensor } from '@tapegrad/core';
import { Module, type ParameterEntries } from './module.js';
import { describeValue } from './check.js';

/**
 * Models made by composing functions, the second way to define a custom module (the first is to subclass
 * `Module`):
 *
 * - `Lambda(fn)` turns a parameter-free function x ↦ y into a module (Sequential does this for you when
 *   given a plain function);
 * - `FunctionModule(fn, params)` turns a pure function `fn(params, x)` and its initial parameters into a
 *   module whose parameters are exactly those tensors;
 * - `functionalCall(model, params, x)` runs any module as a pure function of its parameters, so
 *   `grad`/`valueAndGrad` of @tapegrad/core can differentiate a loss with respect to `model.parameters()`.
 */

/**
 * A module computing `fn(x)`, with no parameters of its own.
 *
 * @example
 * const double = new Lambda((x) => x.mul(2), 'double');
 * double.forward(tensor([[1, 2]])).toArray(); // [[2, 4]]
 * String(double);                              // 'Lambda(double)  (0 parameters)'
 */
export class Lambda extends Module {
  readonly #fn: (x: Tensor) => Tensor;
  readonly #label: string;

  constructor(fn: (x: Tensor) => Tensor, name?: string) {
    super();
    if (typeof fn !== 'function') throw new TapegradError('Lambda', `expected a function (x: Tensor) => Tensor, got ${typeof fn}`, 'fn');
    this.#fn = fn;
    this.#label = name ?? (fn.name || 'fn');
  }

  forward(x: Tensor): Tensor {
    return this.#fn(x);
  }

  override describe(): string {
    return `Lambda(${this.#label})`;
  }
}

/**
 * A module from a pure function `fn(params, x)` and the initial values of its parameters. The parameters
 * become the module's own (named by their keys, in the given order) and are passed to `fn` as a record on
 * every call, so `setParameters`, `functionalCall`, optimizers and saving all work on it.
 *
 * @example
 * const affine = new FunctionModule(
 *   (p, x) => p.W.matmul(x).add(p.b),
 *   { W: randn([3, 2], { dtype: 'float64' }), b: zeros([3, 1], { dtype: 'float64' }) },
 *   'affine',
 * );
 * affine.parameters().keySeq().toArray(); // ['W', 'b']
 * affine.forward(ones([2, 5], { dtype: 'float64' })).shape; // [3, 5]
 */
export class FunctionModule<K extends string = string> extends Module {
  readonly #fn: (params: Readonly<Record<K, Tensor>>, x: Tensor) => Tensor;
  readonly #names: readonly K[];
  readonly #label: string;

  constructor(fn: (params: Readonly<Record<K, Tensor>>, x: Tensor) => Tensor, params: Readonly<Record<K, Tensor>>, name?: string) {
    super();
    if (typeof fn !== 'function') throw new TapegradError('FunctionModule', `expected a function (params, x) => Tensor, got ${typeof fn}`, 'fn');
    this.#fn = fn;
    this.#label = name ?? (fn.name || 'fn');
    this.#names = Object.keys(params) as K[];
    const self = this as unknown as Record<string, unknown>;
    for (const key of this.#names) {
      const t = params[key];
      // a key that is already a property (training, forward, parameters, …) would shadow the module's own
      if (key in this || key.includes('.') || key === '') {
        throw new TapegradError('FunctionModule', `parameter name '${key}' is not allowed: it is empty, contains '.', or is already a Module property`, 'params');
      }
      if (!isTensor(t)) throw new TapegradError('FunctionModule', `parameter '${key}' must be a Tensor, got ${describeValue(t)}`, 'params');
      self[key] = t.detach().setRequiresGrad(true);
    }
  }

  forward(x: Tensor): Tensor {
    const self = this as unknown as Record<K, Tensor>;
    const params = Object.fromEntries(this.#names.map((k) => [k, self[k]])) as Record<K, Tensor>;
    return this.#fn(params, x);
  }

  override describe(): string {
    return `FunctionModule(${this.#label})`;
  }
}

/**
 * `model.forward(x)` computed with `params` in place of the model's parameters (those not given keep their
 * value), leaving the model unchanged afterwards. The given tensors are used as they are, so gradients flow
 * back to them: this makes any module a pure function of its parameters (PyTorch's `functional_call`).
 *
 * @example
 * const loss = (p: OrderedMap<string, Tensor>) => mse(functionalCall(model, p, x), y);
 * const grads = grad(loss)(model.parameters()); // an OrderedMap with the same names
 */
export function functionalCall(model: Module, params: ParameterEntries | Readonly<Record<string, Tensor>>, x: Tensor): Tensor {
  if (!(model instanceof Module)) throw new TapegradError('functionalCall', 'expected a Module', 'model');
  const entries =
    params !== null && typeof params === 'object' && !(Symbol.iterator in params)
      ? OrderedMap(Object.entries(params as Record<string, Tensor>))
      : (params as ParameterEntries);
  return model.withParameters(entries, () => model.forward(x));
}
