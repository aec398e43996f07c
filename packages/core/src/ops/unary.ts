/**
 * Transcendental functions and activations: elementwise primitives, each a kernel entry
 * (kernels/js-unary.ts) and a VJP written with the library's ops, so each is differentiable again.
 */
import { alloc, promote } from '../dtype.js';
import { ShapeError, TapegradError, fmtShape, fmtValue } from '../errors.js';
import { kernels } from '../kernels/index.js';
import { sameShape } from '../shape.js';
import { apply } from '../tape.js';
import { Tensor, outputLike } from '../tensor.js';
import { add, div, eq, ge, gt, mul, neg, square, sub, where } from './arith.js';
import { binaryOp, defineOp, expectTensor, unaryOp, type Grads } from './define.js';

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
const SQRT_2_PI = Math.sqrt(2 / Math.PI);

// d exp(x) = exp(x) dx
/**
 * eˣ elementwise; overflows to ∞ above about 88.7 in float32 (709.8 in float64).
 *
 * @example
 * const y = exp(tensor([0, 1])); // [1, 2.718…]
 */
export const exp = unaryOp('exp', (dy, { output: y }) => [mul(dy, y)]);
// d ln(x) = dx / x
/**
 * Natural logarithm; log of a negative number is NaN and log(0) is −∞, as IEEE and NumPy.
 *
 * @example
 * log(tensor([1, Math.E, 0, -1])); // [0, 1, -Infinity, NaN]
 */
export const log = unaryOp('log', (dy, { inputs: [x] }) => [div(dy, x)]);
// d √x = dx / (2√x)
/**
 * √x elementwise; NaN for x < 0. The gradient at 0 is ∞, as PyTorch's.
 *
 * @example
 * sqrt(tensor([4, 2, -1])); // [2, 1.414…, NaN]
 */
export const sqrt = unaryOp('sqrt', (dy, { output: y }) => [div(dy, mul(y, 2))]);
// d tanh(x) = (1 − tanh²(x)) dx
/**
 * The hyperbolic tangent, in (−1, 1); an activation g(Z) of the notes, with g′(Z) = 1 − A².
 *
 * @example
 * tanh(tensor([0, 1, -20])); // [0, 0.7615…, -1]
 */
export const tanh = unaryOp('tanh', (dy, { output: y }) => [mul(dy, sub(1, square(y)))]);
// d ln(1 + x) = dx / (1 + x)
/**
 * ln(1 + x), accurate for small x (where `log(add(x, 1))` rounds 1 + x first).
 *
 * @example
 * log1p(tensor([1e-10], { dtype: 'float64' })).item(); // 9.9999999995e-11
 */
export const log1p = unaryOp('log1p', (dy, { inputs: [x] }) => [div(dy, add(x, 1))]);
// d(eˣ − 1) = eˣ dx = (y + 1) dx
/**
 * eˣ − 1, accurate for small x (where `sub(exp(x), 1)` cancels).
 *
 * @example
 * expm1(tensor([1e-10], { dtype: 'float64' })).item(); // 1.00000000005e-10
 */
export const expm1 = unaryOp('expm1', (dy, { output: y }) => [mul(dy, add(y, 1))]);
// d sin(x) = cos(x) dx
/**
 * The sine of x, x in radians.
 *
 * @example
 * sin(tensor([0, Math.PI / 2])); // [0, 1]
 */
export const sin = unaryOp('sin', (dy, { inputs: [x] }): Grads => [mul(dy, cos(x))]);
// d cos(x) = −sin(x) dx
/**
 * The cosine of x, x in radians.
 *
 * @example
 * cos(tensor([0, Math.PI])); // [1, -1]
 */
export const cos = unaryOp('cos', (dy, { inputs: [x] }): Grads => [neg(mul(dy, sin(x)))]);
// d atan(x) = dx / (1 + x²)
/**
 * The inverse tangent, in (−π/2, π/2).
 *
 * @example
 * atan(tensor([1])).item(); // π/4
 */
export const atan = unaryOp('atan', (dy, { inputs: [x] }) => [div(dy, add(square(x), 1))]);
// d erf(x) = 2/√π e^(−x²) dx
/**
 * The error function 2/√π ∫₀ˣ e^(−t²) dt (fdlibm's algorithm, within 1 ulp in float64).
 *
 * @example
 * erf(tensor([0, 1, -Infinity])); // [0, 0.8427…, -1]
 */
export const erf = unaryOp('erf', (dy, { inputs: [x] }) => [mul(dy, mul(exp(neg(square(x))), TWO_OVER_SQRT_PI))]);

