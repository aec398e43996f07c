import { onesLike, zeros, zerosLike } from './creation.js';
import { TapegradError, fmtShape } from './errors.js';
import { add, identity, mul, reshape, stack, sum } from './functions.js';
import { SWEEP_OPS } from './backward.js';
import { gradients } from './sweep.js';
import { isGradEnabled, noGrad, withGrad } from './tape.js';
import { Tensor } from './tensor.js';
import { flatten, type Flat } from './tree.js';

/**
 * JAX-style function transforms on top of the tape. Each call wraps its differentiated arguments in
 * fresh tape inputs, runs the function with recording on, and sweeps back to those inputs only, so
 * nested transforms (grad of grad, hessian, jvp) see exactly their own variables. A transform records
 * its own backward pass (so it can be differentiated again) only when it runs inside another transform
 * or on tensors that are already being tracked; otherwise it records nothing it does not need.
 */
let depth = 0;

type Fn = (...args: any[]) => any;
type ArgNums = number | readonly number[];

const anyTracked = (ts: readonly Tensor[]): boolean => ts.some((t) => t.requiresGrad);

/** Fresh tape inputs for `leaves`: an alias on the outer tape when one is being built, else a new leaf. */
const inputsFor = (leaves: readonly Tensor[], nested: boolean): Tensor[] =>
  leaves.map((t) => (nested && t.requiresGrad ? withGrad(() => identity(t)) : t.detach().setRequiresGrad(true)));

function checkArgnums(op: string, argnums: ArgNums, nargs: number): number[] {
  const list = typeof argnums === 'number' ? [argnums] : [...argnums];
  for (const a of list) {
    if (!Number.isInteger(a) || a < 0 || a >= nargs) {
      throw new TapegradError(op, `argnums ${JSON.stringify(argnums)} does not fit a call with ${nargs} argument(s)`, 'argnums');
    }
  }
  return list;
}

/** Runs `f` on args whose `argnums` positions are replaced by fresh tape inputs. */
function trace(op: string, f: Fn, args: unknown[], argnums: ArgNums) {
  const nums = checkArgnums(op, argnums, args.length);
  const flats = nums.map((i) => flatten(args[i]));
  const originals = flats.flatMap((fl) => fl.leaves);
  const nested = isGradEnabled() && (depth > 0 || anyTracked(originals));
  const inputs = inputsFor(originals, nested);
  const newArgs = [...args];
  let k = 0;
  nums.forEach((i, j) => {
    const n = flats[j].leaves.length;
    newArgs[i] = flats[j].rebuild(inputs.slice(k, k + n));
    k += n;
  });
  depth++;
  let out: unknown;
  try {
    out = withGrad(() => f(...newArgs));
  } finally {
    depth--;
  }
  return { out, inputs, flats, nums, nested };
}

/** Gradients of Σ⟨seed, root⟩ for each input, zeros where the function did not use an input. */
function sweep(roots: Tensor[], seeds: Tensor[], inputs: readonly Tensor[], createGraph: boolean): Tensor[] {
  const g = gradients(roots, seeds, new Set(inputs), createGraph, SWEEP_OPS);
  return inputs.map((t) => g.get(t) ?? zerosLike(t));
}

/** Splits a flat list of per-input results back into one tree per argnum. */
function regroup(flats: readonly Flat[], values: readonly Tensor[]): unknown[] {
  let k = 0;
  return flats.map((fl) => {
    const n = fl.leaves.length;
    const r = fl.rebuild(values.slice(k, k + n));
    k += n;
    return r;
  });
}

function detachTree(tree: unknown): unknown {
  const fl = flatten(tree);
  return fl.leaves.length === 0 ? tree : fl.rebuild(fl.leaves.map((t) => t.detach()));
}

function scalarOut(op: string, out: unknown, hasAux: boolean): [Tensor, unknown] {
  let value = out, aux: unknown = undefined;
  if (hasAux) {
    if (!Array.isArray(out) || out.length !== 2) throw new TapegradError(op, 'with { hasAux: true } the function must return [value, aux]');
    [value, aux] = out;
  }
  if (!(value instanceof Tensor)) throw new TapegradError(op, `the function must return a scalar Tensor, got ${typeof value}`);
  if (value.size !== 1) {
    throw new TapegradError(op, `the function must return a scalar (one element), got shape ${fmtShape(value.shape)}; use vjp or jacobian for non-scalar outputs`);
  }
  return [value, aux];
}

