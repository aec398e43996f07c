/**
 * Known values of the transcendental and activation primitives (log1p … elu, floor/ceil/round) and of
 * argmin: values and first derivatives against PyTorch, both dtypes, and the edge cases where
 * implementations part ways (infinities, ±1000, ties, the kinks at 0).
 */
import { describe, expect, it } from 'vitest';
import {
  argmin, atan, ceil, cos, elu, erf, expm1, floor, gelu, grad, leakyRelu, log1p, logSigmoid, round, ShapeError, silu, sin,
  softplus, TapegradError, tensor, Tensor,
} from '@tapegrad/core';

type Op = (x: Tensor) => Tensor;
const f64 = (xs: readonly number[], requiresGrad = false) => tensor(xs, { dtype: 'float64', requiresGrad });
const f32 = (xs: readonly number[]) => tensor(xs, { dtype: 'float32' });
const vals = (t: Tensor): number[] => Array.from(t.data);
/** d/dx of Σ f(x), i.e. f'(x) elementwise. */
const derivative = (f: Op, x: Tensor): Tensor => grad((t: Tensor) => f(t).sum())(x);

/** |a − e| ≤ rel·|e| (plus a hair for e = 0), element by element, naming the element that fails. */
function expectNear(actual: readonly number[], expected: readonly number[], rel: number, what: string): void {
  expect(actual.length, what).toBe(expected.length);
  actual.forEach((a, i) => {
    const e = expected[i];
    if (Number.isNaN(e) || !Number.isFinite(e)) expect(a, `${what}[${i}]`).toBe(e);
    else expect(Math.abs(a - e), `${what}[${i}]: got ${a}, expected ${e}`).toBeLessThanOrEqual(rel * Math.abs(e) + 1e-300);
  });
}

