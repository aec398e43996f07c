import type { DType, FloatArray } from './dtype.js';
import { dtypeOf } from './dtype.js';
import { DTypeError, ShapeError, TapegradError, fmtValue } from './errors.js';
import { tensor } from './creation.js';
import * as F from './functions.js';
import type { Node } from './tape.js';
import { backward } from './backward.js';
import { registerHook, type GradHook, type HookHandle } from './hooks.js';
import { sizeOf } from './shape.js';

/** Marks a Tensor of any copy of @tapegrad/core (Symbol.for is shared across copies and realms). */
const BRAND = Symbol.for('@tapegrad/core.Tensor');

/**
 * True for a tensor made by another copy of the core package, which this copy's ops cannot use (two
 * versions installed side by side, or a bundle that inlined its own core). Never throws.
 *
 * @example
 * isForeignTensor(tensor([1, 2])); // false  (a tensor of this copy)
 * isForeignTensor({ shape: [2] }); // false  (no tensor at all)
 */
export const isForeignTensor = (x: unknown): boolean => {
  try {
    return x !== null && typeof x === 'object' && !(x instanceof Tensor) && (x as Record<symbol, unknown>)[BRAND] === true;
  } catch {
    return false; // a revoked Proxy, or one whose traps throw
  }
};

/**
 * True for a Tensor of this copy of the core package, the one its ops accept; false for anything else,
 * a tensor of another copy included (see `isForeignTensor`). Never throws. A library built on core
 * checks its arguments with it, or with `expectTensor` for the error message.
 *
 * It asks for a real instance, not for the brand every copy shares: another copy's tensor records on
 * that copy's tape, and this copy's ops refuse it. Unlike `instanceof Tensor` it is false for a Proxy
 * of a tensor and for an object made from `Tensor.prototype`, which the ops cannot use either.
 *
 * @example
 * isTensor(tensor([1, 2])); // true
 * isTensor([1, 2]); // false
 */
export const isTensor = (x: unknown): x is Tensor => typeof x === 'object' && x !== null && hasTensorFields(x);
// Set in Tensor's static block: a private-field check, which reads no property and runs no Proxy trap.
let hasTensorFields: (x: object) => boolean;

/**
 * True only inside `outputLike`'s constructor call: the shape is another tensor's, the data fits it.
 * (Nothing the constructor does on that path can throw, so the flag is always reset.)
 */
let shapeOfInput = false;

/**
 * @internal An op's output of the shape of its input `x`: `data` is a fresh array of `x.size` elements
 * of either dtype. It skips the public constructor's checks, which an elementwise op has no use for
 * and which cost as much as the op itself on a small tensor.
 */
export function outputLike(data: FloatArray, x: Tensor): Tensor {
  shapeOfInput = true;
  const t = new Tensor(data, x.shape);
  shapeOfInput = false;
  return t;
}

/** Checks that `shape` is an array of non-negative integers whose product is `length`. */
function checkTensorShape(length: number, shape: readonly number[]): void {
  let ok = Array.isArray(shape);
  let n = 1;
  for (let i = 0; ok && i < shape.length; i++) {
    const d = shape[i];
    ok = Number.isInteger(d) && d >= 0;
    n *= d;
  }
  if (!ok) throw new ShapeError('Tensor', `expected an array of non-negative integers, got ${fmtValue(shape)}${Array.isArray(shape) ? ` [${shape.join(', ')}]` : ''}`, 'shape');
  if (n !== length) throw new ShapeError('Tensor', `shape [${shape.join(', ')}] has ${n} elements but data has ${length}`, 'shape');
}


type Operand = Tensor | number;
type Axis = number | readonly number[];

/** Nested arrays of numbers, as `toArray()` returns them. */
export type NestedArray = number | NestedArray[];

/** Nested values as JSON writes them, except that NaN and ±Infinity print as such (JSON makes them null). */
const fmtValues = (v: NestedArray): string => (typeof v === 'number' ? String(v) : `[${v.map(fmtValues).join(',')}]`);

/**
 * An n-dimensional array of float32 or float64 numbers, dense and row-major, whose ops are recorded
 * on a tape when any input requires grad. Tensors are values: ops return new tensors and never change
 * their inputs, and `data` must not be mutated.
 *
 * @example
 * const W = tensor([[1, 2], [3, 4]], { requiresGrad: true });
 * const loss = W.mul(W).sum(); // 30
 * loss.backward();
 * W.grad; // [[2, 4], [6, 8]]  (d Σ W² / dW = 2W)
 */
export class Tensor {
  readonly data: FloatArray;
  readonly shape: readonly number[];
  readonly dtype: DType;
  /** The gradient accumulated by `backward()` on a leaf with `requiresGrad`, or null. */
  grad: Tensor | null = null;
  /** A label shown by `tapeOf` and `toString` (layers name their outputs `Z[2]`, `A[2]`). */
  name: string | null = null;
  /** @internal The recorded op that produced this tensor; null for leaves. */
  node: Node | null = null;
  #requiresGrad: boolean;

