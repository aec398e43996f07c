/**
 * GRUCell, LSTMCell, GRU and LSTM against PyTorch 1.13 in float64 (values and the gradients of every input
 * and parameter), gradchecks, save/load and bad input.
 *
 * recurrent.torch.json was computed by hand with the system python3 (Debian python3-torch 1.13.1):
 *
 *   import json, torch, torch.nn as nn
 *   torch.set_default_dtype(torch.float64)
 *   def pat(shape, a, m, off, d):
 *       n = 1
 *       for s in shape: n *= s
 *       return torch.tensor([((i * a) % m - off) / d for i in range(n)]).reshape(shape)
 *   fmt = lambda t: [round(v, 12) for v in t.detach().flatten().tolist()]
 *   def run(name, layer, inputs, f):
 *       inputs = [x.clone().requires_grad_() for x in inputs]
 *       ps = list(layer.parameters())
 *       for i, p in enumerate(ps):
 *           with torch.no_grad(): p.copy_(pat(list(p.shape), 5, 7, 3, 3) if i % 2 == 0 else pat(list(p.shape), 3, 5, 2, 4))
 *       layer.zero_grad()
 *       y = f(layer, *inputs); (y * pat(list(y.shape), 3, 5, 2, 2)).sum().backward()
 *       out[name] = {'shape': list(y.shape), 'y': fmt(y), 'grads': [fmt(x.grad) for x in inputs] + [fmt(p.grad) for p in ps]}
 *   out = {}
 *   x, h, c = pat([2, 4], 7, 11, 5, 4), pat([2, 3], 5, 13, 6, 5), pat([2, 3], 3, 7, 3, 3)
 *   seq = pat([2, 3, 4], 7, 11, 5, 4)
 *   run('GRUCell', nn.GRUCell(4, 3), [x, h], lambda l, x, h: l(x, h))
 *   run('LSTMCell', nn.LSTMCell(4, 3), [x, h, c], lambda l, x, h, c: torch.cat(l(x, (h, c)), 1))  # [h', c'] side by side
 *   run('GRU', nn.GRU(4, 3, batch_first=True), [seq, h.reshape(1, 2, 3)], lambda l, x, h: torch.cat([l(x, h)[0].flatten(), l(x, h)[1].flatten()]))
 *   run('LSTM', nn.LSTM(4, 3, batch_first=True), [seq, h.reshape(1, 2, 3), c.reshape(1, 2, 3)],
 *       lambda l, x, h, c: (lambda o: torch.cat([o[0].flatten(), o[1][0].flatten(), o[1][1].flatten()]))(l(x, (h, c))))
 *   print(json.dumps(out))
 */
import { describe, expect, it } from 'vitest';
import { Generator, ShapeError, concat, gradcheck, mul, randn, reshape, sum, type Tensor } from '@tapegrad/core';
import { GRU, GRUCell, LSTM, LSTMCell, loadBytes, loadStateDict, saveBytes, type AnyModule } from '@tapegrad/nn';
import { checkRunAgainst, expectClose, loadRefs, pattern, setAlternatingParameters, type Ref } from './layers.testkit.js';

const REF = loadRefs(new URL('./recurrent.torch.json', import.meta.url));
const f64 = (seed: number) => ({ dtype: 'float64', generator: new Generator(seed) }) as const;
const x = () => pattern([2, 4], 7, 11, 5, 4, 'float64', true);
const h = (shape = [2, 3]) => pattern(shape, 5, 13, 6, 5, 'float64', true);
const c = (shape = [2, 3]) => pattern(shape, 3, 7, 3, 3, 'float64', true);
const seq = () => pattern([2, 3, 4], 7, 11, 5, 4, 'float64', true);
const flat = (...ts: Tensor[]) => concat(ts.map((t) => reshape(t, [t.size])), 0);

const setParams = setAlternatingParameters;

function checkAgainst(ref: Ref, layer: AnyModule, inputs: Tensor[], run: () => Tensor): void {
  setParams(layer);
  checkRunAgainst(ref, layer, inputs, run);
}

/** gradcheck of `run` in its inputs and every parameter of `layer`. */
function gradcheckWith(layer: AnyModule, inputs: Tensor[], run: (...xs: Tensor[]) => Tensor): void {
  const names = layer.parameters().keySeq().toArray(), n = inputs.length;
  const f = (...all: Tensor[]) => layer.withParameters(names.map((k, i) => [k, all[n + i]] as const), () => run(...all.slice(0, n)));
  const leaves = [...inputs, ...layer.parameters().valueSeq()].map((t) => t.detach().setRequiresGrad(true));
  expect(gradcheck(f, leaves, { throw: true }).ok).toBe(true);
}