// PyTorch 1.13.1, float64 (python3, 2026-11-30): for each op, y = f(x) and dy = x.grad after f(x).sum().backward():
//   x = torch.tensor(xs, dtype=torch.float64, requires_grad=True); y = f(x); y.sum().backward()
// with f = torch.log1p, torch.expm1, torch.sin, torch.cos, torch.atan, torch.erf, F.softplus, F.logsigmoid, F.gelu,
// F.gelu(approximate='tanh'), F.silu, F.leaky_relu(x, 0.2), F.elu(x, 1.5); printed with repr(). dy32 is
// PyTorch's derivative with dtype=torch.float32 (its float32 rounding error is the float32 bar below).
const TORCH: Record<string, { f: Op; x: number[]; y: number[]; dy: number[]; dy32: number[] }> = {
  log1p: {
    f: log1p,
    x: [-0.75, -1e-10, 0, 1e-10, 0.5, 1, 3],
    y: [-1.3862943611198906, -1.00000000005e-10, 0, 9.999999999500001e-11, 0.4054651081081644, 0.6931471805599453, 1.3862943611198906],
    dy: [4, 1.0000000001, 1, 0.9999999999, 0.6666666666666666, 0.5, 0.25],
    dy32: [4, 1, 1, 1, 0.6666666865348816, 0.5, 0.25],
  },
  expm1: {
    f: expm1,
    x: [-3, -1e-10, 0, 1e-10, 0.5, 1, 2.5],
    y: [-0.950212931632136, -9.999999999500001e-11, 0, 1.00000000005e-10, 0.6487212707001282, 1.7182818284590453, 11.182493960703473],
    dy: [0.04978706836786395, 0.9999999999, 1, 1.0000000001, 1.6487212707001282, 2.7182818284590455, 12.182493960703473],
    dy32: [0.049787044525146484, 1, 1, 1, 1.6487212181091309, 2.7182817459106445, 12.182494163513184],
  },
  sin: {
    f: sin,
    x: [-3, -1.5, -0.5, 0, 0.25, 1, 2.5],
    y: [-0.1411200080598672, -0.9974949866040544, -0.479425538604203, 0, 0.24740395925452294, 0.8414709848078965, 0.5984721441039564],
    dy: [-0.9899924966004454, 0.0707372016677029, 0.8775825618903728, 1, 0.9689124217106447, 0.5403023058681398, -0.8011436155469337],
    dy32: [-0.9899924993515015, 0.07073719799518585, 0.8775825500488281, 1, 0.9689124226570129, 0.5403023362159729, -0.8011435866355896],
  },
  cos: {
    f: cos,
    x: [-3, -1.5, -0.5, 0, 0.25, 1, 2.5],
    y: [-0.9899924966004454, 0.0707372016677029, 0.8775825618903728, 1, 0.9689124217106447, 0.5403023058681398, -0.8011436155469337],
    dy: [0.1411200080598672, 0.9974949866040544, 0.479425538604203, -0, -0.24740395925452294, -0.8414709848078965, -0.5984721441039564],
    dy32: [0.14112000167369843, 0.9974949955940247, 0.4794255495071411, -0, -0.24740396440029144, -0.8414709568023682, -0.5984721183776855],
  },
  atan: {
    f: atan,
    x: [-3, -1.5, -0.5, 0, 0.25, 1, 2.5],
    y: [-1.2490457723982544, -0.982793723247329, -0.4636476090008061, 0, 0.24497866312686414, 0.7853981633974483, 1.1902899496825317],
    dy: [0.1, 0.3076923076923077, 0.8, 1, 0.9411764705882353, 0.5, 0.13793103448275862],
    dy32: [0.10000000149011612, 0.3076923191547394, 0.800000011920929, 1, 0.9411764740943909, 0.5, 0.13793103396892548],
  },
  erf: {
    f: erf,
    x: [-3, -1.5, -0.5, 0, 0.25, 1, 2.5],
    y: [-0.9999779095030014, -0.9661051464753108, -0.5204998778130465, 0, 0.27632639016823696, 0.8427007929497149, 0.999593047982555],
    dy: [0.00013925305194674786, 0.11893028922362936, 0.8787825789354448, 1.1283791670955126, 1.0600141293761143, 0.4151074974205947, 0.00217828423035271],
    dy32: [0.00013925305393058807, 0.11893029510974884, 0.8787826299667358, 1.128379225730896, 1.060014247894287, 0.41510751843452454, 0.002178284339606762],
  },
  softplus: {
    f: softplus,
    x: [-3, -1.5, -0.5, 0, 0.25, 1, 2.5],
    y: [0.04858735157374206, 0.2014132779827524, 0.4740769841801067, 0.6931471805599453, 0.8259394198788436, 1.3132616875182228, 2.5788897342925496],
    dy: [0.04742587317756679, 0.18242552380635632, 0.37754066879814546, 0.5, 0.5621765008857981, 0.7310585786300049, 0.9241418199787564],
    dy32: [0.04742587357759476, 0.18242551386356354, 0.3775406777858734, 0.5, 0.562176525592804, 0.7310585975646973, 0.9241418242454529],
  },
  logSigmoid: {
    f: logSigmoid,
    x: [-3, -1.5, -0.5, 0, 0.25, 1, 2.5],
    y: [-3.048587351573742, -1.7014132779827524, -0.9740769841801067, -0.6931471805599453, -0.5759394198788436, -0.31326168751822286, -0.07888973429254963],
    dy: [0.9525741268224333, 0.8175744761936437, 0.6224593312018545, 0.5, 0.4378234991142019, 0.2689414213699951, 0.07585818002124356],
    dy32: [0.9525741338729858, 0.8175745010375977, 0.6224592924118042, 0.5, 0.43782350420951843, 0.2689414322376251, 0.07585817575454712],
  },
  gelu: {
    f: (x) => gelu(x),
    x: [-3, -1.5, -0.5, 0, 0.25, 1, 2.5],
    y: [-0.00404969409489031, -0.10021080190328704, -0.15426876936299344, 0, 0.14967658142073093, 0.841344746068543, 2.4844758366855597],
    dy: [-0.01194564720418392, -0.1274691922299796, 0.13250487534383712, 0.5, 0.695373354883636, 1.0833154705876864, 1.037611085908145],
    dy32: [-0.011945605278015137, -0.12746915221214294, 0.1325049102306366, 0.5, 0.6953732967376709, 1.083315372467041, 1.0376110076904297],
  },
  geluTanh: {
    f: (x) => gelu(x, { approximate: 'tanh' }),
    x: [-3, -1.5, -0.5, 0, 0.25, 1, 2.5],
    y: [-0.0036373920817729943, -0.10042842301976707, -0.15428599017485606, 0, 0.149675350701685, 0.8411919906082768, 2.484915733910001],
    // the exact derivative (mpmath, 50 digits): PyTorch's −0.011584166630969648 at x = −3 is 6.7e-15 off (1 + tanh u cancels)
    dy: [-0.011584166630969728, -0.12771079315143308, 0.1326300964653577, 0.5, 0.6953540951510604, 1.0829640838457826, 1.037951576212666],
    dy32: [-0.011584296822547913, -0.12771081924438477, 0.1326301097869873, 0.5, 0.6953541040420532, 1.0829640626907349, 1.0379517078399658],
  },
  silu: {
    f: silu,
    x: [-3, -1.5, -0.5, 0, 0.25, 1, 2.5],
    y: [-0.14227761953270035, -0.2736382857095345, -0.1887703343990727, 0, 0.14054412522144952, 0.7310585786300049, 2.3103545499468914],
    dy: [-0.08810410601516962, -0.041294154299142946, 0.2600388126973482, 0.5, 0.6237100215701977, 0.9276705118714869, 1.0994011113415267],
    dy32: [-0.08810410648584366, -0.0412941612303257, 0.260038822889328, 0.5, 0.623710036277771, 0.9276705384254456, 1.0994011163711548],
  },
  leakyRelu: {
    f: (x) => leakyRelu(x, 0.2),
    x: [-3, -1.5, -0.5, 0, 0.25, 1, 2.5],
    y: [-0.6000000000000001, -0.30000000000000004, -0.1, 0, 0.25, 1, 2.5],
    dy: [0.2, 0.2, 0.2, 0.2, 1, 1, 1],
    dy32: [0.20000000298023224, 0.20000000298023224, 0.20000000298023224, 0.20000000298023224, 1, 1, 1],
  },
  elu: {
    f: (x) => elu(x, 1.5),
    x: [-3, -1.5, -0.5, 0, 0.25, 1, 2.5],
    y: [-1.4253193974482041, -1.1653047597773554, -0.5902040104310499, 0, 0.25, 1, 2.5],
    dy: [0.07468060255179591, 0.33469524022264474, 0.9097959895689501, 1.5, 1, 1, 1],
    dy32: [0.07468059659004211, 0.3346952497959137, 0.9097959995269775, 1.5, 1, 1, 1],
  },
};