// d(a^b) = b a^(b−1) da + a^b ln(a) db   (0 where a = b = 0, resp. where a = 0 and b ≥ 0, as PyTorch).
// Only a = b = 0 (0 · 0^−1 = NaN) is masked: masking every b = 0 would also zero the cross term
// ∂²(a^b)/∂a∂b = a^(b−1)(1 + b ln a) = 1/a there, which the second derivative needs.
/**
 * a raised to b elementwise, broadcasting; a negative base with a non-integer exponent gives NaN, as in
 * IEEE. The gradients at a = 0 are 0 where the formula would give NaN (b = 0, resp. ln 0 with b ≥ 0), as PyTorch.
 *
 * @example
 * pow(tensor([2, 3, -8]), 2); // [4, 9, 64]
 * pow(2, tensor([0.5, -1])); // [1.414…, 0.5]
 */
export const pow = binaryOp('pow', (dy, { inputs: [a, b], output: y }, needs): Grads => [
  needs[0] ? mul(dy, where(mul(eq(b, 0), eq(a, 0)), 0, mul(b, pow(a, sub(b, 1))))) : null,
  needs[1] ? mul(dy, where(mul(eq(a, 0), ge(b, 0)), 0, mul(y, log(a)))) : null,
]);

// d σ(x) = σ(x)(1 − σ(x)) dx   — the notes' dZ = dA ⊙ σ'(Z) (the notes print dA · σ(Z): erratum)
/**
 * σ(x) = 1 / (1 + e^(−x)), computed without overflow for large |x|; the notes' output activation.
 *
 * @example
 * sigmoid(tensor([0, 2, -1000])); // [0.5, 0.8808, 0]
 */
export const sigmoid = unaryOp('sigmoid', (dy, { output: y }) => [sigmoidGrad(y, dy)]);

// d[g·y(1 − y)] = g(1 − 2y) dy + y(1 − y) dg   (the fused rule is itself differentiable)
export const sigmoidGradOp = defineOp('sigmoidGrad', {
  forward: ([y, g]) => {
    const out = alloc(promote(y.dtype, g.dtype), y.size);
    kernels.sigmoidGrad(y.data, g.data, out);
    return outputLike(out, y);
  },
  vjp: (dz, { inputs: [y, g] }, needs) => [
    needs[0] ? mul(dz, mul(g, sub(1, mul(y, 2)))) : null,
    needs[1] ? sigmoidGrad(y, dz) : null,
  ],
});
/** dy ⊙ σ(z)(1 − σ(z)) from y = σ(z): the sigmoid VJP as one op (same shapes). */
export function sigmoidGrad(y: Tensor, dy: Tensor): Tensor {
  if (!sameShape(y.shape, dy.shape)) throw new ShapeError('sigmoidGrad', `y has shape ${fmtShape(y.shape)} but dy has ${fmtShape(dy.shape)}`, 'dy');
  return apply(sigmoidGradOp, [y, dy], null);
}

// d relu(x) = [x > 0] dx   (0 at x = 0, as PyTorch)
/**
 * max(x, 0) elementwise. Its gradient at x = 0 is 0, as PyTorch's.
 *
 * @example
 * relu(tensor([-1, 0, 2])); // [0, 0, 2]
 */
export const relu = unaryOp('relu', (dy, { output: y }) => [mul(dy, gt(y, 0))]);
// d softplus(x) = σ(x) dx
/**
 * log(1 + eˣ), computed as max(x, 0) + log1p(e^−|x|), exact for every x. PyTorch's `softplus`
 * returns x itself where x > 20 (its `threshold`), an error below 2e-9; we do not.
 *
 * @example
 * softplus(tensor([0, 30, -30])); // [0.6931, 30, 9.358e-14]
 */
export const softplus = unaryOp('softplus', (dy, { inputs: [x] }) => [mul(dy, sigmoid(x))]);
// d log σ(x) = (1 − σ(x)) dx = σ(−x) dx
/**
 * log σ(x) = −softplus(−x), finite for every finite x (log(sigmoid(x)) is −∞ below about −745).
 *
 * @example
 * logSigmoid(tensor([0, -1000], { dtype: 'float64' })); // [-0.6931, -1000]
 */
export const logSigmoid = unaryOp('logSigmoid', (dy, { inputs: [x] }) => [mul(dy, sigmoid(neg(x)))]);
// d silu(x) = σ(x)(1 + x(1 − σ(x))) dx
/**
 * x σ(x) (SiLU, also called swish).
 *
 * @example
 * silu(tensor([0, 1])); // [0, 0.7311]
 */
export const silu = unaryOp('silu', (dy, { inputs: [x] }) => {
  const s = sigmoid(x);
  return [mul(dy, mul(s, add(1, mul(x, sub(1, s)))))];
});

