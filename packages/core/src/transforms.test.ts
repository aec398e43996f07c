import { describe, it, expect } from 'vitest';
import { List, OrderedMap } from 'immutable';
import {
  tensor, randn, Generator, grad, valueAndGrad, vjp, jvp, jacobian, hessian, logsumexp, softmax,
  Tensor, TapegradError, type NestedArray,
} from '@tapegrad/core';

const f64 = (data: NestedArray, requiresGrad = false): Tensor => tensor(data, { dtype: 'float64', requiresGrad });
const vals = (t: unknown): NestedArray => (t as Tensor).toArray();

/** Elementwise closeness to `digits` decimals (toBeCloseTo) over nested arrays of the same shape. */
function expectClose(actual: NestedArray, expected: NestedArray, digits = 12, path = ''): void {
  if (typeof expected === 'number') {
    expect(actual, path).toBeTypeOf('number');
    expect(actual as number, path).toBeCloseTo(expected, digits);
    return;
  }
  expect(Array.isArray(actual) && actual.length === expected.length, `${path}: ${JSON.stringify(actual)}`).toBe(true);
  expected.forEach((e, i) => expectClose((actual as NestedArray[])[i], e, digits, `${path}[${i}]`));
}

type M = number[][];
const outer = (a: number[], b: number[]): M => a.map((u) => b.map((v) => u * v));
const diag = (a: number[]): M => a.map((u, i) => a.map((_, j) => (i === j ? u : 0)));
const matvec = (A: M, v: number[]): number[] => A.map((r) => r.reduce((s, a, j) => s + a * v[j], 0));
const sig = (x: number): number => 1 / (1 + Math.exp(-x));
const softmaxOf = (x: number[]): number[] => {
  const e = x.map(Math.exp), s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
};

