import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Generator, Tensor, ShapeError, TapegradError, gradcheck, grad, rand, randn, sigmoid, tensor } from '@tapegrad/core';
import { mse, binaryCrossEntropy, softmaxCrossEntropy, type Reduction } from '@tapegrad/nn';

const f64 = (data: number[][], requiresGrad = false): Tensor => tensor(data, { dtype: 'float64', requiresGrad });
const close = (a: number, b: number, tol: number) => expect(Math.abs(a - b), `${a} vs ${b}`).toBeLessThanOrEqual(tol);

describe('mse', () => {
  it('known values: mean over all elements, sum, and elementwise', () => {
    const yhat = f64([[1, 2, 3]]), y = f64([[0, 2, 5]]);
    expect(mse(yhat, y).item()).toBe(5 / 3);
    expect(mse(yhat, y, { reduction: 'sum' }).item()).toBe(5);
    expect(mse(yhat, y, { reduction: 'none' }).toArray()).toEqual([[1, 0, 4]]);
    expect(mse(f64([[1, 2], [3, 4]]), [[1, 1], [1, 1]]).item()).toBe((0 + 1 + 4 + 9) / 4); // nested-array target
  });

  it('follows the prediction’s dtype (float32 by default)', () => {
    expect(mse(tensor([[1, 2]]), f64([[0, 0]])).dtype).toBe('float32');
    expect(mse(f64([[1, 2]]), tensor([[0, 0]])).dtype).toBe('float64');
  });
});

describe('binaryCrossEntropy', () => {
  it('known values in the probability form: −[y log a + (1−y) log(1−a)]', () => {
    const a = f64([[0.8, 0.3]]), y = f64([[1, 0]]);
    close(binaryCrossEntropy(a, y).item(), -(Math.log(0.8) + Math.log(0.7)) / 2, 1e-15);
    close(binaryCrossEntropy(a, y, { reduction: 'sum' }).item(), -(Math.log(0.8) + Math.log(0.7)), 1e-15);
    close(binaryCrossEntropy(f64([[0.25]]), f64([[0.5]])).item(), -(0.5 * Math.log(0.25) + 0.5 * Math.log(0.75)), 1e-15);
  });

  it('saturated probabilities give a finite loss (each log term floored at −100, as PyTorch) and a finite gradient', () => {
    const a = f64([[0, 1, 0, 1]], true);
    const loss = binaryCrossEntropy(a, f64([[1, 0, 0, 1]]), { reduction: 'sum' });
    close(loss.item(), 200, 1e-9);
    loss.backward();
    expect(Array.from(a.grad!.data).every(Number.isFinite)).toBe(true);
  });

  it.each(['float32', 'float64'] as const)('a probability that rounds to 0 or 1 gets gradient 0 in %s, not NaN', (dtype) => {
    // σ(20) rounds to 1 in float32 (the floor e^−100 is a float32 subnormal, whose reciprocal overflows)
    const dz = grad((z: Tensor) => binaryCrossEntropy(sigmoid(z), [[0]]))(tensor([[dtype === 'float32' ? 20 : 40]], { dtype }));
    expect(Array.from((dz as Tensor).data, (v) => v + 0)).toEqual([0]); // + 0: −0 and 0 alike
    const a = tensor([[0, 1, 0, 1]], { dtype, requiresGrad: true });
    const loss = binaryCrossEntropy(a, tensor([[1, 0, 0, 1]], { dtype }), { reduction: 'sum' });
    expect(loss.item()).toBe(200);
    loss.backward();
    // y = 1 at a = 0 and y = 0 at a = 1: saturated, so 0; the other two terms are log 1 = 0 with slope ∓1
    expect(Array.from(a.grad!.data, (v) => v + 0)).toEqual([0, 0, 1, -1]);
    // the floor is no place for a NaN to hide: a NaN prediction gives a NaN loss
    expect(binaryCrossEntropy(tensor([[NaN, 0.5]], { dtype }), [[0, 1]], { reduction: 'none' }).data[0]).toBeNaN();
  });

  it('fromLogits is stable: logits ±1000 give a finite loss and the exact gradient (σ(z) − y)/n', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const z = tensor([[1000, 1000, -1000, -1000, 0, 0]], { dtype, requiresGrad: true });
      const y = [[0, 1, 1, 0, 1, 0]];
      const loss = binaryCrossEntropy(z, y, { fromLogits: true, reduction: 'none' });
      const round = (v: number) => (dtype === 'float32' ? Math.fround(v) : v);
      expect(Array.from(loss.data)).toEqual([1000, 0, 1000, 0, Math.LN2, Math.LN2].map(round));
      binaryCrossEntropy(z, y, { fromLogits: true }).backward();
      // σ(z) − y over 6 elements: z = 0 gets ½ − y from the even split of max's tie
      expect(Array.from(z.grad!.data)).toEqual([1, 0, -1, 0, -0.5, 0.5].map((v) => round(v / 6)));
    }
  });

  it('fromLogits equals the probability form where both are finite, in value and gradient (float64, 1e-12)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.nat(), (m, seed) => {
        const g = new Generator(seed);
        const z = rand([2, m], { dtype: 'float64', generator: g, low: -8, high: 8 });
        const y = rand([2, m], { dtype: 'float64', generator: g });
        for (const reduction of ['mean', 'sum'] as Reduction[]) {
          const fromLogits = (t: Tensor) => binaryCrossEntropy(t, y, { fromLogits: true, reduction });
          const fromProbs = (t: Tensor) => binaryCrossEntropy(sigmoid(t), y, { reduction });
          close(fromLogits(z).item(), fromProbs(z).item(), 1e-12);
          const [g1, g2] = [grad(fromLogits)(z) as Tensor, grad(fromProbs)(z) as Tensor];
          const n = reduction === 'mean' ? 2 * m : 1;
          g1.data.forEach((v, i) => {
            close(v, g2.data[i], 1e-12);
            close(v, (1 / (1 + Math.exp(-z.data[i])) - y.data[i]) / n, 1e-15);
          });
        }
      }),
      { numRuns: 40, seed: 1 },
    );
  });
});