describe('elementwise ops against PyTorch 1.13 (float64 values and derivatives)', () => {
  for (const [name, { f, x, y, dy }] of Object.entries(TORCH)) {
    it(name, () => {
      // V8's and glibc's libm may differ by an ulp or two; a VJP built from several ops adds a few more
      expectNear(vals(f(f64(x))), y, 4e-16 * 4, `${name}(x)`);
      expectNear(vals(derivative(f, f64(x, true))), dy, 4e-16 * 8, `${name}'(x)`);
    });
  }
});

describe('float32: the value is the float64 one rounded once, the derivative as close as PyTorch’s float32 one', () => {
  for (const [name, { f, x, y, dy, dy32 }] of Object.entries(TORCH)) {
    it(name, () => {
      const x32 = f32(x);
      const out = f(x32);
      expect(out.dtype).toBe('float32');
      expect(vals(out), `${name}(x) in float32`).toEqual(vals(f(f64(Array.from(x32.data)))).map(Math.fround));
      // against PyTorch's float64 values: x itself was rounded to float32 (≤ 2⁻²⁴ relative), then y
      expectNear(vals(out), y, 2 ** -22, `${name}(x) in float32 vs float64`);
      const d = derivative(f, tensor(Array.from(x32.data), { requiresGrad: true }));
      expect(d.dtype).toBe('float32');
      // no further from the float64 derivative than PyTorch's float32 one, or than 2⁻²² relative
      vals(d).forEach((v, i) => {
        const bar = Math.max(Math.abs(dy32[i] - dy[i]), 2 ** -22 * Math.abs(dy[i]));
        expect(Math.abs(v - dy[i]), `${name}'(${x[i]}) in float32: got ${v}, float64 ${dy[i]}, PyTorch float32 ${dy32[i]}`).toBeLessThanOrEqual(bar);
      });
    });
  }
});