describe('grad and valueAndGrad', () => {
  const f = (a: Tensor, b: Tensor) => a.square().mul(b).sum(); // ∂/∂a = 2ab, ∂/∂b = a²
  const a = f64([1, -2, 0.5]), b = f64([3, 0.25, -4]);

  it('differentiates w.r.t. argnums given as a number or an array', () => {
    expect(vals(grad(f)(a, b))).toEqual([6, -1, -4]);
    expect(vals(grad(f, 1)(a, b))).toEqual([1, 4, 0.25]);
    const [ga, gb] = grad(f, [0, 1])(a, b);
    expect(vals(ga)).toEqual([6, -1, -4]);
    expect(vals(gb)).toEqual([1, 4, 0.25]);
    const one = grad(f, [1])(a, b);
    expect(Array.isArray(one) && one.length === 1).toBe(true);
    expect(vals(one[0])).toEqual([1, 4, 0.25]);
  });

  it('valueAndGrad returns the value, detached, with the gradient', () => {
    const [v, g] = valueAndGrad(f, [0, 1])(a, b) as [Tensor, Tensor[]];
    expect(v.item()).toBeCloseTo(3 + 1 - 1, 14);
    expect(v.requiresGrad).toBe(false);
    expect(vals(g[0])).toEqual([6, -1, -4]);
    expect(g.every((t) => !t.requiresGrad)).toBe(true);
    expect(a.requiresGrad || b.requiresGrad).toBe(false); // arguments are not changed
  });

  it('hasAux: grad gives [g, aux], valueAndGrad gives [[value, aux], g] (JAX)', () => {
    const h = (x: Tensor) => {
      const y = x.exp();
      return [y.sum(), { y, label: 'exp' }] as const;
    };
    const x = f64([0, 1]);
    const [g, aux] = grad(h, 0, { hasAux: true })(x);
    expectClose(vals(g), [1, Math.E], 14);
    expect(aux.label).toBe('exp');
    expectClose(vals(aux.y), [1, Math.E], 14);
    expect(aux.y.requiresGrad).toBe(false); // aux is not differentiated: detached at top level
    const [[v, aux2], g2] = valueAndGrad(h, 0, { hasAux: true })(x) as [[Tensor, { label: string }], Tensor];
    expect(v.item()).toBeCloseTo(1 + Math.E, 14);
    expect(aux2.label).toBe('exp');
    expectClose(vals(g2), [1, Math.E], 14);
    expect(() => grad((t: Tensor) => t.sum(), 0, { hasAux: true })(x)).toThrow(TapegradError);
  });

  it('gives a gradient with the structure of a pytree argument, key order kept, zeros where unused', () => {
    const params = {
      W: f64([[1, 2], [3, 4]]),
      layers: [f64([0.5]), f64([-1, 1])],
      m: OrderedMap<string, Tensor>([['z', f64([2])], ['a', f64([3])]]),
      l: List([f64([7])]),
      unused: f64([9, 9, 9]),
      none: null,
    };
    const loss = (p: typeof params) =>
      p.W.sum().mul(p.layers[0].sum()).add(p.layers[1].square().sum())
        .add(p.m.get('z')!.mul(p.m.get('a')!).sum()).add(p.l.get(0)!.mul(2).sum());
    const g = grad(loss)(params);
    expect(Object.keys(g)).toEqual(['W', 'layers', 'm', 'l', 'unused', 'none']);
    expect(vals(g.W)).toEqual([[0.5, 0.5], [0.5, 0.5]]); // ∂(ΣW·s)/∂W = s
    expect(vals(g.layers[0])).toEqual([10]);
    expect(vals(g.layers[1])).toEqual([-2, 2]);
    expect(OrderedMap.isOrderedMap(g.m)).toBe(true);
    expect(g.m.keySeq().toArray()).toEqual(['z', 'a']);
    expect(vals(g.m.get('z'))).toEqual([3]);
    expect(vals(g.m.get('a'))).toEqual([2]);
    expect(List.isList(g.l)).toBe(true);
    expect(vals(g.l.get(0))).toEqual([2]);
    expect(vals(g.unused)).toEqual([0, 0, 0]);
    expect(g.unused.dtype).toBe('float64');
    expect(g.none).toBe(null); // null and undefined are empty subtrees
  });

  it('refuses to differentiate with respect to something that is not a tensor (issue 8: it came back as its own gradient)', () => {
    const x = f64([1, 2]);
    const cases: [() => unknown, string][] = [
      [() => grad((v: number) => tensor(v, { dtype: 'float64' }).square())(3), "grad: argument 'args[0]': args[0] is 3: only tensors"],
      [() => grad((_p: object, t: Tensor) => t.sum())({}, x), "grad: argument 'args[0]': holds no tensor to differentiate (got an object)"],
      [() => grad((p: { w: Tensor; k: number }) => p.w.mul(p.k).sum())({ w: x, k: 2 }), "grad: argument 'args[0]': args[0].k is 2: only tensors"],
      [() => grad((p: { w: Tensor; s: string }) => p.w.sum())({ w: x, s: 'relu' }), 'args[0].s is "relu"'],
      [() => grad((m: Map<string, Tensor>) => m.get('w')!.sum())(new Map([['w', x]])), "args[0] is a Map: only tensors"],
      [() => grad((xs: (Tensor | number)[]) => (xs[0] as Tensor).sum())([x, 1]), 'args[0][1] is 1'],
      [() => vjp((v: Tensor) => v.sum().item(), x), "vjp: argument 'f': the function must return a Tensor or a tree of Tensors, got 3"],
      [() => grad(5 as unknown as (t: Tensor) => Tensor), "grad: argument 'f': expected a function, got 5"],
      [() => grad((t: Tensor) => t.sum(), null as unknown as 0)(x), "grad: argument 'argnums': expected an argument position or an array of them, got null"],
      [() => jacobian(null as unknown as (t: Tensor) => Tensor), "jacobian: argument 'f': expected a function, got null"],
    ];
    for (const [call, words] of cases) expect(call).toThrow(words);
    for (const [call] of cases) expect(call).toThrow(TapegradError);
  });

  it('a repeated argnum gets the same gradient in each position (issue 8: the first got zeros)', () => {
    const [g0, g1] = grad((v: Tensor) => v.square().sum(), [0, 0])(f64([3]));
    expect(vals(g0)).toEqual([6]);
    expect(vals(g1)).toEqual([6]);
  });

  it('a function that closes over tracked tensors is differentiated w.r.t. its argument only, leaving them clean', () => {
    const W = f64([[2, 0], [1, 3]], true);
    const f = (x: Tensor) => W.matmul(x).square().sum();
    const x = f64([[1], [2]]);
    // d/dx Σ(Wx)² = 2Wᵀ(Wx), Wx = [2, 7]: 2·[2·2 + 1·7, 3·7] = [22, 42]
    expect(vals(grad(f)(x))).toEqual([[22], [42]]);
    expect(W.grad).toBeNull();
    // a later backward() sees no cotangent left over on W: d/dW Σ(Wx)² = 2(Wx)xᵀ = [[4, 8], [14, 28]]
    f(x).backward();
    expect(vals(W.grad)).toEqual([[4, 8], [14, 28]]);
  });

  it('gives zeros for an unused argument', () => {
    const [, gb] = grad((x: Tensor, _y: Tensor) => x.sum(), [0, 1])(a, f64([[1, 2], [3, 4]]));
    expect(gb.shape).toEqual([2, 2]);
    expect(vals(gb)).toEqual([[0, 0], [0, 0]]);
  });

  it('rejects a non-scalar output and bad argnums with TapegradErrors', () => {
    expect(() => grad((x: Tensor) => x.mul(2))(a)).toThrow(TapegradError);
    expect(() => grad((x: Tensor) => x.mul(2))(a)).toThrow(/grad.*scalar.*\[3\]/);
    for (const bad of [2, -1, 0.5, [0, 5]]) {
      expect(() => grad(f, bad)(a, b)).toThrow(TapegradError);
      expect(() => grad(f, bad)(a, b)).toThrow(/argnums/);
    }
  });
});