describe('softmaxCrossEntropy (classes in rows)', () => {
  const Z = f64([[1, 0], [2, 0], [3, 0]]); // 3 classes, 2 examples
  const expected = [Math.log(Math.E + Math.E ** 2 + Math.E ** 3) - 3, Math.log(3)];

  it('known values, and the same value from one-hot labels and from index labels in every form', () => {
    close(softmaxCrossEntropy(Z, [2, 0]).item(), (expected[0] + expected[1]) / 2, 1e-15);
    close(softmaxCrossEntropy(Z, [2, 0], { reduction: 'sum' }).item(), expected[0] + expected[1], 1e-15);
    const none = softmaxCrossEntropy(Z, [2, 0], { reduction: 'none' });
    expect(none.shape).toEqual([2]);
    none.data.forEach((v, j) => close(v, expected[j], 1e-15));
    const oneHot = f64([[0, 1], [0, 0], [1, 0]]);
    for (const labels of [[2, 0], [[2, 0]], tensor([2, 0]), tensor([[2, 0]]), new Int32Array([2, 0]), oneHot]) {
      for (const reduction of ['mean', 'sum'] as Reduction[]) {
        expect(softmaxCrossEntropy(Z, labels, { reduction }).item()).toBe(softmaxCrossEntropy(Z, oneHot, { reduction }).item());
      }
    }
  });

  it('is stable for huge logits and accepts soft labels', () => {
    expect(softmaxCrossEntropy(f64([[1000], [0]]), [0]).item()).toBe(0);
    expect(softmaxCrossEntropy(f64([[-1000], [1000]]), [0]).item()).toBe(2000);
    const soft = f64([[0.5, 0.5], [0.25, 0.5], [0.25, 0]]);
    const logp = (j: number) => [0, 1, 2].map((k) => Z.data[k * 2 + j] - Math.log([0, 1, 2].reduce((s, c) => s + Math.exp(Z.data[c * 2 + j]), 0)));
    const want = [0, 1].map((j) => -[0, 1, 2].reduce((s, k) => s + soft.data[k * 2 + j] * logp(j)[k], 0));
    close(softmaxCrossEntropy(Z, soft, { reduction: 'sum' }).item(), want[0] + want[1], 1e-14);
  });

  it('its gradient with respect to the logits is (softmax(Z) − Y)/m', () => {
    const g = grad((z: Tensor) => softmaxCrossEntropy(z, [2, 0]))(Z) as Tensor;
    const p = (k: number, j: number) => Math.exp(Z.data[k * 2 + j]) / [0, 1, 2].reduce((s, c) => s + Math.exp(Z.data[c * 2 + j]), 0);
    const Y = [[0, 1], [0, 0], [1, 0]];
    for (let k = 0; k < 3; k++) for (let j = 0; j < 2; j++) close(g.data[k * 2 + j], (p(k, j) - Y[k][j]) / 2, 1e-15);
  });
});

