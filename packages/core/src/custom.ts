/**
 * Users' own differentiable ops: `customOp` (PyTorch's autograd.Function, tfjs's customGrad) and
 * `customVjp` (JAX's custom_vjp). Both record one node under the user's name, so the op shows in
 * `tapeOf` and works in backward(), every transform and gradcheck like a built-in.
 */
import { zerosLike } from './creation.js';
import { DTypeError, ShapeError, TapegradError, fmtShape, fmtValue } from './errors.js';
import { defineOp, expectTensor } from './ops/define.js';
import { OPS } from './ops/table.js';
import { sameShape } from './shape.js';
import { apply, isGradEnabled, noGrad, record1, type Grads, type OpDef } from './tape.js';
import { Tensor } from './tensor.js';

/** What a custom VJP or JVP sees of its application. */
export interface CustomOpContext {
  readonly inputs: readonly Tensor[];
  readonly output: Tensor;
}

/**
 * What `customOp` needs: a name, the forward computation and its VJP (and, for a VJP on raw arrays,
 * a JVP). The counterpart of PyTorch's `autograd.Function` with `forward`/`backward`, except that
 * nothing is saved by hand: the VJP sees the inputs and output through its context.
 *
 * @example
 * // d(x³) = 3x² dx
 * const spec: CustomOpSpec = { name: 'cube', forward: (x) => x.pow(3), vjp: (dy, { inputs: [x] }) => [dy.mul(x.square().mul(3))] };
 * grad((x: Tensor) => customOp(spec)(x).sum())(tensor([2], { dtype: 'float64' })); // [12]
 */
export interface CustomOpSpec {
  /** The name it is recorded under (shown by `tapeOf`, named in errors); not a built-in op's name. */
  name: string;
  /** The output from the inputs: with tapegrad ops or by hand on the raw typed arrays (it runs untracked). */
  forward: (...inputs: Tensor[]) => Tensor;
  /**
   * One cotangent per input (null for none, rather than zeros), each of its input's shape and dtype,
   * from the output's cotangent `dy`. Written with tapegrad ops, it is differentiable again (grad of
   * grad, hessian, jvp).
   */
  vjp: (dy: Tensor, ctx: CustomOpContext) => readonly (Tensor | null)[];
  /**
   * J·t for tangents t (one per input, of its shape): the output's tangent. Needed only when `vjp`
   * computes outside the tape (on raw arrays): `jvp` (computed as the transpose of a VJP) and any
   * derivative of the VJP with respect to its cotangent then use it.
   */
  jvp?: (tangents: readonly Tensor[], ctx: CustomOpContext) => Tensor;
}

const builtIn = (name: string): boolean => Object.prototype.hasOwnProperty.call(OPS, name);

/**
 * A differentiable op of your own: returns a function that behaves like a built-in op.
 *
 * @example
 * // d softplus(x) = σ(x) dx, written so it never overflows
 * const mySoftplus = customOp({
 *   name: 'mySoftplus',
 *   forward: (x) => x.relu().add(x.abs().neg().exp().log1p()),
 *   vjp: (dy, { inputs: [x] }) => [dy.mul(x.sigmoid())],
 * });
 * grad((x: Tensor) => mySoftplus(x).sum())(tensor([0], { dtype: 'float64' })).toArray(); // [0.5]
 */
export function customOp(spec: CustomOpSpec): (...inputs: Tensor[]) => Tensor {
  if (spec === null || typeof spec !== 'object') throw new TapegradError('customOp', `expected a spec object, got ${fmtValue(spec)}`, 'spec');
  const { name, forward, vjp, jvp } = spec;
  if (typeof name !== 'string' || name.length === 0) throw new TapegradError('customOp', `expected a non-empty string, got ${fmtValue(name)}`, 'name');
  if (builtIn(name)) throw new TapegradError('customOp', `'${name}' is the name of a built-in op; choose another`, 'name');
  for (const [arg, f] of [['forward', forward], ['vjp', vjp]] as const) {
    if (typeof f !== 'function') throw new TapegradError(name, `expected a function, got ${fmtValue(f)}`, arg);
  }
  if (jvp !== undefined && typeof jvp !== 'function') throw new TapegradError(name, `expected a function or undefined, got ${fmtValue(jvp)}`, 'jvp');
  const rule = defineOp(name, {
    forward: (inputs) => freshOutput(name, noGrad(() => forward(...inputs))),
    vjp: (dy, node) => cotangents(name, dy, node, (d) => vjp(d, { inputs: node.inputs, output: node.output }), jvp),
  });
  return (...inputs: Tensor[]) => apply(rule, inputs.map((x, i) => expectTensor(name, x, `inputs[${i}]`)), null);
}

/**
 * JAX's custom_vjp: `f` as it is, except that its gradient comes from `bwd`. `fwd(...args)` returns
 * `[output, residuals]` (anything `bwd` needs), `bwd(residuals, dy)` one cotangent per argument. For
 * stable gradients of an unstable formula, straight-through estimators and gradient clipping.
 *
 * @example
 * // straight-through rounding: round forward, identity backward
 * const roundST = customVjp((x: Tensor) => x.round(), (x: Tensor) => [x.round(), null], (_r, dy) => [dy]);
 * grad((x: Tensor) => roundST(x).sum())(tensor([0.4, 1.6])).toArray(); // [1, 1]
 */
