/**
 * GRU and LSTM with several layers, both directions and dropout between layers: against PyTorch 1.13 in
 * float64 (outputs, final states and the gradients of every input and parameter), dropout against its
 * definition, loading a PyTorch state dict as it is, gradchecks and bad input.
 *
 * recurrent-stacked.torch.json was computed by hand with the system python3 (Debian python3-torch 1.13.1):
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
 *       out[name] = {'shape': list(y.shape), 'y': fmt(y), 'grads': [fmt(x.grad) for x in inputs] + [fmt(p.grad) for p in ps],
 *                    'names': [n for n, _ in layer.named_parameters()]}
 *   out = {}
 *   seq = pat([2, 3, 4], 7, 11, 5, 4)
 *   h, c = pat([4, 2, 3], 5, 13, 6, 5), pat([4, 2, 3], 3, 7, 3, 3)
 *   flat = lambda *ts: torch.cat([t.flatten() for t in ts])
 *   run('GRU2Bi', nn.GRU(4, 3, num_layers=2, bidirectional=True, batch_first=True), [seq, h], lambda l, x, h: flat(*l(x, h)))
 *   run('LSTM2Bi', nn.LSTM(4, 3, num_layers=2, bidirectional=True, batch_first=True), [seq, h, c],
 *       lambda l, x, h, c: (lambda o: flat(o[0], o[1][0], o[1][1]))(l(x, (h, c))))
 *   run('GRU3NoBias', nn.GRU(2, 3, num_layers=3, bias=False, batch_first=True), [pat([2, 4, 2], 7, 11, 5, 4)], lambda l, x: flat(*l(x)))
 *   run('LSTMBi', nn.LSTM(2, 2, bidirectional=True, batch_first=True), [pat([1, 4, 2], 7, 11, 5, 4)], lambda l, x: (lambda o: flat(o[0], o[1][0], o[1][1]))(l(x)))
 *   print(json.dumps(out))
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { OrderedMap } from 'immutable';
import { Generator, ShapeError, TapegradError, astype, concat, gradcheck, lt, mul, rand, randn, reshape, stack, type Tensor } from '@tapegrad/core';
import { GRU, LSTM, encodeSafetensors, loadBytes, loadStateDict, stateDict, type AnyModule } from '@tapegrad/nn';
import { checkRunAgainst, expectClose, pattern, setAlternatingParameters, type Ref } from './layers.testkit.js';

const REF = JSON.parse(readFileSync(new URL('./recurrent-stacked.torch.json', import.meta.url), 'utf8')) as Record<string, Ref & { names: string[] }>;
const f64 = (seed: number) => ({ dtype: 'float64', generator: new Generator(seed) }) as const;
const flat = (...ts: Tensor[]) => concat(ts.map((t) => reshape(t, [t.size])), 0);
const seq = () => pattern([2, 3, 4], 7, 11, 5, 4, 'float64', true);
const h = () => pattern([4, 2, 3], 5, 13, 6, 5, 'float64', true);
const c = () => pattern([4, 2, 3], 3, 7, 3, 3, 'float64', true);

function checkAgainst(ref: Ref & { names: string[] }, layer: AnyModule, inputs: Tensor[], run: () => Tensor): void {
  expect(layer.parameters().keySeq().toArray()).toEqual(ref.names);
  setAlternatingParameters(layer);
  checkRunAgainst(ref, layer, inputs, run);
}

/** gradcheck of `run` in its inputs and every parameter of `layer`. */
function gradcheckWith(layer: AnyModule, inputs: Tensor[], run: (...xs: Tensor[]) => Tensor): void {
  const names = layer.parameters().keySeq().toArray(), n = inputs.length;
  const f = (...all: Tensor[]) => layer.withParameters(names.map((k, i) => [k, all[n + i]] as const), () => run(...all.slice(0, n)));
  const leaves = [...inputs, ...layer.parameters().valueSeq()].map((t) => t.detach().setRequiresGrad(true));
  expect(gradcheck(f, leaves, { throw: true }).ok).toBe(true);
}

