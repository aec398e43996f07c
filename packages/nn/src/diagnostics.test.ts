import { describe, expect, it } from 'vitest';
import { TapegradError, grad, matmul, sigmoid, tensor, type Tensor } from '@tapegrad/core';
import { Dense, SATURATION, Sequential, TrainingDiagnostics, fit, mse, sgd, type Examples } from '@tapegrad/nn';

const f64 = { dtype: 'float64' as const };
const silent = { verbose: 0 as const, shuffle: false };

/** σ(W·x + b) with one unit: W = [0.5, −0.25], b = 0.1, on 4 examples, two of them saturated. */
function sigmoidNet() {
  const model = new Sequential(new Dense(2, 1, { ...f64, activation: 'sigmoid' }));
  model.setParameters([['layers.0.W', tensor([[0.5, -0.25]], f64)], ['layers.0.b', tensor([[0.1]], f64)]]);
  // z = 0.6, 0.85, −4.9 (σ = 0.0074 < 0.01), 6.1 (σ = 0.9978 > 0.99)
  const data: Examples = { x: tensor([[1, 2, -10, 8], [0, 1, 0, -8]], f64), y: tensor([[0, 1, 0, 1]], f64) };
  return { model, data };
}

const norm = (t: Tensor) => Math.hypot(...t.data);

