import { onesLike, zeros, zerosLike } from './creation.js';
import { TapegradError, fmtShape, fmtValue } from './errors.js';
import { add, identity, mul, reshape, stack, sum } from './functions.js';
import { SWEEP_OPS } from './backward.js';
import { gradients } from './sweep.js';
import { isGradEnabled, noGrad, withGrad } from './tape.js';
import { Tensor } from './tensor.js';
import { isImmutable, isList, isMap, type Collection } from 'immutable';
import { flatten, type Flat } from './tree.js';

/**
 * JAX-style function transforms on top of the tape. Each call wraps its differentiated arguments in
 * fresh tape inputs, runs the function with recording on, and sweeps back to those inputs only, so
 * nested transforms (grad of grad, hessian, jvp) see exactly their own variables. A transform records
 * its own backward pass (so it can be differentiated again) only when it runs inside another transform
 * or on tensors that are already being tracked; otherwise it records nothing it does not need.
 */
let depth = 0;

/** A function the transforms take: of tensors, trees of them and constants. */
export type Fn = (...args: never[]) => unknown;
/** Which arguments to differentiate: one position, or several (results in that order). */
export type ArgNums = number | readonly number[];
/** The gradient of an argument of type T: a Tensor for a Tensor, the same tree type for a pytree. */
export type GradOf<T> = T extends Tensor ? Tensor : T;
/** The gradients for `argnums` N of arguments Args: one gradient for a number, a tuple for an array. */
export type GradsOf<Args extends readonly unknown[], N extends ArgNums> = N extends number
  ? GradOf<Args[N]>
  : { -readonly [K in keyof N]: GradOf<Args[N[K] & number]> };
/** One gradient per argument (what a vjp function returns). */
export type GradsOfAll<P extends readonly unknown[]> = { -readonly [K in keyof P]: GradOf<P[K]> };
/** What a `hasAux` function returns beside its value. */
export type AuxOf<F extends Fn> = ReturnType<F> extends readonly [unknown, infer A] ? A : ReturnType<F> extends readonly (infer E)[] ? E : never;
/** A Jacobian per argnum: one tensor for a number, a tuple of them for an array. */
type JacobiansFor<N extends ArgNums> = N extends number ? Tensor : { -readonly [K in keyof N]: Tensor };
/** `jacobian`'s result: per output (a tuple for an array of outputs), per argnum. */
export type JacobianOf<R, N extends ArgNums> = R extends readonly unknown[] ? { -readonly [K in keyof R]: JacobiansFor<N> } : JacobiansFor<N>;
/** `hessian`'s result: one tensor for a number argnum, blocks [i][j] for an array. */
export type HessianOf<N extends ArgNums> = N extends number ? Tensor : { -readonly [K in keyof N]: { -readonly [J in keyof N]: Tensor } };

type AnyFn = (...args: unknown[]) => unknown;

function checkFn(op: string, f: unknown): AnyFn {
  if (typeof f !== 'function') throw new TapegradError(op, `expected a function, got ${fmtValue(f)}`, 'f');
  return f as AnyFn;
}

const anyTracked = (ts: readonly Tensor[]): boolean => ts.some((t) => t.requiresGrad);

/** Fresh tape inputs for `leaves`: an alias on the outer tape when one is being built, else a new leaf. */
const inputsFor = (leaves: readonly Tensor[], nested: boolean): Tensor[] =>
  leaves.map((t) => (nested && t.requiresGrad ? withGrad(() => identity(t)) : t.detach().setRequiresGrad(true)));

function checkArgnums(op: string, argnums: unknown, nargs: number): number[] {
  if (typeof argnums !== 'number' && !Array.isArray(argnums)) {
    throw new TapegradError(op, `expected an argument position or an array of them, got ${fmtValue(argnums)}`, 'argnums');
  }
  const list: unknown[] = typeof argnums === 'number' ? [argnums] : [...argnums];
  for (const a of list) {
    if (typeof a !== 'number' || !Number.isInteger(a) || a < 0 || a >= nargs) {
      throw new TapegradError(op, `argnums ${JSON.stringify(argnums)} does not fit a call with ${nargs} argument(s)`, 'argnums');
    }
  }
  return list as number[];
}

/**
 * Refuses an argument to differentiate that holds something other than tensors: a number, string,
 * Map or class instance in it would come back as its own "gradient". null and undefined are empty.
 */