describe('erf at the edges (both dtypes)', () => {
  for (const dtype of ['float64', 'float32'] as const) {
    it(`${dtype}: ±0 keep their sign, ±6 and ±∞ give ±1, NaN gives NaN; the derivative is 2/√π at 0 and 0 at ±∞`, () => {
      const x = tensor([-Infinity, -6, -0, 0, 6, Infinity, NaN], { dtype, requiresGrad: true });
      const y = vals(erf(x));
      expect(y.slice(0, 6)).toEqual([-1, -1, -0, 0, 1, 1]);
      expect(Object.is(y[2], -0) && Object.is(y[3], 0)).toBe(true);
      expect(y[6]).toBeNaN();
      const d = vals(derivative(erf, x));
      // PyTorch 1.13: [0, 2.6173012392492645e-16, 1.1283791670955126, 1.1283791670955126, 2.6173…e-16, 0, NaN]
      expectNear(d.slice(0, 6), [0, 2.6173012392492645e-16, 2 / Math.sqrt(Math.PI), 2 / Math.sqrt(Math.PI), 2.6173012392492645e-16, 0], dtype === 'float64' ? 4e-16 : 2 ** -23, 'erf\'');
      expect(d[6]).toBeNaN();
    });
  }

  it('tiny x: erf(x) = 2x/√π without underflowing to 0 (float64 1e-300, float32 subnormal 1e-40)', () => {
    expect(erf(f64([1e-300])).item()).toBe((2 / Math.sqrt(Math.PI)) * 1e-300); // math.erf(1e-300) = 1.1283791670955126e-300
    // PyTorch float32: 1.1283675624282725e-40 (a subnormal: the rounding of 2x/√π to float32's spacing there)
    expect(erf(f32([1e-40])).item()).toBe(1.1283675624282725e-40);
  });
});