  /**
   * A tensor viewing `data` (a Float32Array or Float64Array, not copied) in `shape`, whose sizes must
   * multiply to `data.length`. Prefer `tensor()` and the other creation functions, which check and copy.
   */
  constructor(data: FloatArray, shape: readonly number[], requiresGrad = false) {
    if (!shapeOfInput) {
      if (!(data instanceof Float64Array || data instanceof Float32Array)) {
        throw new DTypeError('Tensor', `expected a Float32Array or Float64Array, got ${fmtValue(data)}`, 'data');
      }
      checkTensorShape(data.length, shape);
    }
    this.data = data;
    // Frozen, so a shape cannot be changed under the data it describes (ops make each shape afresh).
    // A shape taken from another tensor is frozen already (Object.isFrozen is a call into the runtime).
    this.shape = shapeOfInput || Object.isFrozen(shape) ? shape : Object.freeze(shape);
    this.dtype = dtypeOf(data);
    this.#requiresGrad = requiresGrad;
  }

  /** True for a leaf created with `requiresGrad`, and for every tensor recorded from one. */
  get requiresGrad(): boolean {
    return this.#requiresGrad;
  }

  /** Marks a leaf as a variable to differentiate with respect to (PyTorch's `requires_grad_`). */
  setRequiresGrad(flag = true): this {
    if (this.node !== null) {
      throw new TapegradError('setRequiresGrad', 'only a leaf tensor (one not computed by a recorded op) can change requiresGrad; use detach() first');
    }
    this.#requiresGrad = flag;
    return this;
  }

  get size(): number {
    return this.data.length;
  }
  get ndim(): number {
    return this.shape.length;
  }
  /** True when no recorded op produced this tensor. */
  get isLeaf(): boolean {
    return this.node === null;
  }

  /** The value of a one-element tensor as a number. */
  item(): number {
    if (this.size !== 1) throw new TapegradError('item', `tensor has ${this.size} elements (shape [${this.shape.join(', ')}]), expected 1`);
    return this.data[0];
  }

  /** Nested arrays in row-major order (a number for a 0-d tensor). */
  toArray(): NestedArray {
    if (this.ndim === 0) return this.data[0];
    const build = (dim: number, offset: number, stride: number): NestedArray[] => {
      const n = this.shape[dim];
      const inner = stride / n;
      const out: NestedArray[] = new Array(n);
      for (let i = 0; i < n; i++) out[i] = dim === this.ndim - 1 ? this.data[offset + i] : build(dim + 1, offset + i * inner, inner);
      return out;
    };
    return build(0, 0, sizeOf(this.shape));
  }

  /**
   * Reverse-mode differentiation from this tensor: adds d(this)/d(leaf) into `leaf.grad` for every
   * leaf with `requiresGrad`. Gradients accumulate across calls, as in PyTorch: call `zeroGrad()` (or
   * set `grad = null`) between steps. A non-scalar output needs a `seed` (the cotangent) of its shape.
   * With `{ createGraph: true }` the gradients are recorded too, so they can be differentiated again.
   */
  backward(seed?: Tensor | number | NestedArray, options: { createGraph?: boolean } = {}): void {
    const s = seed === undefined ? undefined : seed instanceof Tensor ? seed : tensor(seed as NestedArray, { dtype: this.dtype });
    backward(this, s, options.createGraph ?? false);
  }

  /**
   * Registers `fn` to see, and optionally replace, the gradient flowing into this tensor during every
   * backward sweep (`backward()`, and transforms over functions that compute this tensor); returns a
   * handle whose `remove()` unregisters it. A leaf's hook sees the gradient before it is added to `.grad`.
   *
   * @example
   * const h = W.registerHook((g) => g.mul(0.5)); // halve W's gradient
   * loss.backward();
   * h.remove();
   */
  registerHook(fn: GradHook): HookHandle {
    return registerHook(this, fn);
  }

  /** Clears `.grad` (sets it to null). */
  zeroGrad(): void {
    this.grad = null;
  }

  /** The same values as a new leaf with no tape and `requiresGrad` false (shares `data`). */
  detach(): Tensor {
    return new Tensor(this.data, this.shape, false);
  }

  /** Sets `name` and returns this tensor. */
  named(name: string): this {
    this.name = name;
    return this;
  }

  toString(): string {
    const head = `Tensor(shape=[${this.shape.join(', ')}], dtype=${this.dtype}${this.name ? `, name=${this.name}` : ''}${this.node ? `, op=${this.node.rule.name}` : this.requiresGrad ? ', requiresGrad' : ''})`;
    return this.size <= 64 ? `${head} ${fmtValues(this.toArray())}` : head;
  }