// d gelu(x) = (Φ(x) + x φ(x)) dx, with Φ(x) = (1 + erf(x/√2))/2 and φ(x) = e^(−x²/2)/√(2π)
export const geluExact = unaryOp('gelu', (dy, { inputs: [x] }) => {
  const Phi = mul(add(erf(mul(x, Math.SQRT1_2)), 1), 0.5);
  const phi = mul(exp(mul(square(x), -0.5)), INV_SQRT_2PI);
  return [mul(dy, add(Phi, mul(x, phi)))];
});
// with u = √(2/π)(x + 0.044715x³): gelu(x) = x(1 + tanh u)/2 = x σ(2u), so
// d gelu(x) = σ(2u)(1 + 2x σ(−2u) u′) dx, u′ = √(2/π)(1 + 3·0.044715x²). The σ form has no 1 + tanh u
// to cancel for x ≪ 0 (at x = −3 the tanh form, PyTorch's, loses 6 bits of the derivative).
export const geluTanh = unaryOp('geluTanh', (dy, { inputs: [x] }) => {
  const x2 = square(x);
  const u2 = mul(mul(x, add(mul(x2, 0.044715), 1)), 2 * SQRT_2_PI);
  const du = mul(add(mul(x2, 3 * 0.044715), 1), SQRT_2_PI);
  return [mul(dy, mul(sigmoid(u2), add(mul(mul(x, 2), mul(sigmoid(neg(u2)), du)), 1)))];
});
/**
 * GELU: x Φ(x), Φ the standard normal CDF (`approximate: 'none'`, the default, through erf), or its
 * tanh form x(1 + tanh(√(2/π)(x + 0.044715x³)))/2 (`approximate: 'tanh'`), as PyTorch's `gelu`.
 *
 * @example
 * gelu(tensor([0, 1])); // [0, 0.8413]
 * gelu(tensor([1]), { approximate: 'tanh' }); // [0.8412]
 */
export function gelu(x: Tensor, options: { approximate?: 'none' | 'tanh' } = {}): Tensor {
  const a = options.approximate ?? 'none';
  if (a !== 'none' && a !== 'tanh') throw new TapegradError('gelu', `approximate must be 'none' or 'tanh', got ${fmtValue(a)}`, 'approximate');
  return a === 'none' ? geluExact(x) : geluTanh(x);
}

/** A unary op with one number parameter, handed to the kernel. */
function parametric<K extends 'leakyRelu' | 'elu'>(name: K, vjp: (dy: Tensor, x: Tensor, y: Tensor, p: number) => Tensor) {
  return defineOp<K, { p: number }>(name, {
    forward: ([x], { p }) => {
      const out = alloc(x.dtype, x.size);
      kernels.unary(name, x.data, out, p);
      return new Tensor(out, x.shape);
    },
    vjp: (dy, { inputs: [x], output: y, attrs: { p } }) => [vjp(dy, x, y, p)],
  });
}
const finite = (op: string, v: unknown, arg: string): number => {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new TapegradError(op, `expected a finite number, got ${fmtValue(v)}`, arg);
  return v;
};

// d leakyRelu(x) = ([x > 0] + slope [x ≤ 0]) dx   (slope at x = 0, as PyTorch)
export const leakyReluOp = parametric('leakyRelu', (dy, x, _y, slope) => where(gt(x, 0), dy, mul(dy, slope)));
/**
 * x where x > 0, else slope·x (default slope 0.01, as PyTorch's `negative_slope`). At x = 0 the gradient
 * is `slope`, as PyTorch's.
 *
 * @example
 * leakyRelu(tensor([-2, 3])); // [-0.02, 3]
 * leakyRelu(tensor([-2, 3]), 0.2); // [-0.4, 3]
 */
export const leakyRelu = (x: Tensor, slope = 0.01): Tensor =>
  apply(leakyReluOp, [expectTensor('leakyRelu', x)], { p: finite('leakyRelu', slope, 'slope') });

// d elu(x) = ([x > 0] + α eˣ [x ≤ 0]) dx. Not (y + α) from y = α(eˣ − 1): that cancels to 0 once eˣ is
// below the rounding of 1 (x < −37 in float64, −17 in float32). eˣ is taken of min(x, 0), never ∞.
export const eluOp = parametric('elu', (dy, x, _y, alpha) => {
  const positive = gt(x, 0);
  return where(positive, dy, mul(dy, mul(exp(where(positive, 0, x)), alpha)));
});
/**
 * x where x > 0, else α(eˣ − 1) (default α = 1, as PyTorch).
 *
 * @example
 * elu(tensor([2, -1])); // [2, -0.6321]
 */
export const elu = (x: Tensor, alpha = 1): Tensor => apply(eluOp, [expectTensor('elu', x)], { p: finite('elu', alpha, 'alpha') });