describe('softplus and logSigmoid stay finite at ±1000, with finite gradients (both dtypes)', () => {
  for (const dtype of ['float64', 'float32'] as const) {
    it(dtype, () => {
      const x = () => tensor([-1000, 1000], { dtype, requiresGrad: true });
      // PyTorch 1.13, both dtypes: softplus [0, 1000], grad [0, 1]; logsigmoid [−1000, 0], grad [1, 0]
      expect(vals(softplus(x()))).toEqual([0, 1000]);
      expect(vals(derivative(softplus, x()))).toEqual([0, 1]);
      expect(vals(logSigmoid(x()))).toEqual([-1000, 0]);
      expect(vals(derivative(logSigmoid, x()))).toEqual([1, 0]);
    });

    it(`${dtype}: where e^−|x| underflows the result is +0, as PyTorch (not −0 from −softplus(−x))`, () => {
      // PyTorch 1.13, both dtypes, x = [−1000, 1000, −∞, ∞, −1e30, 1e30, −200, 200]: torch.signbit is False at
      // every zero: softplus [0, 1000, 0, ∞, 0, 1e30, s, 200], logsigmoid [−1000, 0, −∞, 0, −1e30, 0, −200, −s]
      // with s = 1.3838965267367376e-87 in float64 and 0 in float32 (e^−200 underflows there)
      const x = tensor([-1000, 1000, -Infinity, Infinity, -1e30, 1e30, -200, 200], { dtype });
      const s = dtype === 'float64' ? 1.3838965267367376e-87 : 0;
      // toEqual compares numbers with Object.is, so it tells +0 from −0
      expect(vals(logSigmoid(x))).toEqual([-1000, 0, -Infinity, 0, x.data[4], 0, -200, dtype === 'float64' ? -s : 0]);
      expect(vals(softplus(x))).toEqual([0, 1000, 0, Infinity, 0, x.data[5], s, 200]);
    });
  }

  it('softplus above 20 is log(1 + eˣ) itself, where PyTorch returns x (its threshold): they differ by log1p(e^−x)', () => {
    // PyTorch: F.softplus(torch.tensor([20.5], dtype=torch.float64)) = 20.5
    expect(softplus(f64([20.5])).item()).toBe(20.5 + Math.log1p(Math.exp(-20.5)));
    // log1p(e^−20.5) = 1.2501528663867426e-9, seen through 20.5's spacing (3.6e-15)
    expect(softplus(f64([20.5])).item() - 20.5).toBeCloseTo(1.2501528663867426e-9, 14);
  });
});

describe('floor, ceil and round', () => {
  const halves = [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5, 0.49999999999999994];
  for (const dtype of ['float64', 'float32'] as const) {
    it(`${dtype}: round sends halves to even and keeps the sign of zero, as PyTorch and NumPy (Math.round would not)`, () => {
      // PyTorch 1.13: torch.round → [−2, −2, −0, 0, 2, 2, 4, 0] (0.49999999999999994 rounds to 0.5 in float32, then to 0)
      const r = vals(round(tensor(halves, { dtype })));
      expect(r).toEqual([-2, -2, -0, 0, 2, 2, 4, 0]);
      expect(Object.is(r[2], -0)).toBe(true);
    });
  }

  it('floor and ceil, with ceil(−0.5) = −0 (PyTorch)', () => {
    expect(vals(floor(f64([-1.5, -0.5, 0.5, 1.5])))).toEqual([-2, -1, 0, 1]);
    const c = vals(ceil(f64([-1.5, -0.5, 0.5, 1.5])));
    expect(c).toEqual([-1, -0, 1, 2]);
    expect(Object.is(c[1], -0)).toBe(true);
  });

  it('have a zero gradient everywhere, at the jumps too (PyTorch)', () => {
    for (const f of [floor, ceil, round]) expect(vals(derivative(f, f64([-1, -0.5, 0, 0.3, 2.5], true)))).toEqual([0, 0, 0, 0, 0]);
  });
});

describe('gelu: the exact form and the tanh approximation', () => {
  it('differ by at most 4.73e-4, at x ≈ −2.699 (PyTorch on the same grid: 0.000473235519323335 at −2.6989)', () => {
    // the grid −10, −9.9999, …, 10 (torch.linspace(−10, 10, 200001))
    const x = tensor(Float64Array.from({ length: 200001 }, (_, i) => -10 + i * 1e-4), { dtype: 'float64' });
    const diff = vals(gelu(x).sub(gelu(x, { approximate: 'tanh' })).abs());
    const at = diff.reduce((best, d, i) => (d > diff[best] ? i : best), 0);
    expect(diff[at]).toBeCloseTo(0.000473235519323335, 15);
    expect(x.data[at]).toBeCloseTo(-2.6989, 10);
  });

  it('rejects an unknown approximation, naming the op and the option', () => {
    expect(() => gelu(f64([1]), { approximate: 'erf' as 'none' })).toThrow(TapegradError);
    expect(() => gelu(f64([1]), { approximate: 'erf' as 'none' })).toThrow(/gelu: argument 'approximate'/);
  });
});

