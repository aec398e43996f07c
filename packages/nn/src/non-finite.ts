import { TapegradError, type Tensor } from '@tapegrad/core';

/**
 * What `fit` does when a value goes non-finite (NaN or ±Infinity): by default it stops at once, before
 * the step that would spread the value into every parameter, and throws a `NonFiniteError`.
 */

/** Where `fit` met a non-finite value: in the loss, in a gradient, or in the parameters a step gave. */
export type NonFiniteWhere = 'loss' | 'gradient' | 'parameters';

/**
 * `fit` met a NaN or an infinity and stopped; the model has the parameters from before that batch's
 * step (and a bound optimizer its state from then). `epoch` and `batch` count from 0, as callbacks do.
 *
 * @example
 * try {
 *   fit(model, { x, y }, { epochs: 10, loss: mse, optimizer: sgd({ lr: 1e6 }) });
 * } catch (e) {
 *   if (e instanceof NonFiniteError) console.error(e.epoch, e.batch, e.where, e.message);
 * }
 */
export class NonFiniteError extends TapegradError {
  readonly epoch: number;
  readonly batch: number;
  readonly where: NonFiniteWhere;
  /** The parameter whose gradient or value is non-finite (for `where` 'gradient' and 'parameters'). */
  readonly key: string | undefined;
  constructor(op: string, message: string, epoch: number, batch: number, where: NonFiniteWhere, key?: string) {
    super(op, message);
    this.name = 'NonFiniteError';
    this.epoch = epoch;
    this.batch = batch;
    this.where = where;
    this.key = key;
  }
}

/** The first value of `t` that is NaN or ±Infinity, with its flat index; null when all are finite. */
export function firstNonFinite(t: Tensor): { index: number; value: number } | null {
  const d = t.data;
  for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i])) return { index: i, value: d[i] };
  return null;
}

/** The first named tensor holding a non-finite value, and that value; null when every one is finite. */
export function firstNonFiniteIn(tensors: Iterable<readonly [string, Tensor]>): { key: string; value: number } | null {
  for (const [key, t] of tensors) {
    const bad = firstNonFinite(t);
    if (bad !== null) return { key, value: bad.value };
  }
  return null;
}

/** The first parameter whose `.grad` holds a non-finite value, and that value; null when every grad is finite or absent. */
export function firstNonFiniteGrad(params: Iterable<readonly [string, Tensor]>): { key: string; value: number } | null {
  for (const [key, p] of params) {
    const bad = p.grad === null ? null : firstNonFinite(p.grad);
    if (bad !== null) return { key, value: bad.value };
  }
  return null;
}

/** A hint for the message: which of the batch's inputs and targets hold a non-finite value, if any. */
export function dataHint(x: Tensor, y: Tensor): string {
  const found = [['x', x], ['y', y]].flatMap(([name, t]) => {
    const bad = firstNonFinite(t as Tensor);
    return bad === null ? [] : [`the batch's ${name as string} holds ${bad.value}`];
  });
  return found.length > 0 ? `${found.join(' and ')}; ` : '';
}