describe('GRU and LSTM with numLayers and bidirectional', () => {
  it('match PyTorch: names, output, h_n (and c_n), and the gradients of x, h0, c0 and every parameter', () => {
    const gru = new GRU(4, 3, { numLayers: 2, bidirectional: true, ...f64(0) });
    const [gx, gh] = [seq(), h()];
    checkAgainst(REF.GRU2Bi, gru, [gx, gh], () => flat(...gru.forward(gx, gh)));
    const lstm = new LSTM(4, 3, { numLayers: 2, bidirectional: true, ...f64(0) });
    const [lx, lh, lc] = [seq(), h(), c()];
    checkAgainst(REF.LSTM2Bi, lstm, [lx, lh, lc], () => {
      const [out, [hN, cN]] = lstm.forward(lx, [lh, lc]);
      return flat(out, hN, cN);
    });
  });

  it('match PyTorch with three layers and no bias, and one bidirectional layer, from zero states', () => {
    const gru = new GRU(2, 3, { numLayers: 3, bias: false, ...f64(0) });
    const gx = pattern([2, 4, 2], 7, 11, 5, 4, 'float64', true);
    checkAgainst(REF.GRU3NoBias, gru, [gx], () => flat(...gru.forward(gx)));
    const lstm = new LSTM(2, 2, { bidirectional: true, ...f64(0) });
    const lx = pattern([1, 4, 2], 7, 11, 5, 4, 'float64', true);
    checkAgainst(REF.LSTMBi, lstm, [lx], () => {
      const [out, [hN, cN]] = lstm.forward(lx);
      return flat(out, hN, cN);
    });
  });

  it('load a PyTorch state dict saved as safetensors as it is, and give PyTorch’s output', () => {
    const fresh = new GRU(4, 3, { numLayers: 2, bidirectional: true });
    // the file PyTorch's save_file(gru.double().state_dict()) writes: F64 tensors under PyTorch's names
    const shapes = fresh.parameters().map((p) => p.shape);
    const file = encodeSafetensors(REF.GRU2Bi.names.map((name, i): [string, Tensor] =>
      [name, i % 2 === 0 ? pattern(shapes.get(name)!, 5, 7, 3, 3) : pattern(shapes.get(name)!, 3, 5, 2, 4)]), { format: 'pt' });
    const model = loadStateDict(new GRU(4, 3, { numLayers: 2, bidirectional: true, dtype: 'float64' }), loadBytes(file));
    expectClose(flat(...model.forward(seq(), h())), REF.GRU2Bi.y);
    expect([...stateDict(model).keys()]).toEqual(REF.GRU2Bi.names);
  });

  it('the reverse direction of the last layer reads the sequence backwards: its output at step 0 is its h_n', () => {
    const gru = new GRU(2, 3, { bidirectional: true, ...f64(1) });
    const [out, hN] = gru.forward(randn([2, 4, 2], f64(2)));
    expect(out.shape).toEqual([2, 4, 6]);
    const at = (t: number, from: number) => (out.toArray() as number[][][]).map((steps) => steps[t].slice(from, from + 3));
    const final = hN.toArray() as number[][][];
    expect(at(3, 0)).toEqual(final[0]); // forward: the last step
    expect(at(0, 3)).toEqual(final[1]); // reverse: the first step
  });

  it('gradcheck in float64 with two bidirectional layers', () => {
    const gru = new GRU(2, 2, { numLayers: 2, bidirectional: true, ...f64(3) });
    gradcheckWith(gru, [randn([1, 2, 2], f64(4)), randn([4, 1, 2], f64(5))], (a, b) => flat(...gru.forward(a, b)));
    const lstm = new LSTM(2, 2, { numLayers: 2, bidirectional: true, ...f64(3) });
    gradcheckWith(lstm, [randn([1, 2, 2], f64(6))], (a) => flat(lstm.forward(a)[0]));
  });
});