describe('leakyRelu and elu at the kink and in the tails', () => {
  it('the derivative exactly at 0 is the negative side’s, as PyTorch: slope, resp. α', () => {
    expect(vals(derivative((x) => leakyRelu(x), f64([0], true)))).toEqual([0.01]);
    expect(vals(derivative((x) => leakyRelu(x, 0.2), f64([0], true)))).toEqual([0.2]);
    expect(vals(derivative((x) => elu(x), f64([0], true)))).toEqual([1]);
    expect(vals(derivative((x) => elu(x, 1.5), f64([0], true)))).toEqual([1.5]);
  });

  it('elu’s derivative α eˣ does not cancel to 0 far left (PyTorch: 6.372531382937383e-18 at −40; float32 3.0917304272293222e-9 at −20)', () => {
    expectNear(vals(derivative((x) => elu(x, 1.5), f64([-40], true))), [6.372531382937383e-18], 4e-16, "elu'(−40)");
    expectNear(vals(derivative((x) => elu(x, 1.5), tensor([-20], { requiresGrad: true }))), [3.0917304272293222e-9], 2 ** -23, "elu'(−20) float32");
  });

  it('elu’s first and second derivatives are finite for large x (eˣ is never taken of x > 0)', () => {
    const x = f64([800], true);
    expect(vals(derivative((t) => elu(t), x))).toEqual([1]);
    expect(vals(grad((t: Tensor) => derivative((s) => elu(s), t).sum())(x))).toEqual([0]);
  });

  it('reject a non-finite parameter, naming the op and the argument', () => {
    expect(() => leakyRelu(f64([1]), NaN)).toThrow(/leakyRelu: argument 'slope'/);
    expect(() => elu(f64([1]), Infinity)).toThrow(/elu: argument 'alpha'/);
  });
});

describe('argmin', () => {
  const x = f64([[3, 1, 2], [0, 5, 0]] as unknown as number[]);

  it('along an axis, the first index on ties (PyTorch: argmin(x, 1) = [1, 0], argmin(x, 0) = [1, 0, 1])', () => {
    expect(argmin(x, 1).toArray()).toEqual([1, 0]);
    expect(argmin(x, -1).toArray()).toEqual([1, 0]);
    expect(argmin(x, 0).toArray()).toEqual([1, 0, 1]);
    expect(x.argmin(0).toArray()).toEqual([1, 0, 1]);
  });

  it('a NaN is the minimum (the first NaN), as torch.argmin; −∞ and ties of ±0 pick the first', () => {
    expect(argmin(f64([2, NaN, 0, NaN]), 0).item()).toBe(1); // PyTorch: 1
    expect(argmin(f64([Infinity, -Infinity, -Infinity]), 0).item()).toBe(1); // PyTorch: 1
    expect(argmin(f64([0, -0]), 0).item()).toBe(0); // PyTorch: 0
  });

  it('returns indices in x’s dtype, with no gradient', () => {
    const t = tensor([[4, 2]], { requiresGrad: true });
    const i = argmin(t, 1);
    expect(i.dtype).toBe('float32');
    expect(i.requiresGrad).toBe(false);
    expect(argmin(f64([4, 2]), 0).dtype).toBe('float64');
  });

  it('an empty axis or an axis out of range is a ShapeError naming argmin', () => {
    expect(() => argmin(tensor([], { shape: [2, 0] }), 1)).toThrow(ShapeError);
    expect(() => argmin(tensor([], { shape: [2, 0] }), 1)).toThrow(/argmin/);
    expect(() => argmin(x, 2)).toThrow(/argmin: argument 'axis'/);
  });
});