export function customVjp<R>(
  f: (...args: Tensor[]) => Tensor,
  fwd: (...args: Tensor[]) => readonly [Tensor, R],
  bwd: (residuals: R, dy: Tensor) => readonly (Tensor | null)[],
  options: { name?: string } = {},
): (...args: Tensor[]) => Tensor {
  for (const [arg, fn] of [['f', f], ['fwd', fwd], ['bwd', bwd]] as const) {
    if (typeof fn !== 'function') throw new TapegradError('customVjp', `expected a function, got ${fmtValue(fn)}`, arg);
  }
  const name = options.name ?? (f.name || 'customVjp');
  return (...args: Tensor[]) => {
    args.forEach((a, i) => expectTensor(name, a, `args[${i}]`));
    if (!isGradEnabled() || !args.some((a) => a.requiresGrad)) return f(...args);
    // fwd runs on the tape, so residuals computed from the arguments carry their graph to bwd.
    const result = fwd(...args);
    if (!Array.isArray(result) || result.length !== 2) throw new TapegradError(name, `fwd must return [output, residuals], got ${fmtValue(result)}`, 'fwd');
    const [out, residuals] = result;
    const rule = defineOp(name, {
      forward: () => freshOutput(name, out),
      vjp: (dy, node) => cotangents(name, dy, node, (d) => bwd(residuals, d), undefined),
    });
    return apply(rule, args, null);
  };
}

/** A tensor the tape may record as the node's output: `out`'s data, never an input or a tracked tensor itself. */
function freshOutput(op: string, out: unknown): Tensor {
  if (!(out instanceof Tensor)) expectTensor(op, out, 'forward');
  const t = out as Tensor;
  return new Tensor(t.data, t.shape);
}

/**
 * Runs a user VJP and checks what it returns: one cotangent per input, each null or of its input's
 * shape and dtype. Recording the backward pass (createGraph), a cotangent computed off the tape would
 * silently have no derivative of its own; it is recorded instead as a node whose own VJP uses the
 * user's `jvp` for the cotangent direction, or says plainly that it cannot be differentiated.
 */
function cotangents(
  name: string, dy: Tensor, node: CustomOpContext, run: (dy: Tensor) => readonly (Tensor | null)[] | unknown,
  jvp: CustomOpSpec['jvp'],
): Grads {
  const recording = isGradEnabled();
  // Recording, an untracked dy is replaced by a tracked copy, so a cotangent built from it with
  // tapegrad ops is tracked too, and one that is not was computed off the tape.
  const probe = recording && !dy.requiresGrad ? new Tensor(dy.data, dy.shape, true) : dy;
  const cts = run(probe);
  const { inputs } = node;
  if (!Array.isArray(cts) || cts.length !== inputs.length) {
    throw new TapegradError(name, `the vjp must return an array of ${inputs.length} cotangent(s), one per input (null for none), got ${Array.isArray(cts) ? `${cts.length}` : fmtValue(cts)}`, 'vjp');
  }
  return cts.map((g: unknown, i) => {
    if (g === null || g === undefined) return null;
    const x = inputs[i];
    if (!(g instanceof Tensor)) expectTensor(name, g, `cotangent of inputs[${i}]`);
    const t = g as Tensor;
    if (!sameShape(t.shape, x.shape)) {
      throw new ShapeError(name, `the vjp's cotangent for input ${i} has shape ${fmtShape(t.shape)}, but input ${i} has shape ${fmtShape(x.shape)}`, `inputs[${i}]`);
    }
    if (t.dtype !== x.dtype) throw new DTypeError(name, `the vjp's cotangent for input ${i} is ${t.dtype}, but input ${i} is ${x.dtype}`, `inputs[${i}]`);
    if (!recording || t.requiresGrad) return t;
    const out = new Tensor(t.data, t.shape);
    record1(offTapeVjp(name, i, node, jvp), [dy, ...inputs], null, out);
    return out;
  });
}

/** The rule of a cotangent computed off the tape: linear in dy through `jvp`, no derivative in the inputs. */
function offTapeVjp(name: string, i: number, ctx: CustomOpContext, jvp: CustomOpSpec['jvp']): OpDef<null> {
  return defineOp(`${name}.vjp`, {
    forward: () => {
      throw new TapegradError(name, 'internal: an off-tape cotangent is never recomputed');
    },
    // ⟨u, J_iᵀ dy⟩ is linear in dy with gradient J_i u: the jvp with tangent u on input i, zeros elsewhere
    vjp: (u, _node, needs) => {
      if (needs.some((n, j) => n && j > 0)) {
        throw new TapegradError(name, 'its vjp computes off the tape (on raw arrays), so it has no derivative with respect to the inputs; write the vjp with tapegrad ops to take second derivatives', 'vjp');
      }
      if (jvp === undefined) {
        throw new TapegradError(name, 'its vjp computes off the tape (on raw arrays), so it cannot be differentiated with respect to its cotangent (as jvp needs); give the op a jvp, or write the vjp with tapegrad ops', 'jvp');
      }
      const tangents = ctx.inputs.map((x, j) => (j === i ? u : zerosLike(x)));
      const t = jvp(tangents, ctx);
      if (!(t instanceof Tensor) || !sameShape(t.shape, ctx.output.shape)) {
        throw new ShapeError(name, `the jvp must return a Tensor of the output's shape ${fmtShape(ctx.output.shape)}, got ${fmtValue(t)}`, 'jvp');
      }
      return [t, ...ctx.inputs.map(() => null)];
    },
  });
}