export interface GradOptions {
  /** The function returns `[value, aux]`; aux is passed through undifferentiated (JAX's has_aux). */
  hasAux?: boolean;
}

/**
 * `valueAndGrad(f, argnums)(...args)` → `[value, grads]` (or `[[value, aux], grads]` with hasAux).
 * `grads` has the structure of `args[argnums]` (an array of those when argnums is an array).
 *
 * @example
 * const [loss, dW] = valueAndGrad((W: Tensor) => W.square().sum())(W);
 */
export function valueAndGrad(f: Fn, argnums: ArgNums = 0, options: GradOptions = {}) {
  return (...args: unknown[]): [unknown, unknown] => {
    const { out, inputs, flats, nested } = trace('grad', f, args, argnums);
    const [value, aux] = scalarOut('grad', out, options.hasAux ?? false);
    const gs = regroup(flats, sweep([value], [onesLike(value)], inputs, nested));
    // At top level nothing returned stays on the tape: the value and any tensors in aux are detached.
    const v = nested ? value : value.detach();
    const a = nested ? aux : detachTree(aux);
    return [options.hasAux ? [v, a] : v, typeof argnums === 'number' ? gs[0] : gs];
  };
}

/**
 * `grad(f, argnums)(...args)`: the gradient of the scalar f with respect to args[argnums], with the
 * structure of that argument. Compose freely: `grad(grad(f))` is the second derivative.
 *
 * @example
 * const df = grad((x: Tensor) => x.pow(3).sum());
 * df(tensor([2], { dtype: 'float64' })).toArray(); // [12]
 */
export function grad(f: Fn, argnums: ArgNums = 0, options: GradOptions = {}) {
  const vg = valueAndGrad(f, argnums, options);
  return (...args: unknown[]): any => {
    const [value, g] = vg(...args);
    return options.hasAux ? [g, (value as unknown[])[1]] : g;
  };
}

/**
 * `vjp(f, ...primals)` → `[out, vjpFn]`, where `vjpFn(cotangent)` returns one cotangent per primal
 * (each with that primal's structure). The cotangent has the structure and shapes of `out`.
 *
 * @example
 * const [y, back] = vjp((x: Tensor) => x.exp(), x);
 * const [dx] = back(onesLike(y)); // = exp(x)
 */
export function vjp(f: Fn, ...primals: unknown[]): [any, (cotangent: unknown) => any[]] {
  const { out, inputs, flats, nested } = trace('vjp', f, primals, primals.map((_, i) => i));
  const outFlat = flatten(out);
  const roots = outFlat.leaves;
  const vjpFn = (cotangent: unknown): any[] => {
    const seeds = flatten(cotangent).leaves;
    if (seeds.length !== roots.length) {
      throw new TapegradError('vjp', `the cotangent has ${seeds.length} tensor(s), the output has ${roots.length}`, 'cotangent');
    }
    seeds.forEach((s, i) => {
      if (s.shape.length !== roots[i].shape.length || s.shape.some((d, j) => d !== roots[i].shape[j])) {
        throw new TapegradError('vjp', `cotangent ${i} has shape ${fmtShape(s.shape)}, the output has ${fmtShape(roots[i].shape)}`, 'cotangent');
      }
    });
    const createGraph = isGradEnabled() && (nested || depth > 0 || anyTracked(seeds));
    return regroup(flats, sweep(roots, seeds, inputs, createGraph));
  };
  return [nested ? out : outFlat.rebuild(roots.map((r) => r.detach())), vjpFn];
}

/**
 * Forward-mode product `jvp(f, primals, tangents)` → `[out, J·tangents]`, computed as the transpose of
 * a VJP (the VJP is linear in its cotangent, so differentiating it once more gives J·t).
 *
 * @example
 * const [y, dy] = jvp((x: Tensor) => x.square(), [x], [onesLike(x)]); // dy = 2x
 */
