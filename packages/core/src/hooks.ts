/**
 * Tensor hooks (PyTorch's `Tensor.register_hook`): a function that sees, and may replace, the gradient
 * flowing into a tensor during a backward sweep. Kept in a WeakMap beside the tensors (no field on
 * Tensor); the sweep looks only while some hook is registered.
 */
import { ShapeError, TapegradError, fmtShape } from './errors.js';
import { sameShape } from './shape.js';
import type { Tensor } from './tensor.js';

/** Sees the gradient flowing into a tensor; returns a replacement of the same shape, or nothing to keep it. */
export type GradHook = (grad: Tensor) => Tensor | void | undefined;

/** What `registerHook` returns: `remove()` unregisters the hook. */
export interface HookHandle {
  remove(): void;
}

const hooks = new WeakMap<Tensor, GradHook[]>();
let live = 0;

/** True while any hook is registered (the sweep's fast path skips hooks otherwise). */
export const anyHooks = (): boolean => live > 0;

/** Registers `fn` on `t`; hooks run in registration order, each seeing the previous one's result. */
export function registerHook(t: Tensor, fn: GradHook): HookHandle {
  if (typeof fn !== 'function') throw new TapegradError('registerHook', `expected a function, got ${fn === null ? 'null' : typeof fn}`, 'fn');
  if (!t.requiresGrad) throw new TapegradError('registerHook', "this tensor does not require grad, so no gradient will flow into it; create it with { requiresGrad: true } or compute it from one that has it", 'tensor');
  const list = hooks.get(t) ?? [];
  list.push(fn);
  hooks.set(t, list);
  live++;
  let removed = false;
  return {
    remove() {
      if (removed) return;
      removed = true;
      const l = hooks.get(t);
      const i = l ? l.indexOf(fn) : -1;
      if (l && i >= 0) l.splice(i, 1);
      live--;
    },
  };
}

/** The gradient of `t` after its hooks (unchanged when it has none). */
export function runHooks(t: Tensor, g: Tensor): Tensor {
  const list = hooks.get(t);
  if (list === undefined || list.length === 0) return g;
  let r = g;
  for (const fn of [...list]) {
    const out = fn(r);
    if (out === undefined) continue;
    if (out === null || typeof out !== 'object' || !('shape' in out) || !sameShape((out as Tensor).shape, r.shape)) {
      throw new ShapeError('registerHook', `a hook must return nothing or a Tensor of the gradient's shape ${fmtShape(r.shape)}, got ${out === null ? 'null' : 'shape' in Object(out) ? fmtShape((out as Tensor).shape) : typeof out}`, 'fn');
    }
    r = out as Tensor;
  }
  return r;
}
