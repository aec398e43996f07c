import { DTypeError, ShapeError, TapegradError, expectTensor, fmtShape, isForeignTensor, isTensor, type DType, type Tensor } from '@tapegrad/core';
import { describeValue } from './check.js';

/**
 * Argument checks shared by the layers of conv.ts, pool.ts, norm.ts, …: each error names the layer
 * (`Conv2d`, not core's `conv2d`), the argument and the value or shapes it got.
 */

/** A positive integer argument of a layer's constructor. */
export function positiveInt(layer: string, arg: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new TapegradError(layer, `expected a positive integer, got ${describeValue(v)}`, arg);
  return v;
}

/** A number or a [height, width] pair of integers ≥ `min` (1 for sizes and strides, 0 for padding). */
export function pairArg(layer: string, arg: string, v: unknown, min = 1): [number, number] {
  const p = typeof v === 'number' ? [v, v] : Array.isArray(v) && v.length === 2 ? v : null;
  if (p === null || !p.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= min)) {
    const what = min === 0 ? 'a non-negative' : 'a positive';
    throw new TapegradError(layer, `expected ${what} integer or a pair of them, got ${Array.isArray(v) ? JSON.stringify(v) : describeValue(v)}`, arg);
  }
  return [p[0], p[1]];
}

/** The layer's dtype option: 'float32' (default) or 'float64'. */
export function dtypeArg(layer: string, v: unknown): DType {
  if (v === undefined) return 'float32';
  if (v !== 'float32' && v !== 'float64') throw new DTypeError(layer, `expected 'float32' or 'float64', got ${describeValue(v)}`, 'dtype');
  return v;
}

/** `x` is a Tensor of rank `rank`, else a typed error saying what the layer takes (`takes`, e.g. '[N, 3, H, W]'). */
export function checkInput(layer: string, x: unknown, rank: number | readonly number[], takes: string, arg = 'x'): Tensor {
  if (isForeignTensor(x)) expectTensor(layer, x, arg); // throws core's own words for two copies of core
  if (!isTensor(x)) throw new TapegradError(layer, `expected a Tensor of shape ${takes}, got ${describeValue(x)}`, arg);
  const ranks = typeof rank === 'number' ? [rank] : rank;
  if (!ranks.includes(x.ndim)) throw new ShapeError(layer, `input has shape ${fmtShape(x.shape)} but this layer takes ${takes}`, arg);
  return x;
}

/**
 * Runs a core op for a layer: a typed error from the op is thrown again under the layer's name, with the
 * same class, argument and explanation, so the message points at the layer the user built.
 */
export function asLayer<T>(layer: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (!(e instanceof TapegradError) || ![TapegradError, ShapeError, DTypeError].includes(e.constructor as typeof TapegradError)) throw e;
    const prefix = `${e.op}: ${e.arg !== undefined ? `argument '${e.arg}': ` : ''}`;
    const Err = e.constructor as typeof TapegradError;
    throw new Err(layer, `${e.message.startsWith(prefix) ? e.message.slice(prefix.length) : e.message} (in ${e.op})`, e.arg);
  }
}

/** A fresh parameter leaf of `dtype` from an initializer's draw. */
export const parameter = (t: Tensor): Tensor => t.detach().setRequiresGrad(true);