function checkDifferentiable(op: string, arg: unknown, i: number): void {
  const stack: [unknown, string][] = [[arg, `args[${i}]`]];
  const seen = new Set<unknown>();
  let tensors = 0;
  while (stack.length > 0) {
    const [v, path] = stack.pop()!;
    if (v instanceof Tensor) {
      tensors++;
      continue;
    }
    if (v === null || v === undefined) continue;
    if (typeof v === 'object') {
      if (seen.has(v)) continue;
      seen.add(v);
      if (Array.isArray(v)) {
        v.forEach((x, k) => stack.push([x, `${path}[${k}]`]));
        continue;
      }
      if (isImmutable(v) && (isList(v) || isMap(v))) {
        for (const [k, x] of (v as Collection<unknown, unknown>).entries()) stack.push([x, `${path}.get(${JSON.stringify(k)})`]);
        continue;
      }
      if (Object.getPrototypeOf(v) === Object.prototype) {
        for (const [k, x] of Object.entries(v)) stack.push([x, `${path}.${k}`]);
        continue;
      }
    }
    throw new TapegradError(
      op,
      `${path} is ${fmtValue(v)}: only tensors (in arrays, plain objects and immutable Lists/Maps) can be differentiated; pass constants as arguments that argnums leaves out`,
      `args[${i}]`,
    );
  }
  if (tensors === 0) throw new TapegradError(op, `holds no tensor to differentiate (got ${fmtValue(arg)})`, `args[${i}]`);
}