  astype(dtype: DType): Tensor { return F.astype(this, dtype); }
  add(b: Operand): Tensor { return F.add(this, b); }
  sub(b: Operand): Tensor { return F.sub(this, b); }
  mul(b: Operand): Tensor { return F.mul(this, b); }
  div(b: Operand): Tensor { return F.div(this, b); }
  pow(b: Operand): Tensor { return F.pow(this, b); }
  maximum(b: Operand): Tensor { return F.maximum(this, b); }
  minimum(b: Operand): Tensor { return F.minimum(this, b); }
  eq(b: Operand): Tensor { return F.eq(this, b); }
  ne(b: Operand): Tensor { return F.ne(this, b); }
  lt(b: Operand): Tensor { return F.lt(this, b); }
  le(b: Operand): Tensor { return F.le(this, b); }
  gt(b: Operand): Tensor { return F.gt(this, b); }
  ge(b: Operand): Tensor { return F.ge(this, b); }
  neg(): Tensor { return F.neg(this); }
  exp(): Tensor { return F.exp(this); }
  log(): Tensor { return F.log(this); }
  sqrt(): Tensor { return F.sqrt(this); }
  abs(): Tensor { return F.abs(this); }
  sign(): Tensor { return F.sign(this); }
  tanh(): Tensor { return F.tanh(this); }
  sigmoid(): Tensor { return F.sigmoid(this); }
  relu(): Tensor { return F.relu(this); }
  square(): Tensor { return F.square(this); }
  reciprocal(): Tensor { return F.reciprocal(this); }
  log1p(): Tensor { return F.log1p(this); }
  expm1(): Tensor { return F.expm1(this); }
  sin(): Tensor { return F.sin(this); }
  cos(): Tensor { return F.cos(this); }
  atan(): Tensor { return F.atan(this); }
  erf(): Tensor { return F.erf(this); }
  softplus(): Tensor { return F.softplus(this); }
  floor(): Tensor { return F.floor(this); }
  ceil(): Tensor { return F.ceil(this); }
  round(): Tensor { return F.round(this); }
  clamp(min?: number | null, max?: number | null): Tensor { return F.clamp(this, min, max); }
  where(cond: Tensor, other: Operand): Tensor { return F.where(cond, this, other); }
  matmul(b: Tensor): Tensor { return F.matmul(this, b); }
  transpose(perm?: readonly number[]): Tensor { return F.transpose(this, perm); }
  /** The matrix transpose of a 2-D tensor (the last two axes of an N-D one). */
  get T(): Tensor { return F.mT(this); }
  reshape(shape: readonly number[]): Tensor { return F.reshape(this, shape); }
  flatten(): Tensor { return F.reshape(this, [this.size]); }
  squeeze(axis?: Axis): Tensor { return F.squeeze(this, axis); }
  unsqueeze(axis: number): Tensor { return F.unsqueeze(this, axis); }
  broadcastTo(shape: readonly number[]): Tensor { return F.broadcastTo(this, shape); }
  slice(begin: readonly number[], end?: readonly (number | null)[], step?: readonly number[]): Tensor { return F.slice(this, begin, end, step); }
  gather(index: F.IndexLike, axis: number): Tensor { return F.gather(this, index, axis); }
  take(index: F.IndexLike, axis: number): Tensor { return F.take(this, index, axis); }
  sum(axis?: Axis | null, keepdims = false): Tensor { return F.sum(this, axis, keepdims); }
  mean(axis?: Axis | null, keepdims = false): Tensor { return F.mean(this, axis, keepdims); }
  max(axis?: Axis | null, keepdims = false): Tensor { return F.max(this, axis, keepdims); }
  min(axis?: Axis | null, keepdims = false): Tensor { return F.min(this, axis, keepdims); }
  argmax(axis: number): Tensor { return F.argmax(this, axis); }
  argmin(axis: number): Tensor { return F.argmin(this, axis); }
  prod(axis?: Axis | null, keepdims = false): Tensor { return F.prod(this, axis, keepdims); }
  /** The variance (the free function is `variance`: `var` is a reserved word). */
  var(axis?: Axis | null, options?: F.VarianceOptions): Tensor { return F.variance(this, axis, options); }
  std(axis?: Axis | null, options?: F.VarianceOptions): Tensor { return F.std(this, axis, options); }
  norm(p?: F.NormOrder, axis?: Axis | null, keepdims = false): Tensor { return F.norm(this, p, axis, keepdims); }
  flip(axis?: Axis | null): Tensor { return F.flip(this, axis); }
  tile(reps: number | readonly number[]): Tensor { return F.tile(this, reps); }
  softmax(axis = -1): Tensor { return F.softmax(this, axis); }
  logSoftmax(axis = -1): Tensor { return F.logSoftmax(this, axis); }
  logsumexp(axis?: Axis | null, keepdims = false): Tensor { return F.logsumexp(this, axis, keepdims); }

  static {
    hasTensorFields = (x) => #requiresGrad in x;
  }
}

Object.defineProperty(Tensor.prototype, BRAND, { value: true });