describe('TrainingDiagnostics', () => {
  it('records ‖∂L/∂θ‖ and ‖Δθ‖/‖θ‖ of a full-batch SGD step, checked by hand and against grad()', () => {
    const { model, data } = sigmoidNet();
    const diagnostics = new TrainingDiagnostics(model);
    fit(model, data, { epochs: 1, batchSize: 4, loss: mse, optimizer: sgd({ lr: 0.1 }), callbacks: diagnostics, ...silent });
    const [r] = diagnostics.records;

    // by hand: A = σ(z), dZ = (2/m)(A − y) ⊙ A(1 − A), dW = dZ·Xᵀ, db = Σ dZ
    const x = [[1, 2, -10, 8], [0, 1, 0, -8]], y = [0, 1, 0, 1];
    const dZ = [0.6, 0.85, -4.9, 6.1].map((z, j) => {
      const a = 1 / (1 + Math.exp(-z));
      return (2 / 4) * (a - y[j]) * a * (1 - a);
    });
    const dW = x.map((row) => row.reduce((s, v, j) => s + v * dZ[j], 0));
    const db = dZ.reduce((s, v) => s + v, 0);
    expect(r.gradNorm['layers.0.W']).toBeCloseTo(Math.hypot(...dW), 12);
    expect(r.gradNorm['layers.0.b']).toBeCloseTo(Math.abs(db), 12);

    // a second method: core's grad of the same loss written out with core ops
    const W = tensor([[0.5, -0.25]], f64), b = tensor([[0.1]], f64);
    const [gW, gb] = grad((W: Tensor, b: Tensor) => mse(sigmoid(matmul(W, data.x).add(b)), data.y), [0, 1])(W, b);
    expect(r.gradNorm['layers.0.W']).toBeCloseTo(norm(gW), 12);
    expect(r.gradNorm['layers.0.b']).toBeCloseTo(norm(gb), 12);

    // SGD moves θ by lr·g: the ratio is lr‖g‖/‖θ‖
    expect(r.updateRatio['layers.0.W']).toBeCloseTo((0.1 * Math.hypot(...dW)) / Math.hypot(0.5, -0.25), 12);
    expect(r.updateRatio['layers.0.b']).toBeCloseTo((0.1 * Math.abs(db)) / 0.1, 12);

    expect(SATURATION).toEqual({ low: 0.01, high: 0.99 });
    expect(r.saturated).toEqual({ 'layers.0': 0.5 }); // σ(−4.9) and σ(6.1) of the 4 outputs
    expect(r.dead).toEqual({});
    expect([r.epoch, r.batch, r.steps]).toEqual([0, 0, 1]);
  });

  it('counts a ReLU unit dead when it is positive for no example', () => {
    const model = new Sequential(new Dense(2, 3, { ...f64, activation: 'relu' }), new Dense(3, 1, { ...f64, activation: 'linear' }));
    // unit 0 fires on x₁ > 0, unit 1 on x₂ > 0, unit 2 = relu(−x₁ − x₂) never on these inputs
    model.setParameters([['layers.0.W', tensor([[1, 0], [0, 1], [-1, -1]], f64)], ['layers.0.b', tensor([[0], [0], [0]], f64)]], { strict: false });
    const data = { x: tensor([[1, 2, 3], [1, 0, 2]], f64), y: tensor([[1, 0, 1]], f64) };
    const diagnostics = new TrainingDiagnostics(model);
    fit(model, data, { epochs: 1, batchSize: 3, loss: mse, optimizer: sgd({ lr: 0.01 }), callbacks: diagnostics, ...silent });
    const [r] = diagnostics.records;
    expect(r.dead).toEqual({ 'layers.0': 1 / 3 });
    expect(r.saturated).toEqual({});
    expect(Object.keys(r.gradNorm)).toEqual(['layers.0.W', 'layers.0.b', 'layers.1.W', 'layers.1.b']);
    // layers.1.b starts at 0: its ratio is undefined for that step and the record says NaN
    expect(r.updateRatio['layers.1.b']).toBeNaN();
    expect(r.updateRatio['layers.0.b']).toBeNaN();
    expect(r.updateRatio['layers.0.W']).toBeGreaterThan(0);
  });

  it('with every k, records every k batches and the rest of each epoch; an epoch record is the mean of its steps', () => {
    const run = (every: 'epoch' | number) => {
      const { model, data } = sigmoidNet();
      const diagnostics = new TrainingDiagnostics(model, { every });
      fit(model, data, { epochs: 3, batchSize: 1, loss: mse, optimizer: sgd({ lr: 0.5 }), callbacks: diagnostics, ...silent });
      return diagnostics.records;
    };
    const perStep = run(1), perEpoch = run('epoch'), perThree = run(3);
    expect(perStep.map((r) => [r.epoch, r.batch])).toEqual([0, 1, 2].flatMap((e) => [0, 1, 2, 3].map((b) => [e, b])));
    expect(perThree.map((r) => [r.epoch, r.batch, r.steps])).toEqual([[0, 2, 3], [0, 3, 1], [1, 2, 3], [1, 3, 1], [2, 2, 3], [2, 3, 1]]);
    perEpoch.forEach((r, e) => {
      const steps = perStep.slice(4 * e, 4 * e + 4);
      const mean = (f: (s: (typeof steps)[number]) => number) => steps.reduce((a, s) => a + f(s), 0) / 4;
      expect(r.steps).toBe(4);
      expect(r.gradNorm['layers.0.W']).toBeCloseTo(mean((s) => s.gradNorm['layers.0.W']), 12);
      expect(r.updateRatio['layers.0.b']).toBeCloseTo(mean((s) => s.updateRatio['layers.0.b']), 12);
      // one example a step: the epoch sees each example once, so the saturated fraction is the steps' mean
      expect(r.saturated['layers.0']).toBeCloseTo(mean((s) => s.saturated['layers.0']), 12);
    });
    expect(perStep[0].saturated['layers.0']).toBe(0); // example 0: σ(0.6)
  });

  it('draws the curves in the terminal and as SVG, one panel per quantity', () => {
    const { model, data } = sigmoidNet();
    const diagnostics = new TrainingDiagnostics(model);
    expect(() => diagnostics.terminal()).toThrow(/nothing recorded yet/);
    fit(model, data, { epochs: 5, batchSize: 2, loss: mse, optimizer: sgd({ lr: 0.5 }), callbacks: diagnostics, ...silent });
    expect(diagnostics.series('gradNorm')['layers.0.W']).toEqual(diagnostics.records.map((r) => r.gradNorm['layers.0.W']));
    const text = diagnostics.terminal({ width: 30, height: 6 });
    expect(text).toContain('gradient norm ‖∂L/∂θ‖ per parameter (log scale), per epoch\n');
    expect(text).toContain('update / weight ratio ‖Δθ‖/‖θ‖ per step (log scale), per epoch\n');
    expect(text).toContain('⣿ layers.0.W  ⣿ layers.0.b');
    expect(text).toContain('⣿ layers.0 saturated');
    const svg = diagnostics.svg();
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" width="1680" height="380"')).toBe(true);
    expect(svg.match(/<svg x="\d+" y="0" /g)).toEqual(['<svg x="0" y="0" ', '<svg x="560" y="0" ', '<svg x="1120" y="0" ']);
    expect(svg.match(/<polyline /g)).toHaveLength(5); // W and b in two panels, one layer in the third
    expect(svg).toContain('>layers.0 saturated</text>');
  });

  it('rejects what is not a model and a bad `every`', () => {
    expect(() => new TrainingDiagnostics({} as never)).toThrow(TapegradError);
    expect(() => new TrainingDiagnostics(sigmoidNet().model, { every: 0 })).toThrow("TrainingDiagnostics: argument 'every': every must be 'epoch' or a positive integer (batches), got 0");
    expect(() => new TrainingDiagnostics(sigmoidNet().model, { every: 'batch' as never })).toThrow(/got the string "batch"/);
  });
});