/** Runs `f` on args whose `argnums` positions are replaced by fresh tape inputs. */
function trace(op: string, f: AnyFn, args: unknown[], argnums: unknown) {
  // Repeated argnums differentiate the argument once; `regroup` hands each position its gradient.
  const positions = checkArgnums(op, argnums, args.length);
  const nums = [...new Set(positions)];
  nums.forEach((i) => checkDifferentiable(op, args[i], i));
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
  return { out, inputs, flats, nums, positions, nested };
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

/** The gradients for each argnum position, in the order given (a repeated position gets its gradient again). */
function perPosition(argnums: unknown, nums: readonly number[], positions: readonly number[], gs: readonly unknown[]): unknown {
  return typeof argnums === 'number' ? gs[0] : positions.map((p) => gs[nums.indexOf(p)]);
}

/**
 * `valueAndGrad(f, argnums)(...args)` → `[value, grads]` (or `[[value, aux], grads]` with hasAux).
 * `grads` has the structure of `args[argnums]` (a tuple of those when argnums is an array).
 *
 * @example
 * const W = tensor([[1, -2]]);
 * const [loss, dW] = valueAndGrad((W: Tensor) => W.square().sum())(W);
 * loss; // 5
 * dW; // [[2, -4]]
 */
export function valueAndGrad<F extends Fn, const N extends ArgNums = 0>(
  f: F, argnums?: N, options?: GradOptions & { hasAux?: false },
): (...args: Parameters<F>) => [Tensor, GradsOf<Parameters<F>, N>];
export function valueAndGrad<F extends Fn, const N extends ArgNums = 0>(
  f: F, argnums: N, options: GradOptions & { hasAux: true },
): (...args: Parameters<F>) => [[Tensor, AuxOf<F>], GradsOf<Parameters<F>, N>];
export function valueAndGrad(f: Fn, argnums: ArgNums = 0, options: GradOptions = {}): (...args: unknown[]) => [unknown, unknown] {
  const fn = checkFn('grad', f);
  checkArgnums('grad', argnums, Infinity); // positions against the call's arguments when it comes
  return (...args: unknown[]): [unknown, unknown] => {
    const { out, inputs, flats, nums, positions, nested } = trace('grad', fn, args, argnums);
    const [value, aux] = scalarOut('grad', out, options.hasAux ?? false);
    const gs = regroup(flats, sweep([value], [onesLike(value)], inputs, nested));
    // At top level nothing returned stays on the tape: the value and any tensors in aux are detached.
    const v = nested ? value : value.detach();
    const a = nested ? aux : detachTree(aux);
    return [options.hasAux ? [v, a] : v, perPosition(argnums, nums, positions, gs)];
  };
}

/**
 * `grad(f, argnums)(...args)`: the gradient of the scalar f with respect to args[argnums], with the
 * type and structure of that argument (a tuple for an array of argnums). Compose freely:
 * `grad(grad(f))` is the second derivative. Arguments to differentiate must hold tensors only
 * (in arrays, plain objects, immutable Lists and Maps); a number or other constant there is a typed
 * error (pass constants as arguments that argnums leaves out). A repeated position gets the same
 * gradient each time.
 *
 * @example
 * const df = grad((x: Tensor) => x.pow(3).sum());
 * df(tensor([2], { dtype: 'float64' })).toArray(); // [12]
 */
export function grad<F extends Fn, const N extends ArgNums = 0>(
  f: F, argnums?: N, options?: GradOptions & { hasAux?: false },
): (...args: Parameters<F>) => GradsOf<Parameters<F>, N>;
export function grad<F extends Fn, const N extends ArgNums = 0>(
  f: F, argnums: N, options: GradOptions & { hasAux: true },
): (...args: Parameters<F>) => [GradsOf<Parameters<F>, N>, AuxOf<F>];
export function grad(f: Fn, argnums: ArgNums = 0, options: GradOptions = {}): (...args: unknown[]) => unknown {
  const vg = valueAndGrad(f as AnyFn, argnums, options as GradOptions & { hasAux?: false }) as (...args: unknown[]) => [unknown, unknown];
  return (...args: unknown[]): unknown => {
    const [value, g] = vg(...args);
    return options.hasAux ? [g, (value as unknown[])[1]] : g;
  };
}

/**
 * `vjp(f, ...primals)` → `[out, vjpFn]`, where `vjpFn(cotangent)` returns one cotangent per primal
 * (each with that primal's structure). The cotangent has the structure and shapes of `out`.
 *
 * @example
 * const x = tensor([0, 1]);
 * const [y, back] = vjp((x: Tensor) => x.exp(), x);
 * const [dx] = back(onesLike(y)); // = exp(x)
 * dx; // [1, 2.718…]
 */
export function vjp<F extends Fn>(
  f: F, ...primals: Parameters<F>
): [ReturnType<F>, (cotangent: ReturnType<F>) => GradsOfAll<Parameters<F>>];
export function vjp(f: Fn, ...primals: unknown[]): [unknown, (cotangent: unknown) => unknown[]] {
  const fn = checkFn('vjp', f);
  const { out, inputs, flats, nested } = trace('vjp', fn, primals, primals.map((_, i) => i));
  const outFlat = flatten(out);
  const roots = outFlat.leaves;
  if (roots.length === 0) throw new TapegradError('vjp', `the function must return a Tensor or a tree of Tensors, got ${fmtValue(out)}`, 'f');
  const vjpFn = (cotangent: unknown): unknown[] => {
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
 * const x = tensor([1, 3]);
 * const [y, dy] = jvp((x: Tensor) => x.square(), [x], [onesLike(x)]); // dy = 2x
 * dy; // [2, 6]
 */
export function jvp<F extends Fn>(f: F, primals: Parameters<F>, tangents: Parameters<F>): [ReturnType<F>, ReturnType<F>];
export function jvp(f: Fn, primals: readonly unknown[], tangents: readonly unknown[]): [unknown, unknown] {
  checkFn('jvp', f);
  if (!Array.isArray(primals) || !Array.isArray(tangents) || primals.length !== tangents.length) {
    throw new TapegradError('jvp', 'primals and tangents must be arrays of the same length', 'tangents');
  }
  const outer = isGradEnabled() && (depth > 0 || anyTracked(flatten(primals).leaves) || anyTracked(flatten(tangents).leaves));
  depth++;
  try {
    const [out, back] = vjp(f as AnyFn, ...primals) as [unknown, (ct: unknown) => unknown[]];
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
 *
 * @example
 * jacobian((x: Tensor) => x.square())(tensor([1, 2], { dtype: 'float64' })).toArray(); // [[2, 0], [0, 4]]
 */
export function jacobian<F extends Fn, const N extends ArgNums = 0>(f: F, argnums?: N): (...args: Parameters<F>) => JacobianOf<ReturnType<F>, N>;
export function jacobian(f: Fn, argnums: ArgNums = 0): (...args: unknown[]) => unknown {
  const fn = checkFn('jacobian', f);
  checkArgnums('jacobian', argnums, Infinity);
  return (...args: unknown[]): unknown => {
    const nums = checkArgnums('jacobian', argnums, args.length);
    nums.forEach((i) => {
      if (!(args[i] instanceof Tensor)) throw new TapegradError('jacobian', `argument ${i} must be a Tensor, got ${fmtValue(args[i])}`, `args[${i}]`);
    });
    // Rows are recorded only when the Jacobian itself will be differentiated (as in grad).
    const outer = isGradEnabled() && (depth > 0 || anyTracked(nums.map((i) => args[i] as Tensor)));
    depth++;
    try {
      const [out, back] = vjp((...xs: Tensor[]) => {
        const full = [...args];
        nums.forEach((n, j) => (full[n] = xs[j]));
        return fn(...full);
      }, ...nums.map((i) => args[i] as Tensor)) as [unknown, (ct: unknown) => Tensor[]];
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
          const gs = outer ? back(ct) : noGrad(() => back(ct));
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
 * `[...x.shape, ...x.shape]`, as the Jacobian of the gradient (blocks [i][j] for an array of argnums).
 *
 * @example
 * hessian((x: Tensor) => x.pow(3).sum())(tensor([1, 2], { dtype: 'float64' })).toArray(); // [[6, 0], [0, 12]]
 */
export function hessian<F extends Fn, const N extends ArgNums = 0>(f: F, argnums?: N): (...args: Parameters<F>) => HessianOf<N>;
export function hessian(f: Fn, argnums: ArgNums = 0): (...args: unknown[]) => unknown {
  return jacobian(grad(f as AnyFn, argnums) as AnyFn, argnums) as (...args: unknown[]) => unknown;
}

/**
 * Clears `.grad` (sets it to null) on every tensor of a tree (an array, object or immutable collection
 * of tensors), since `backward()` accumulates; as PyTorch's `zero_grad(set_to_none=True)` (its default
 * since 2.0; 1.13 filled zeros instead).
 *
 * @example
 * const W = tensor([[1, 2]], { requiresGrad: true }), b = tensor([[0]], { requiresGrad: true });
 * W.matmul(tensor([[1], [1]])).add(b).sum().backward();
 * zeroGrad({ W, b });
 * W.grad; // null
 */
export function zeroGrad(tree: unknown): void {
  for (const t of flatten(tree).leaves) t.grad = null;
}
