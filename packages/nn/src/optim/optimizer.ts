import { OrderedMap } from 'immutable';
import { ShapeError, TapegradError, astype, fmtShape, noGrad, sameShape, type Tensor } from '@tapegrad/core';
import type { Schedule } from './schedule.js';
import { checkNumber, describeValue } from '../check.js';

/**
 * What every optimizer shares. An optimizer is a pure pair `init` / `update` over immutable values
 * (optax's GradientTransformation, with PyTorch's formulas); the `Optimizer` class wraps such a pair
 * around a model for the familiar `step()` / `zeroGrad()` loop.
 */

/** Parameters or gradients by dotted name (`layers.0.W`), as `Module.parameters()` gives them. */
export type TensorMap = OrderedMap<string, Tensor>;

/** A learning rate: a number, or a schedule giving it for update step 0, 1, 2, … */
export type LearningRate = number | Schedule;

/**
 * The state of an optimizer: the number of updates done so far, and each parameter's buffers by name
 * (Adam's moments, SGD's momentum buffer). Immutable: `update` returns a new one.
 */
export interface OptimizerState<out S = unknown> {
  readonly step: number;
  readonly slots: OrderedMap<string, S>;
}

/**
 * An optimizer in functional form.
 *
 * @example
 * const opt = adam({ lr: 0.01 });
 * let state = opt.init(params);
 * const grads = grad(lossOf)(params);            // an OrderedMap like params
 * [params, state] = opt.update(grads, state, params);
 */
export interface Optim<out S = unknown> {
  /** The optimizer's name, used in error messages (`'adam'`). */
  readonly name: string;
  /** Fresh state for `params`: step 0 and zeroed buffers. */
  init(params: TensorMap): OptimizerState<S>;
  /**
   * One update: new parameters and new state. A parameter missing from `grads` (it did not affect the
   * loss) is left as it is, with its buffers, as PyTorch skips parameters whose `.grad` is None. Runs
   * under `noGrad`; each new parameter keeps its old dtype.
   */
  update(grads: TensorMap, state: OptimizerState<S>, params: TensorMap): [TensorMap, OptimizerState<S>];
  /** The learning rate that update number `step` (0-based) uses. */
  lrAt(step: number): number;
}

/** One parameter's update: θ and its gradient g (same shape and dtype) → new θ and new buffers. */
export type ParamRule<S> = (theta: Tensor, g: Tensor, slot: S, lr: number) => [Tensor, S];

/**
 * Builds an `Optim` from a per-parameter rule; the bookkeeping (names, checks, dtypes, skipped
 * parameters, the step count) lives here once, so a new optimizer is just its formula.
 *
 * @example
 * // sign descent: θ ← θ − γ·sign(g), no buffers
 * const signSgd = makeOptim('signSgd', 0.01, () => null, (theta, g, slot, lr) => [theta.sub(g.sign().mul(lr)), slot]);
 */
export function makeOptim<S>(name: string, lr: LearningRate, initSlot: (theta: Tensor) => S, rule: ParamRule<S>): Optim<S> {
  const lrAt = (step: number): number => {
    const value: unknown = typeof lr === 'function' ? lr(step) : lr;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new TapegradError(name, `learning rate must be a finite number ≥ 0, got ${describeValue(value)}${typeof lr === 'function' ? ` from the schedule at step ${step}` : ''}`, 'lr');
    }
    return value;
  };
  lrAt(0); // a bad constant learning rate fails at construction, not at the first step
  return {
    name,
    lrAt,
    init: (params) => Object.freeze({ step: 0, slots: noGrad(() => params.map(initSlot)) }),
    update(grads, state, params) {
      for (const key of grads.keys()) {
        if (!params.has(key)) throw new TapegradError(name, `gradient '${key}' has no parameter of that name`, 'grads');
      }
      const rate = lrAt(state.step);
      return noGrad(() => {
        // one mutable copy of the slots for the whole update, not a new persistent map per parameter
        const slots = state.slots.asMutable();
        const next = params.map((theta, key) => {
          const g = grads.get(key);
          if (g === undefined) return theta;
          if (!sameShape(g.shape, theta.shape)) {
            throw new ShapeError(name, `gradient '${key}' has shape ${fmtShape(g.shape)} but the parameter has ${fmtShape(theta.shape)}`, 'grads');
          }
          const [updated, slot] = rule(theta, astype(g, theta.dtype), slots.get(key) ?? initSlot(theta), rate);
          slots.set(key, slot);
          return astype(updated, theta.dtype);
        });
        return [next, Object.freeze({ step: state.step + 1, slots: slots.asImmutable() })];
      });
    },
  };
}

/** What an `Optimizer` needs from a model: its parameters by name, and a way to replace them. */
export interface Parameterized {
  parameters(): TensorMap;
  setParameters(params: TensorMap): void;
}

/**
 * The stateful form, bound to a model: `step()` reads each parameter's `.grad`, computes the update
 * with the functional `optim`, and hands the new tensors to `model.setParameters`.
 *
 * @example
 * const optimizer = new Optimizer(model, sgd({ lr: 0.1, momentum: 0.9 })); // or new SGD(model, {...})
 * optimizer.zeroGrad();
 * loss(model.forward(x), y).backward();
 * optimizer.step();
 */
export class Optimizer<out S = unknown> {
  readonly model: Parameterized;
  readonly optim: Optim<S>;
  /** The functional state after the last `step()`; may be replaced (e.g. to restore a checkpoint). */
  state: OptimizerState<S>;

  constructor(model: Parameterized, optim: Optim<S>) {
    if (model === null || typeof model !== 'object' || typeof model.parameters !== 'function' || typeof model.setParameters !== 'function') {
      throw new TapegradError('Optimizer', `expected a model (with parameters() and setParameters()), got ${describeValue(model)}`, 'model');
    }
    if (optim === null || typeof optim !== 'object' || typeof optim.init !== 'function' || typeof optim.update !== 'function') {
      throw new TapegradError('Optimizer', `expected a functional optimizer such as adam(), got ${describeValue(optim)}`, 'optim');
    }
    this.model = model;
    this.optim = optim;
    this.state = optim.init(model.parameters());
  }

  /** The learning rate the next `step()` will use. */
  get lr(): number {
    return this.optim.lrAt(this.state.step);
  }

  /** Applies one update from the parameters' current `.grad` (parameters with no grad are skipped). */
  step(): void {
    const params = this.model.parameters();
    const grads = OrderedMap<string, Tensor>().withMutations((m) => {
      for (const [key, p] of params) if (p.grad !== null) m.set(key, p.grad);
    });
    const [next, state] = this.optim.update(grads, this.state, params);
    this.model.setParameters(next);
    this.state = state;
  }

  /** Clears every parameter's `.grad`. */
  zeroGrad(): void {
    for (const p of this.model.parameters().values()) p.grad = null;
  }
}

/** Checks a numeric hyperparameter; the message names the optimizer, the option and the value. */
export const checkOption = checkNumber;