describe('higher order', () => {
  const at = [-1.3, 0.4, 2.1];
  const x = f64(at);
  const d = (fn: (t: Tensor) => Tensor) => grad((t: Tensor) => fn(t).sum());
  const d2 = (fn: (t: Tensor) => Tensor) => grad((t: Tensor) => d(fn)(t).sum());
  const d3 = (fn: (t: Tensor) => Tensor) => grad((t: Tensor) => d2(fn)(t).sum());

  it('grad(grad(f)) of a polynomial: (x⁴ − 3x² + 2x)″ = 12x² − 6', () => {
    const p = (t: Tensor) => t.pow(4).sub(t.square().mul(3)).add(t.mul(2));
    expectClose(vals(d(p)(x)), at.map((v) => 4 * v ** 3 - 6 * v + 2), 12);
    expectClose(vals(d2(p)(x)), at.map((v) => 12 * v * v - 6), 12);
  });

  it('grad(grad(f)) of exp, log, tanh and sigmoid compositions', () => {
    // softplus = log(1 + eˣ): f′ = σ, f″ = σ(1 − σ)
    expectClose(vals(d2((t) => t.exp().add(1).log())(x)), at.map((v) => sig(v) * (1 - sig(v))), 12);
    // exp(tanh x): f″ = e^τ (1 − τ²)(1 − τ² − 2τ),  τ = tanh x
    expectClose(vals(d2((t) => t.tanh().exp())(x)), at.map((v) => {
      const T = Math.tanh(v);
      return Math.exp(T) * (1 - T * T) * (1 - T * T - 2 * T);
    }), 12);
    // σ(x)·tanh(x): f″ = σ′′τ + 2σ′τ′ + στ″ with σ′ = σ(1−σ), σ″ = σ′(1−2σ), τ′ = 1−τ², τ″ = −2ττ′
    expectClose(vals(d2((t) => t.sigmoid().mul(t.tanh()))(x)), at.map((v) => {
      const s = sig(v), T = Math.tanh(v), s1 = s * (1 - s), t1 = 1 - T * T;
      return s1 * (1 - 2 * s) * T + 2 * s1 * t1 + s * (-2 * T * t1);
    }), 12);
  });

  it('third derivatives: (x⁵)‴ = 60x², (e^{2x})‴ = 8e^{2x}, (log x)‴ = 2/x³', () => {
    expectClose(vals(d3((t) => t.pow(5))(x)), at.map((v) => 60 * v * v), 11);
    expectClose(vals(d3((t) => t.mul(2).exp())(x)), at.map((v) => 8 * Math.exp(2 * v)), 11);
    const pos = f64([0.5, 1, 3]);
    expectClose(vals(d3((t) => t.log())(pos)), [0.5, 1, 3].map((v) => 2 / v ** 3), 11);
  });

  it('hessian of Σx³ is diag(6x)', () => {
    const H = hessian((t: Tensor) => t.pow(3).sum())(x);
    expect(H.shape).toEqual([3, 3]);
    expectClose(vals(H), diag(at.map((v) => 6 * v)), 12);
    expect(H.requiresGrad).toBe(false);
  });

  const A: M = [[2, -1, 0.5], [3, 1, -2], [0, 4, 1.5]]; // not symmetric
  const quad = (t: Tensor) => t.matmul(f64(A).matmul(t)).mul(0.5); // ½ xᵀAx
  const sym = A.map((r, i) => r.map((v, j) => (v + A[j][i]) / 2));

  it('hessian of ½xᵀAx is (A + Aᵀ)/2, and of logsumexp is diag(p) − ppᵀ', () => {
    expectClose(vals(hessian(quad)(x)), sym, 12);
    const p = softmaxOf(at);
    const lse = outer(p, p).map((r, i) => r.map((v, j) => (i === j ? p[i] : 0) - v));
    expectClose(vals(hessian((t: Tensor) => logsumexp(t))(x)), lse, 12);
  });

  it('a Hessian-vector product, as grad of ⟨grad f, v⟩, equals H·v', () => {
    const v = [0.3, -1.1, 0.7];
    const f = (t: Tensor) => logsumexp(t).add(quad(t));
    const Hv = grad((t: Tensor) => grad(f)(t).mul(f64(v)).sum())(x);
    const p = softmaxOf(at);
    const H = sym.map((r, i) => r.map((s, j) => s + (i === j ? p[i] : 0) - p[i] * p[j]));
    expectClose(vals(Hv), matvec(H, v), 12);
    expectClose(vals(hessian(f)(x)), H, 12);
  });

  it('hessian with array argnums gives nested blocks', () => {
    // f = Σx² · Σy³: H_xx = 2Σy³ I, H_xy = 2x ⊗ 3y², H_yx = its transpose, H_yy = diag(6y Σx²)
    const xs = [0.5, -2], ys = [1, -0.5, 3];
    const f = (u: Tensor, w: Tensor) => u.square().sum().mul(w.pow(3).sum());
    const H = hessian(f, [0, 1])(f64(xs), f64(ys)) as Tensor[][];
    const S2 = xs.reduce((s, v) => s + v * v, 0), S3 = ys.reduce((s, v) => s + v ** 3, 0);
    const xy = outer(xs.map((v) => 2 * v), ys.map((v) => 3 * v * v));
    expect(H[0][1].shape).toEqual([2, 3]);
    expect(H[1][0].shape).toEqual([3, 2]);
    expectClose(vals(H[0][0]), diag([2 * S3, 2 * S3]), 12);
    expectClose(vals(H[0][1]), xy, 12);
    expectClose(vals(H[1][0]), xy[0].map((_, j) => xy.map((r) => r[j])), 12);
    expectClose(vals(H[1][1]), diag(ys.map((v) => 6 * v * S2)), 12);
  });

  it('avoids perturbation confusion: d/dx [x · d/dy (x·y)](c) = 2x', () => {
    const c = f64(5);
    const g = grad((t: Tensor) => t.mul(grad((y: Tensor) => t.mul(y))(c)))(f64(3));
    expect(g.item()).toBeCloseTo(6, 14);
  });
});