describe('gradcheck of every loss with respect to its prediction (float64)', () => {
  const g = new Generator(3);
  const y01 = rand([3, 4], { dtype: 'float64', generator: g });
  const cases: [string, (t: Tensor, reduction: Reduction) => Tensor, () => Tensor][] = [
    ['mse', (t, reduction) => mse(t, randn([3, 4], { dtype: 'float64', generator: new Generator(9) }), { reduction }), () => randn([3, 4], { dtype: 'float64', generator: g })],
    ['binaryCrossEntropy', (t, reduction) => binaryCrossEntropy(t, y01, { reduction }), () => rand([3, 4], { dtype: 'float64', generator: g, low: 0.05, high: 0.95 })],
    ['binaryCrossEntropy fromLogits', (t, reduction) => binaryCrossEntropy(t, y01, { reduction, fromLogits: true }), () => {
      const z = randn([3, 4], { dtype: 'float64', generator: g }).mul(4);
      return tensor(Float64Array.from(z.data, (v, i) => (i % 5 === 0 ? 0 : v)), { shape: [3, 4] }); // some logits exactly 0
    }],
    ['softmaxCrossEntropy, one-hot', (t, reduction) => softmaxCrossEntropy(t, f64([[1, 0, 0, 0], [0, 1, 0, 1], [0, 0, 1, 0]]), { reduction }), () => randn([3, 4], { dtype: 'float64', generator: g })],
    ['softmaxCrossEntropy, indices', (t, reduction) => softmaxCrossEntropy(t, [0, 1, 2, 1], { reduction }), () => randn([3, 4], { dtype: 'float64', generator: g })],
  ];
  for (const [name, loss, input] of cases) {
    for (const reduction of ['mean', 'sum', 'none'] as Reduction[]) {
      it(`${name}, reduction '${reduction}'`, () => {
        const report = gradcheck((t: Tensor) => loss(t, reduction), [input().setRequiresGrad(true)], { throw: true });
        expect(report.ok).toBe(true);
      });
    }
  }
});

describe('losses validate their arguments', () => {
  it("a target of another shape is a ShapeError naming the loss, 'y' and both shapes", () => {
    const yhat = tensor([[0.5, 0.5, 0.5, 0.5]]);
    expect(() => mse(yhat, tensor([1, 0, 1, 0]))).toThrow(new ShapeError('mse', 'y has shape [4] but yhat has shape [1, 4]; they must be equal ([outputs, m], one example per column)', 'y'));
    expect(() => binaryCrossEntropy(yhat, tensor([[1, 0]]))).toThrow(/^binaryCrossEntropy: argument 'y': y has shape \[1, 2\] but yhat has shape \[1, 4\]/);
    expect(() => binaryCrossEntropy(yhat, tensor([[1, 0]]), { fromLogits: true })).toThrow(ShapeError);
    const logits = randn([3, 4]);
    expect(() => softmaxCrossEntropy(logits, tensor([[1, 0], [0, 1], [0, 0]]))).toThrow(
      /^softmaxCrossEntropy: argument 'y': y has shape \[3, 2\] but logits have shape \[3, 4\]; expected one-hot labels \[3, 4\] or class indices \[4\] or \[1, 4\]/,
    );
    expect(() => softmaxCrossEntropy(logits, [0, 1, 2])).toThrow(ShapeError);
    expect(() => softmaxCrossEntropy(randn([4]), [0])).toThrow(/^softmaxCrossEntropy: argument 'logits': logits must be \[K, m\]/);
  });

  it('bad class indices, reductions and predictions are TapegradErrors', () => {
    const logits = randn([3, 2]);
    expect(() => softmaxCrossEntropy(logits, [0, 3])).toThrow(/label of example 1 is 3, expected a class index in 0\.\.2/);
    expect(() => softmaxCrossEntropy(logits, [0, 1.5])).toThrow(TapegradError);
    expect(() => mse(logits, logits, { reduction: 'avg' as Reduction })).toThrow(/mse: argument 'reduction': reduction must be 'mean', 'sum' or 'none', got "avg"/);
    expect(() => mse([[1]] as unknown as Tensor, [[1]])).toThrow(/mse: argument 'yhat': expected a Tensor, got an array/);
  });
});