describe('dropout between layers', () => {
  const options = () => ({ numLayers: 2, dropout: 0.5, ...f64(7) }); // a fresh generator each time

  it('is inverted dropout of layer 0’s output, masks drawn from the layer’s generator after its weights', () => {
    const model = new GRU(3, 4, options());
    const x = randn([2, 5, 3], f64(8));
    const [out, hN] = model.forward(x);
    // the same draws by hand: an identical model leaves a twin generator where the model's stands
    const twin = new Generator(7);
    const weights = stateDict(new GRU(3, 4, { ...options(), generator: twin }));
    const layer = (l: number, input: number) => loadStateDict(new GRU(input, 4, { dtype: 'float64' }),
      weights.filter((_, k) => k.endsWith(`_l${l}`)).mapKeys((k) => k.replace(`_l${l}`, '_l0')));
    const [y0, h0] = layer(0, 3).forward(x);
    const keep = astype(lt(rand(y0.shape, { dtype: 'float64', generator: twin }), 0.5), 'float64');
    const [y1, h1] = layer(1, 4).forward(mul(y0, mul(keep, 2)));
    expect(out.toArray()).toEqual(y1.toArray());
    expect(hN.toArray()).toEqual(stack([reshape(h0, [2, 4]), reshape(h1, [2, 4])], 0).toArray());
    const zeroed = (keep.toArray() as number[][][]).flat(2).filter((k) => k === 0).length;
    expect(zeroed).toBeGreaterThan(8); // of 40: about half
    expect(zeroed).toBeLessThan(32);
  });

  it('is off in eval mode, and never applied after the last layer', () => {
    const model = new LSTM(3, 4, options());
    const plain = loadStateDict(new LSTM(3, 4, { numLayers: 2, dtype: 'float64' }), stateDict(model));
    const x = randn([2, 5, 3], f64(9));
    model.eval();
    expect(model.forward(x)[0].toArray()).toEqual(plain.forward(x)[0].toArray());
    model.train();
    expect(model.forward(x)[0].toArray()).not.toEqual(plain.forward(x)[0].toArray());
    const one = new GRU(3, 4, { dropout: 0.9, ...f64(1) }); // one layer: nothing between layers to drop
    expect(one.forward(x)[0].toArray()).toEqual(one.eval().forward(x)[0].toArray());
  });

  it('is reproducible from the seed', () => {
    const x = randn([2, 5, 3], f64(10));
    expect(new GRU(3, 4, options()).forward(x)[0].toArray()).toEqual(new GRU(3, 4, options()).forward(x)[0].toArray());
  });
});

describe('stacked recurrent layers: names, description and bad input', () => {
  it('describe themselves', () => {
    expect(new GRU(4, 3).describe()).toBe('GRU(4 → 3)');
    expect(new LSTM(4, 3, { numLayers: 2, bidirectional: true, dropout: 0.25, bias: false }).describe()).toBe('LSTM(4 → 3, 2 layers, bidirectional, dropout 0.25, no bias)');
    expect(new LSTM(4, 3, { numLayers: 2, bidirectional: true }).parameters().map((p) => p.shape).filter((_, k) => k.includes('l1')).toJS())
      .toEqual({ weight_ih_l1: [12, 6], weight_hh_l1: [12, 3], bias_ih_l1: [12], bias_hh_l1: [12], weight_ih_l1_reverse: [12, 6], weight_hh_l1_reverse: [12, 3], bias_ih_l1_reverse: [12], bias_hh_l1_reverse: [12] });
  });

  it('refuse bad options and states of the wrong shape, naming the layer and argument', () => {
    expect(() => new GRU(4, 3, { numLayers: 0 })).toThrow("GRU: argument 'numLayers': expected a positive integer, got 0");
    expect(() => new LSTM(4, 3, { dropout: 1.5 })).toThrow("LSTM: argument 'dropout': expected a probability in [0, 1], got 1.5");
    expect(() => new GRU(4, 3, { bidirectional: 'yes' as never })).toThrow("GRU: argument 'bidirectional': expected true or false, got the string \"yes\"");
    const gru = new GRU(4, 3, { numLayers: 2, bidirectional: true });
    expect(() => gru.forward(randn([2, 5, 4]), randn([1, 2, 3]))).toThrow(ShapeError);
    expect(() => gru.forward(randn([2, 5, 4]), randn([1, 2, 3]))).toThrow("GRU: argument 'h0': expected shape [4, 2, 3], got [1, 2, 3]");
    expect(() => new LSTM(4, 3, { numLayers: 2 }).forward(randn([2, 5, 4]), [randn([2, 2, 3]), randn([1, 2, 3])])).toThrow("LSTM: argument 'c0': expected shape [2, 2, 3], got [1, 2, 3]");
    expect(() => loadStateDict(new GRU(4, 3, { numLayers: 2 }), OrderedMap([['weight_ih_l0_reverse', randn([9, 4])]]), { strict: false })).toThrow(TapegradError);
  });
});