describe('vjp', () => {
  const W = f64([[0.5, -1, 2], [1.5, 0.25, -0.75]]), xv = [0.2, -0.4, 1.1];
  const f = (w: Tensor, x: Tensor) => w.matmul(x).tanh(); // y = tanh(W·x)

  it('returns the output and a vjpFn for every primal: dW = (c ⊙ (1 − y²)) xᵀ, dx = Wᵀ(c ⊙ (1 − y²))', () => {
    const [y, back] = vjp(f, W, f64(xv));
    const z = matvec(W.toArray() as M, xv), yv = z.map(Math.tanh);
    expectClose(vals(y), yv, 14);
    expect(y.requiresGrad).toBe(false);
    const c = [2, -3];
    const dz = c.map((ci, i) => ci * (1 - yv[i] * yv[i]));
    const [dW, dx] = back(f64(c));
    expectClose(vals(dW), outer(dz, xv), 13);
    expectClose(vals(dx), matvec((W.toArray() as M)[0].map((_, j) => (W.toArray() as M).map((r) => r[j])), dz), 13);
    const [dW2, dx2] = back(f64(c)); // a second call gives the same result
    expect(vals(dW2)).toEqual(vals(dW));
    expect(vals(dx2)).toEqual(vals(dx));
  });

  it('rejects a cotangent of the wrong shape', () => {
    const [, back] = vjp(f, W, f64(xv));
    expect(() => back(f64([1, 2, 3]))).toThrow(TapegradError);
    expect(() => back(f64([[1, 2]]))).toThrow(/cotangent.*\[1, 2\].*\[2\]/);
  });

  it('handles a function with an array of outputs: dx = c₁ ⊙ eˣ + c₂ · 2x', () => {
    const xs = [0.1, -0.6];
    const [out, back] = vjp((x: Tensor) => [x.exp(), x.square().sum()], f64(xs));
    expect(out.length).toBe(2);
    expectClose(vals(out[1]), 0.37, 14);
    const [dx] = back([f64([1.5, -2]), f64(0.5)]);
    expectClose(vals(dx), xs.map((v, i) => [1.5, -2][i] * Math.exp(v) + 0.5 * 2 * v), 14);
  });
});