describe('GRUCell, LSTMCell', () => {
  const gru = new GRUCell(4, 3, f64(0));
  const lstm = new LSTMCell(4, 3, f64(0));

  it('match PyTorch in value and in the gradients of x, the state and every parameter', () => {
    const [gx, gh] = [x(), h()];
    checkAgainst(REF.GRUCell, gru, [gx, gh], () => gru.forward(gx, gh));
    const [lx, lh, lc] = [x(), h(), c()];
    checkAgainst(REF.LSTMCell, lstm, [lx, lh, lc], () => concat(lstm.forward(lx, [lh, lc]), 1));
  });

  it('have PyTorch’s parameter names and shapes, drawn in ±1/√hidden, and zero states by default', () => {
    expect(gru.parameters().map((p) => p.shape).toJS()).toEqual({ weight_ih: [9, 4], weight_hh: [9, 3], bias_ih: [9], bias_hh: [9] });
    expect(lstm.parameters().map((p) => p.shape).toJS()).toEqual({ weight_ih: [12, 4], weight_hh: [12, 3], bias_ih: [12], bias_hh: [12] });
    for (const p of new LSTMCell(4, 100, f64(1)).parameters().values()) expect(p.abs().max().item()).toBeLessThan(0.1);
    const xs = randn([2, 4], f64(2));
    expect(gru.forward(xs).toArray()).toEqual(gru.forward(xs, randn([2, 3], f64(3)).mul(0)).toArray());
    expect(new GRUCell(4, 3, { bias: false }).parameters().keySeq().toArray()).toEqual(['weight_ih', 'weight_hh']);
  });

  it('gradcheck in float64', () => {
    const g2 = new GRUCell(2, 3, f64(4)), l2 = new LSTMCell(2, 3, f64(4));
    gradcheckWith(g2, [randn([2, 2], f64(5)), randn([2, 3], f64(6))], (a, b) => g2.forward(a, b));
    gradcheckWith(l2, [randn([2, 2], f64(5)), randn([2, 3], f64(6)), randn([2, 3], f64(7))], (a, b, cc) => concat(l2.forward(a, [b, cc]), 1));
  });

  it('refuse a wrong input width or state shape, naming the layer and argument', () => {
    expect(() => gru.forward(randn([2, 5]))).toThrow("GRUCell: argument 'x': input has shape [2, 5] but this layer takes [N, 4] (inputSize 4 last)");
    expect(() => gru.forward(randn([2, 4]), randn([3, 3]))).toThrow("GRUCell: argument 'h': expected shape [2, 3], got [3, 3]");
    expect(() => lstm.forward(randn([2, 4]), [randn([2, 3]), randn([2])])).toThrow(ShapeError);
    expect(() => new GRUCell(0, 3)).toThrow("GRUCell: argument 'inputSize': expected a positive integer, got 0");
  });
});

describe('GRU, LSTM', () => {
  it('match PyTorch’s batch_first GRU and LSTM over a sequence: output, final states and every gradient', () => {
    const gruSeq = new GRU(4, 3, f64(0));
    const [sx, sh] = [seq(), h([1, 2, 3])];
    checkAgainst(REF.GRU, gruSeq, [sx, sh], () => flat(...gruSeq.forward(sx, sh)));
    const lstmSeq = new LSTM(4, 3, f64(0));
    const [lx, lh, lc] = [seq(), h([1, 2, 3]), c([1, 2, 3])];
    checkAgainst(REF.LSTM, lstmSeq, [lx, lh, lc], () => {
      const [out, [hN, cN]] = lstmSeq.forward(lx, [lh, lc]);
      return flat(out, hN, cN);
    });
  });

  it('name parameters weight_ih_l0 … as PyTorch, round-trip, and gradcheck', () => {
    const lstmSeq = new LSTM(2, 3, f64(1));
    expect(lstmSeq.parameters().keySeq().toArray()).toEqual(['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0']);
    const xs = randn([2, 3, 2], f64(2));
    const copy = loadStateDict(new LSTM(2, 3, f64(3)), loadBytes(saveBytes(lstmSeq)));
    expect(copy.forward(xs)[0].toArray()).toEqual(lstmSeq.forward(xs)[0].toArray());
    const gruSeq = new GRU(2, 2, f64(4));
    gradcheckWith(gruSeq, [randn([1, 3, 2], f64(5)), randn([1, 1, 2], f64(6))], (a, b) => flat(...gruSeq.forward(a, b)));
    gradcheckWith(lstmSeq, [randn([1, 2, 2], f64(7))], (a) => flat(lstmSeq.forward(a)[0]));
  });

  it('the last output step is the final state', () => {
    const gruSeq = new GRU(2, 3, f64(1));
    const [out, hN] = gruSeq.forward(randn([2, 4, 2], f64(2)));
    expect(out.shape).toEqual([2, 4, 3]);
    expect(reshape(hN, [2, 3]).toArray()).toEqual((out.toArray() as number[][][]).map((steps) => steps[3]));
  });

  it('refuse a step-shaped input and a state of the wrong shape', () => {
    expect(() => new GRU(2, 3).forward(randn([2, 2]))).toThrow("GRU: argument 'x': input has shape [2, 2] but this layer takes [N, L, 2]");
    expect(() => new LSTM(2, 3).forward(randn([2, 4, 2]), [randn([2, 3]), randn([2, 3])])).toThrow("LSTM: argument 'h0': input has shape [2, 3] but this layer takes [1, 2, 3]");
  });
});
