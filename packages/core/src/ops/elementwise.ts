import { alloc, castArray, promote } from '../dtype.js';
import {
  add, div, eq, ge, gt, le, log, lt, mul, neg, pow, sign, sigmoidGrad, square, sub, where,
} from '../functions.js';
import { kernels, type BinaryKernelOp, type UnaryKernelOp } from '../kernels/index.js';
import { broadcastShapes, sameShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import type { OpDef, OpTable, VjpNode } from './table.js';

type Vjp = (dy: Tensor, node: VjpNode<null>, needs: readonly boolean[]) => (Tensor | null)[];

function unary<K extends UnaryKernelOp>(k: K, vjp: Vjp): OpDef<null, K> {
  return {
    name: k,
    forward: ([x]) => {
      const out = alloc(x.dtype, x.size);
      kernels.unary(k, x.data, out);
      return new Tensor(out, x.shape);
    },
    vjp,
  };
}

function binary<K extends BinaryKernelOp>(k: K, vjp: Vjp): OpDef<null, K> {
  return {
    name: k,
    forward: ([a, b]) => {
      const shape = a.shape === b.shape || sameShape(a.shape, b.shape) ? a.shape : broadcastShapes(k, a.shape, b.shape);
      let n = 1;
      for (const d of shape) n *= d;
      const out = alloc(promote(a.dtype, b.dtype), n);
      kernels.binary(k, a.data, a.shape, b.data, b.shape, out, shape);
      return new Tensor(out, shape);
    },
    vjp,
  };
}

/** Piecewise-constant ops have a zero derivative almost everywhere: no cotangent flows through them. */
const constant: Vjp = () => [null, null];

type Elementwise =
  | 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum'
  | 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge'
  | 'neg' | 'exp' | 'log' | 'sqrt' | 'abs' | 'sign' | 'tanh' | 'sigmoid' | 'sigmoidGrad' | 'relu' | 'square' | 'reciprocal'
  | 'where' | 'clamp' | 'astype' | 'identity';

export const elementwiseOps: OpTable<Elementwise> = {
  // d(a + b) = da + db
  add: binary('add', (dy) => [dy, dy]),
  // d(a − b) = da − db
  sub: binary('sub', (dy, _n, needs) => [dy, needs[1] ? neg(dy) : null]),
  // d(a b) = b da + a db
  mul: binary('mul', (dy, { inputs: [a, b] }, needs) => [needs[0] ? mul(dy, b) : null, needs[1] ? mul(dy, a) : null]),
  // d(a / b) = da / b − (a / b) / b db
  div: binary('div', (dy, { inputs: [a, b], output: y }, needs) => [
    needs[0] ? div(dy, b) : null,
    needs[1] ? neg(mul(dy, div(y, b))) : null,
  ]),
  // d(a^b) = b a^(b−1) da + a^b ln(a) db   (0 where a = b = 0, resp. where a = 0 and b ≥ 0, as PyTorch).
  // Only a = b = 0 (0 · 0^−1 = NaN) is masked: masking every b = 0 would also zero the cross term
  // ∂²(a^b)/∂a∂b = a^(b−1)(1 + b ln a) = 1/a there, which the second derivative needs.
  pow: binary('pow', (dy, { inputs: [a, b], output: y }, needs) => [
    needs[0] ? mul(dy, where(mul(eq(b, 0), eq(a, 0)), 0, mul(b, pow(a, sub(b, 1))))) : null,
    needs[1] ? mul(dy, where(mul(eq(a, 0), ge(b, 0)), 0, mul(y, log(a)))) : null,
  ]),
  // d max(a, b) = [a > b] da + [a < b] db; a tie sends half to each (PyTorch)
  maximum: binary('maximum', (dy, { inputs: [a, b] }, needs) => {
    const m = add(gt(a, b), mul(eq(a, b), 0.5));
    return [needs[0] ? mul(dy, m) : null, needs[1] ? mul(dy, sub(1, m)) : null];
  }),
  // d min(a, b) = [a < b] da + [a > b] db; a tie sends half to each (PyTorch)
  minimum: binary('minimum', (dy, { inputs: [a, b] }, needs) => {
    const m = add(lt(a, b), mul(eq(a, b), 0.5));
    return [needs[0] ? mul(dy, m) : null, needs[1] ? mul(dy, sub(1, m)) : null];
  }),
  eq: binary('eq', constant),
  ne: binary('ne', constant),
  lt: binary('lt', constant),
  le: binary('le', constant),
  gt: binary('gt', constant),
  ge: binary('ge', constant),

  // d(−x) = −dx
  neg: unary('neg', (dy) => [neg(dy)]),
  // d exp(x) = exp(x) dx
  exp: unary('exp', (dy, { output: y }) => [mul(dy, y)]),
  // d ln(x) = dx / x
  log: unary('log', (dy, { inputs: [x] }) => [div(dy, x)]),
  // d √x = dx / (2√x)
  sqrt: unary('sqrt', (dy, { output: y }) => [div(dy, mul(y, 2))]),
  // d|x| = sign(x) dx   (0 at x = 0)
  abs: unary('abs', (dy, { inputs: [x] }) => [mul(dy, sign(x))]),
  sign: unary('sign', () => [null]),
  // d tanh(x) = (1 − tanh²(x)) dx
  tanh: unary('tanh', (dy, { output: y }) => [mul(dy, sub(1, square(y)))]),
  // d σ(x) = σ(x)(1 − σ(x)) dx   — the notes' dZ = dA ⊙ σ'(Z) (the notes print dA · σ(Z): erratum)
  sigmoid: unary('sigmoid', (dy, { output: y }) => [sigmoidGrad(y, dy)]),
  // d[g·y(1 − y)] = g(1 − 2y) dy + y(1 − y) dg   (the fused rule is itself differentiable)
  sigmoidGrad: {
    name: 'sigmoidGrad',
    forward: ([y, g]) => {
      const out = alloc(promote(y.dtype, g.dtype), y.size);
      kernels.sigmoidGrad(y.data, g.data, out);
      return new Tensor(out, y.shape);
    },
    vjp: (dz, { inputs: [y, g] }, needs) => [
      needs[0] ? mul(dz, mul(g, sub(1, mul(y, 2)))) : null,
      needs[1] ? sigmoidGrad(y, dz) : null,
    ],
  },
  // d relu(x) = [x > 0] dx   (0 at x = 0, as PyTorch)
  relu: unary('relu', (dy, { output: y }) => [mul(dy, gt(y, 0))]),
  // d x² = 2x dx
  square: unary('square', (dy, { inputs: [x] }) => [mul(dy, mul(x, 2))]),
  // d(1/x) = −dx / x²
  reciprocal: unary('reciprocal', (dy, { output: y }) => [neg(mul(dy, square(y)))]),

  // d where(c, a, b) = [c] da + [¬c] db
  where: {
    name: 'where',
    forward: ([c, a, b]) => {
      const shape = broadcastShapes('where', broadcastShapes('where', c.shape, a.shape, 'cond', 'a'), b.shape, 'cond/a', 'b');
      let n = 1;
      for (const d of shape) n *= d;
      const out = alloc(promote(a.dtype, b.dtype), n);
      kernels.where(c.data, c.shape, a.data, a.shape, b.data, b.shape, out, shape);
      return new Tensor(out, shape);
    },
    vjp: (dy, { inputs: [c] }, needs) => [null, needs[1] ? where(c, dy, 0) : null, needs[2] ? where(c, 0, dy) : null],
  },
  // d clamp(x, lo, hi) = [lo ≤ x ≤ hi] dx   (PyTorch keeps the gradient at the bounds)
  clamp: {
    name: 'clamp',
    forward: ([x], { lo, hi }) => {
      const out = alloc(x.dtype, x.size);
      kernels.clamp(x.data, lo, hi, out);
      return new Tensor(out, x.shape);
    },
    vjp: (dy, { inputs: [x], attrs: { lo, hi } }) => [mul(dy, mul(ge(x, lo), le(x, hi)))],
  },
  // d cast(x) = cast⁻¹(dx): the tape casts the cotangent back to the input's dtype
  astype: {
    name: 'astype',
    forward: ([x], { dtype }) => new Tensor(castArray(x.data, dtype), x.shape),
    vjp: (dy) => [dy],
  },
  // d x = dx   (a recorded alias; shares the input's data)
  identity: {
    name: 'identity',
    forward: ([x]) => new Tensor(x.data, x.shape),
    vjp: (dy) => [dy],
  },
};
