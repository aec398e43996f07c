/**
 * How a primitive is written. An op file defines each primitive in one place: its rule (`defineOp`:
 * forward through a kernel, VJP with its one-line maths comment) next to the public function that
 * records it. Elementwise ops take one line each through `unaryOp`/`binaryOp`, which make the public
 * function from the kernel's name and the VJP. The catalog (table.ts) only collects what op files
 * export. A VJP that calls its own op needs a `: Grads` return annotation (TypeScript cannot infer a
 * type that refers to itself).
 */
import { checkSize } from '../creation.js';
import { alloc, promote, type DType } from '../dtype.js';
import { TapegradError, fmtShape, fmtValue } from '../errors.js';
import { kernels, type BinaryKernelOp, type UnaryKernelOp } from '../kernels/index.js';
import { broadcastShapes, sameShape, sizeOf } from '../shape.js';
import { apply, type Grads, type OpDef, type VjpNode } from '../tape.js';
import { Tensor, isForeignTensor, outputLike } from '../tensor.js';

export type { Grads, OpDef, VjpNode };

/** A tensor, or a plain number that takes the other operand's dtype (a "weak" scalar, as in PyTorch). */
export type Operand = Tensor | number;

/** A public op function that carries its rule, so the catalog can collect it. */
export type Primitive<F, A, K extends string> = F & { readonly rule: OpDef<A, K> };

/** A rule: the op's name, its forward and its VJP. */
export function defineOp<K extends string, A = null>(
  name: K,
  def: { forward(inputs: readonly Tensor[], attrs: A): Tensor; vjp(dy: Tensor, node: VjpNode<A>, needs: readonly boolean[]): Grads },
): OpDef<A, K> {
  return { name, forward: def.forward, vjp: def.vjp };
}

/**
 * `x` itself if it is a Tensor of this copy of the core package, else a `TapegradError` naming `op`
 * and `arg`: "this Tensor comes from another copy of …" for a tensor of another copy,
 * "expected <expected>, got …" for anything else. Libraries on core (nn) check their tensor
 * arguments with it, so two installed copies read the same everywhere.
 *
 * @example
 * const x = tensor([[1], [2]]);
 * expectTensor('myLayer', x, 'x') === x; // true
 * let message = '';
 * try { expectTensor('myLayer', [[1], [2]], 'x', 'a Tensor of shape [2, m]'); } catch (e) { message = (e as Error).message; }
 * message; // "myLayer: argument 'x': expected a Tensor of shape [2, m], got an array of length 2 (wrap it with tensor())"
 */
export function expectTensor(op: string, x: unknown, arg = 'x', expected = 'a Tensor'): Tensor {
  if (x instanceof Tensor) return x;
  if (isForeignTensor(x)) {
    throw new TapegradError(op, 'this Tensor comes from another copy of @tapegrad/core; two copies are loaded (check that one version is installed: npm ls @tapegrad/core)', arg);
  }
  throw new TapegradError(op, `expected ${expected}, got ${fmtValue(x)}${Array.isArray(x) ? ' (wrap it with tensor())' : ''}`, arg);
}

/** A 0-d constant of `dtype` (what `tensor(x, { dtype })` makes, without parsing options). */
export function scalarOf(x: number, dtype: DType): Tensor {
  const data = alloc(dtype, 1);
  data[0] = x;
  return new Tensor(data, []);
}

/** A Tensor, or a number made a 0-d tensor of `dtype`. */
export function operand(op: string, x: unknown, dtype: DType, arg: string): Tensor {
  if (x instanceof Tensor) return x;
  if (typeof x === 'number') return scalarOf(x, dtype);
  if (isForeignTensor(x)) return expectTensor(op, x, arg);
  throw new TapegradError(op, `expected a Tensor or a number, got ${fmtValue(x)}`, arg);
}

/** The dtype two operands compute in: promoted between tensors; a number takes the tensor's. */
export function operandDType(a: unknown, b: unknown): DType {
  return a instanceof Tensor ? (b instanceof Tensor ? promote(a.dtype, b.dtype) : a.dtype) : b instanceof Tensor ? b.dtype : 'float32';
}

type UnaryVjp = (dy: Tensor, node: VjpNode<null>, needs: readonly boolean[]) => Grads;

/** An elementwise op through `kernels.unary(name)`: out[i] = f(x[i]). */
export function unaryOp<K extends UnaryKernelOp>(name: K, vjp: UnaryVjp): Primitive<(x: Tensor) => Tensor, null, K> {
  const rule = defineOp<K, null>(name, {
    forward: ([x]) => {
      const out = alloc(x.dtype, x.size);
      kernels.unary(name, x.data, out);
      return outputLike(out, x);
    },
    vjp,
  });
  const f = (x: Tensor): Tensor => apply(rule, [expectTensor(name, x)], null);
  return Object.assign(f, { rule });
}

/** An elementwise op through `kernels.binary(name)` with NumPy broadcasting (undone by the sweep). */
export function binaryOp<K extends BinaryKernelOp>(name: K, vjp: UnaryVjp): Primitive<(a: Operand, b: Operand) => Tensor, null, K> {
  const rule = defineOp<K, null>(name, {
    forward: ([a, b]) => {
      const dtype = promote(a.dtype, b.dtype);
      if (a.shape === b.shape || sameShape(a.shape, b.shape)) {
        const out = alloc(dtype, a.size);
        kernels.binary(name, a.data, a.shape, b.data, b.shape, out, a.shape);
        return outputLike(out, a);
      }
      const shape = broadcastShapes(name, a.shape, b.shape);
      const n = sizeOf(shape);
      if (n > a.size && n > b.size) checkSize(name, n, 'b', `the broadcast result ${fmtShape(shape)}`);
      const out = alloc(dtype, n);
      kernels.binary(name, a.data, a.shape, b.data, b.shape, out, shape);
      return new Tensor(out, shape);
    },
    vjp,
  });
  const f = (a: Operand, b: Operand): Tensor => {
    if (a instanceof Tensor && b instanceof Tensor) return apply(rule, [a, b], null);
    const dtype = operandDType(a, b);
    return apply(rule, [operand(name, a, dtype, 'a'), operand(name, b, dtype, 'b')], null);
  };
  return Object.assign(f, { rule });
}

/**
 * Piecewise-constant ops have a zero derivative almost everywhere: no cotangent flows through them.
 * (This module's exports are function declarations, which exist before any module body runs, so an op
 * file may use them at its top level whichever module of the package is loaded first.)
 */
export function noGradient(_dy: Tensor, node: VjpNode<unknown>): Grads {
  return node.inputs.map(() => null);
}