describe('jvp', () => {
  const xs = [0.3, -1.2, 2.0], ts = [1, 0.5, -2];

  it('matches closed forms for elementwise functions', () => {
    // d[x eˣ] = (1 + x) eˣ t;  d tanh = (1 − tanh²) t;  d σ = σ(1 − σ) t
    const [y, dy] = jvp((x: Tensor) => x.exp().mul(x), [f64(xs)], [f64(ts)]);
    expectClose(vals(y), xs.map((v) => v * Math.exp(v)), 14);
    expect(y.requiresGrad).toBe(false);
    expectClose(vals(dy), xs.map((v, i) => (1 + v) * Math.exp(v) * ts[i]), 13);
    expect(dy.requiresGrad).toBe(false);
    expectClose(vals(jvp((x: Tensor) => x.tanh(), [f64(xs)], [f64(ts)])[1]), xs.map((v, i) => (1 - Math.tanh(v) ** 2) * ts[i]), 13);
    expectClose(vals(jvp((x: Tensor) => x.sigmoid(), [f64(xs)], [f64(ts)])[1]), xs.map((v, i) => sig(v) * (1 - sig(v)) * ts[i]), 13);
  });

  it('of X ↦ X·B is T·B, and of B ↦ X·B is X·T', () => {
    const X = [[1, 2], [3, -1]], B = [[0.5, -1, 2], [1, 0, -0.5]], TX = [[0.1, 0.2], [-0.3, 1]], TB = [[1, 1, 0], [0, 2, -1]];
    const mm = (P: M, Q: M): M => P.map((r) => Q[0].map((_, j) => r.reduce((s, v, k) => s + v * Q[k][j], 0)));
    expectClose(vals(jvp((x: Tensor) => x.matmul(f64(B)), [f64(X)], [f64(TX)])[1]), mm(TX, B), 14);
    expectClose(vals(jvp((b: Tensor) => f64(X).matmul(b), [f64(B)], [f64(TB)])[1]), mm(X, TB), 14);
  });

  it('takes several primals: d(a ⊙ b + a²) = (b + 2a) tₐ + a t_b', () => {
    const a = [1, -2], b = [0.5, 3], ta = [1, 2], tb = [-1, 0.25];
    const [, dy] = jvp((p: Tensor, q: Tensor) => p.mul(q).add(p.square()), [f64(a), f64(b)], [f64(ta), f64(tb)]);
    expectClose(vals(dy), a.map((v, i) => (b[i] + 2 * v) * ta[i] + v * tb[i]), 14);
  });

  it('agrees with jacobian · tangent on random inputs', () => {
    const g = new Generator(7);
    const W = randn([4, 3], { dtype: 'float64', generator: g });
    const f = (x: Tensor) => softmax(W.matmul(x).tanh(), 0);
    for (let trial = 0; trial < 5; trial++) {
      const x = randn([3], { dtype: 'float64', generator: g }), t = randn([3], { dtype: 'float64', generator: g });
      const J = jacobian(f)(x);
      expect(J.shape).toEqual([4, 3]);
      expectClose(vals(jvp(f, [x], [t])[1]), matvec(J.toArray() as M, Array.from(t.data)), 13);
    }
  });

  it('works inside grad: d/dx Σ jvp(x³)(v) = d/dx Σ 3x² v = 6x v', () => {
    const v = [2, -1, 0.5];
    const g = grad((x: Tensor) => jvp((y: Tensor) => y.pow(3), [x], [f64(v)])[1].sum())(f64(xs));
    expectClose(vals(g), xs.map((u, i) => 6 * u * v[i]), 13);
  });
});