export function jvp(f: Fn, primals: readonly unknown[], tangents: readonly unknown[]): [any, any] {
  if (!Array.isArray(primals) || !Array.isArray(tangents) || primals.length !== tangents.length) {
    throw new TapegradError('jvp', 'primals and tangents must be arrays of the same length', 'tangents');
  }
  const outer = isGradEnabled() && (depth > 0 || anyTracked(flatten(primals).leaves) || anyTracked(flatten(tangents).leaves));
  depth++;
  try {
    const [out, back] = vjp(f, ...primals);
    const outFlat = flatten(out);
    const us = outFlat.leaves.map((o) => zerosLike(o).setRequiresGrad(true));
    const cts = flatten(back(outFlat.rebuild(us))).leaves;
    const ts = flatten(tangents).leaves;
    if (ts.length !== cts.length) throw new TapegradError('jvp', `tangents hold ${ts.length} tensor(s), primals ${cts.length}`, 'tangents');
    ts.forEach((t, i) => {
      if (t.size !== cts[i].size) throw new TapegradError('jvp', `tangent ${i} has shape ${fmtShape(t.shape)}, its primal ${fmtShape(cts[i].shape)}`, 'tangents');
    });
    const s = withGrad(() => cts.reduce<Tensor | null>((acc, c, i) => {
      const term = sum(mul(c, reshape(ts[i], c.shape)));
      return acc === null ? term : add(acc, term);
    }, null));
    const dus = s === null ? us.map((u) => zerosLike(u)) : sweep([s], [onesLike(s)], us, outer);
    return [outer ? out : outFlat.rebuild(outFlat.leaves.map((o) => o.detach())), outFlat.rebuild(dus)];
  } finally {
    depth--;
  }
}

/**
 * `jacobian(f, argnums)(...args)`: ∂f/∂x with shape `[...out.shape, ...x.shape]`, built row by row
 * from VJPs of one-hot cotangents (reverse mode). For an array of outputs or of argnums the result is
 * nested arrays of Jacobians, outputs first.
 */
export function jacobian(f: Fn, argnums: ArgNums = 0) {
  return (...args: unknown[]): any => {
    const nums = checkArgnums('jacobian', argnums, args.length);
    nums.forEach((i) => {
      if (!(args[i] instanceof Tensor)) throw new TapegradError('jacobian', `argument ${i} must be a Tensor`, `args[${i}]`);
    });
    // Rows are recorded only when the Jacobian itself will be differentiated (as in grad).
    const outer = isGradEnabled() && (depth > 0 || anyTracked(nums.map((i) => args[i] as Tensor)));
    depth++;
    try {
      const [out, back] = vjp((...xs: Tensor[]) => {
        const full = [...args];
        nums.forEach((n, j) => (full[n] = xs[j]));
        return f(...full);
      }, ...nums.map((i) => args[i]));
      const outs: Tensor[] = out instanceof Tensor ? [out] : (out as Tensor[]);
      if (!Array.isArray(outs) || !outs.every((o) => o instanceof Tensor)) {
        throw new TapegradError('jacobian', 'the function must return a Tensor or an array of Tensors');
      }
      const xs = nums.map((i) => args[i] as Tensor);
      const result = outs.map((o, oi) => {
        const rows: Tensor[][] = xs.map(() => []);
        for (let e = 0; e < o.size; e++) {
          const cts = outs.map((p, pi) => {
            const c = zerosLike(p);
            if (pi === oi) c.data[e] = 1;
            return c;
          });
          const ct = out instanceof Tensor ? cts[0] : cts;
          const gs = (outer ? back(ct) : noGrad(() => back(ct))) as Tensor[];
          gs.forEach((g, xi) => rows[xi].push(g));
        }
        const Js = xs.map((x, xi) =>
          o.size === 0 ? zeros([...o.shape, ...x.shape], { dtype: x.dtype }) : reshape(stack(rows[xi]), [...o.shape, ...x.shape]));
        return typeof argnums === 'number' ? Js[0] : Js;
      });
      return out instanceof Tensor ? result[0] : result;
    } finally {
      depth--;
    }
  };
}

/**
 * `hessian(f, argnums)(...args)`: the matrix of second derivatives of the scalar f, shape
 * `[...x.shape, ...x.shape]`, as the Jacobian of the gradient (nested arrays for an array of argnums).
 *
 * @example
 * hessian((x: Tensor) => x.pow(3).sum())(tensor([1, 2], { dtype: 'float64' })).toArray(); // [[6, 0], [0, 12]]
 */
export function hessian(f: Fn, argnums: ArgNums = 0) {
  return jacobian(grad(f, argnums), argnums);
}

/** Clears `.grad` on every tensor of a tree (an array, object or immutable collection of tensors). */
export function zeroGrad(tree: unknown): void {
  for (const t of flatten(tree).leaves) t.grad = null;
}