describe('jacobian', () => {
  it('has shape out.shape ++ in.shape: ∂(Σ₀X)_j/∂X_ik = δ_jk', () => {
    const J = jacobian((X: Tensor) => X.sum(0))(f64([[1, 2, 3], [4, 5, 6]]));
    expect(J.shape).toEqual([3, 2, 3]);
    expect(vals(J)).toEqual([0, 1, 2].map((j) => [0, 1].map(() => [0, 1, 2].map((k) => (j === k ? 1 : 0)))));
    expect(J.requiresGrad).toBe(false);
  });

  it('of softmax is diag(p) − ppᵀ', () => {
    const z = [0.5, -1, 2, 0];
    const p = softmaxOf(z);
    const expected = outer(p, p).map((r, i) => r.map((v, j) => (i === j ? p[i] : 0) - v));
    expectClose(vals(jacobian((t: Tensor) => softmax(t))(f64(z))), expected, 14);
  });

  it('takes array argnums and functions returning an array of tensors', () => {
    const a = [1, -2, 3], b = [0.5, 4, -1];
    const [Ja, Jb] = jacobian((p: Tensor, q: Tensor) => p.mul(q), [0, 1])(f64(a), f64(b)) as Tensor[];
    expectClose(vals(Ja), diag(b), 15);
    expectClose(vals(Jb), diag(a), 15);
    const [J1, J2] = jacobian((x: Tensor) => [x.exp(), x.square().sum()])(f64(a)) as Tensor[];
    expectClose(vals(J1), diag(a.map(Math.exp)), 12);
    expect(J2.shape).toEqual([3]);
    expectClose(vals(J2), a.map((v) => 2 * v), 14);
  });
});

describe('mixing transforms with .backward()', () => {
  it('grad(f) of a tracked tensor stays on the tape, so backward gives the second derivative', () => {
    const x = f64([0.5, -1.5], true);
    const g = grad((t: Tensor) => t.pow(3).sum())(x); // 3x²
    expect(g.requiresGrad).toBe(true);
    expectClose(vals(g), [0.75, 6.75], 14);
    g.sum().backward();
    expectClose(vals(x.grad), [3, -9], 14); // 6x
  });

  it('hessian of a tracked tensor, or inside grad, is recorded too: ∂/∂x Σ diag(6x) = 6, ∂/∂x Σ diag(12x²) = 24x', () => {
    const x = f64([1, 2], true);
    const H = hessian((t: Tensor) => t.pow(3).sum())(x);
    expect(H.requiresGrad).toBe(true);
    H.sum().backward();
    expectClose(vals(x.grad), [6, 6], 13);
    expectClose(vals(grad((t: Tensor) => hessian((u: Tensor) => u.pow(4).sum())(t).sum())(f64([1, 2]))), [24, 48], 12);
  });
});
