import { describe, it, expect } from 'vitest';
import { OrderedMap } from 'immutable';
import { Generator, Tensor, ShapeError, TapegradError, ones, randn, tensor, zeros } from '@tapegrad/core';
import { Dense, Module, Sequential } from '@tapegrad/nn';

const g = () => new Generator(0);

/** The example from Module's TSDoc. */
class Affine extends Module {
  W = randn([3, 2], { requiresGrad: true });
  b = zeros([3, 1], { requiresGrad: true });
  forward(x: Tensor): Tensor {
    return this.W.matmul(x).add(this.b);
  }
}

/** A custom module mixing every kind of field. */
class Net extends Module {
  scale = ones([1, 1], { requiresGrad: true });
  mask = ones([1, 1]); // a buffer: no requiresGrad, so not a parameter
  #hidden = ones([2, 2], { requiresGrad: true }); // private: invisible
  encoder = new Sequential(new Dense(3, 2, { generator: g() }), new Dense(2, 2, { bias: false, generator: g() }));
  heads = [new Dense(2, 1, { generator: g() }), new Dense(2, 1, { generator: g() })];
  label = 'not a parameter';
  forward(x: Tensor): Tensor {
    const h = this.encoder.forward(x);
    return this.heads[0].forward(h).add(this.heads[1].forward(h)).mul(this.scale).mul(this.mask).add(this.#hidden.sum().mul(0));
  }
}

describe('Module.parameters', () => {
  it("the TSDoc example: a subclass's tensor fields, in declaration order", () => {
    const model = new Affine();
    expect(model.parameters().keySeq().toArray()).toEqual(['W', 'b']);
    expect(model.numParameters()).toBe(9);
    expect(model.forward(ones([2, 4])).shape).toEqual([3, 4]);
  });

  it('nested Sequential: dotted names in registration order, the very tensors, Dense numbered depth first', () => {
    const inner = new Sequential(new Dense(2, 3, { generator: g() }), new Dense(3, 3, { generator: g() }));
    const last = new Dense(3, 1, { generator: g() });
    const net = new Sequential(inner, last);
    const p = net.parameters();
    expect(OrderedMap.isOrderedMap(p)).toBe(true);
    expect(p.keySeq().toArray()).toEqual([
      'layers.0.layers.0.W', 'layers.0.layers.0.b', 'layers.0.layers.1.W', 'layers.0.layers.1.b', 'layers.1.W', 'layers.1.b',
    ]);
    expect(p.get('layers.0.layers.1.W')).toBe((inner.layers[1] as Dense).W);
    expect(p.get('layers.1.b')).toBe(last.b);
    expect([...net.modules().valueSeq()].filter((m) => m instanceof Dense).map((d) => (d as Dense).layerIndex)).toEqual([1, 2, 3]);
    expect(net.forward(ones([2, 4])).name).toBe('A[3]');
    expect(net.children().keySeq().toArray()).toEqual(['layers.0', 'layers.1']);
    expect(net.modules().keySeq().toArray()).toEqual(['', 'layers.0', 'layers.0.layers.0', 'layers.0.layers.1', 'layers.1']);
  });

  it('a custom module: tensor fields with requiresGrad, Module fields and arrays of Modules; not buffers, private fields or others', () => {
    const net = new Net();
    expect(net.parameters().keySeq().toArray()).toEqual([
      'scale', 'encoder.layers.0.W', 'encoder.layers.0.b', 'encoder.layers.1.W', 'heads.0.W', 'heads.0.b', 'heads.1.W', 'heads.1.b',
    ]);
    expect(net.numParameters()).toBe(1 + 6 + 2 + 4 + 2 + 1 + 2 + 1);
    expect(net.children().keySeq().toArray()).toEqual(['encoder', 'heads.0', 'heads.1']);
  });

  it('a tensor held twice (tied weights) and a module used twice are listed once, under the first name', () => {
    const shared = new Dense(2, 2, { generator: g() });
    const tied = new Dense(2, 2, { generator: g() });
    tied.W = shared.W;
    const net = new Sequential(shared, tied, shared);
    expect(net.parameters().keySeq().toArray()).toEqual(['layers.0.W', 'layers.0.b', 'layers.1.b']);
    expect(net.numParameters()).toBe(4 + 2 + 2);
    // setting the tied tensor updates both places that hold it
    const W = tensor([[1, 2], [3, 4]]);
    net.setParameters([['layers.0.W', W]], { strict: false });
    expect(shared.W).toBe(tied.W);
    expect(shared.W.toArray()).toEqual([[1, 2], [3, 4]]);
  });
});

describe('Module.setParameters', () => {
  const model = () => new Sequential(new Dense(2, 3, { generator: g() }), new Dense(3, 1, { generator: g() }));

  it('replaces every parameter with a fresh leaf (requiresGrad, no grad) cast to the model dtype, keeping the originals intact', () => {
    const net = model();
    const before = net.parameters();
    before.forEach((p) => (p.grad = ones(p.shape)));
    const given = before.map((p) => p.astype('float64').mul(2));
    net.setParameters(given);
    const after = net.parameters();
    expect(after.keySeq().toArray()).toEqual(before.keySeq().toArray());
    after.forEach((p, name) => {
      expect(p.isLeaf && p.requiresGrad, name).toBe(true);
      expect(p.grad, name).toBeNull();
      expect(p.dtype, name).toBe('float32');
      expect(p).not.toBe(given.get(name));
      expect(Array.from(p.data), name).toEqual(Array.from(before.get(name)!.data, (v) => Math.fround(v * 2)));
    });
    expect(before.get('layers.0.W')!.grad).not.toBeNull(); // the old tensors are values, untouched
    expect((net.layers[0] as Dense).W).toBe(after.get('layers.0.W'));
  });

  it('is atomic: a bad shape in the middle leaves everything unchanged, and the ShapeError names the key and both shapes', () => {
    const net = model();
    const before = net.parameters();
    const bad = before.map((p, name) => (name === 'layers.0.b' ? zeros([3]) : p.mul(0)));
    let err: unknown;
    try {
      net.setParameters(bad);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ShapeError);
    expect((err as ShapeError).message).toBe(
      "setParameters: argument 'layers.0.b': parameter 'layers.0.b' has shape [3, 1] in the model but the given tensor has shape [3]",
    );
    net.parameters().forEach((p, name) => expect(p, name).toBe(before.get(name)));
  });

  it('rejects unknown, repeated and (when strict) missing names, and non-tensors, changing nothing', () => {
    const net = model();
    const before = net.parameters();
    const W0 = before.get('layers.0.W')!;
    expect(() => net.setParameters([...before, ['layers.2.W', W0]])).toThrow(/unknown parameter 'layers\.2\.W'; the model's parameters are 'layers\.0\.W', 'layers\.0\.b'/);
    expect(() => net.setParameters([['layers.0.W', W0], ['layers.0.W', W0]], { strict: false })).toThrow(/'layers\.0\.W' is given twice/);
    expect(() => net.setParameters([['layers.0.W', W0]])).toThrow(/missing parameter\(s\) 'layers\.0\.b', 'layers\.1\.W', 'layers\.1\.b'/);
    expect(() => net.setParameters([['layers.0.W', [[1, 2]] as unknown as Tensor]], { strict: false })).toThrow(TapegradError);
    expect(() => net.setParameters(42 as unknown as OrderedMap<string, Tensor>)).toThrow(/setParameters: argument 'params'/);
    net.parameters().forEach((p, name) => expect(p, name).toBe(before.get(name)));
  });

  it('with { strict: false } sets only the given names', () => {
    const net = model();
    const before = net.parameters();
    net.setParameters(OrderedMap([['layers.1.b', tensor([[7]])]]), { strict: false });
    const after = net.parameters();
    expect(after.get('layers.1.b')!.item()).toBe(7);
    for (const name of ['layers.0.W', 'layers.0.b', 'layers.1.W']) expect(after.get(name)).toBe(before.get(name));
  });
});

describe('Module.withParameters', () => {
  it('substitutes the given tensors as they are and restores the originals, even when fn throws', () => {
    const layer = new Dense(2, 1, { activation: 'linear', generator: g() });
    const W = layer.W;
    const given = tensor([[1, 1]], { dtype: 'float64' });
    const out = layer.withParameters([['W', given]], () => {
      expect(layer.W).toBe(given);
      return layer.forward(tensor([[2], [3]]));
    });
    expect(out.dtype).toBe('float64');
    expect(out.item()).toBe(5); // b is zeros
    expect(layer.W).toBe(W);
    expect(() => layer.withParameters([['W', given]], () => {
      throw new Error('boom');
    })).toThrow('boom');
    expect(layer.W).toBe(W);
  });
});

describe('Module.toString', () => {
  it('prints the architecture with shapes and parameter counts', () => {
    const net = new Sequential(new Dense(2, 4, { activation: 'tanh', generator: g() }), new Dense(4, 1, { generator: g() }));
    expect(String(net)).toBe(
      [
        'Sequential  (17 parameters, float32)',
        '  layers.0  Dense(2 → 4, tanh)     W [4, 2]  b [4, 1]  12 params',
        '  layers.1  Dense(4 → 1, sigmoid)  W [1, 4]  b [1, 1]  5 params',
      ].join('\n'),
    );
  });

  it('indents nested modules under their full names and shows a root’s own parameters in its header', () => {
    expect(String(new Net())).toBe(
      [
        'Net  scale [1, 1]  (19 parameters, float32)',
        '  encoder             Sequential                                          12 params',
        '    encoder.layers.0  Dense(3 → 2, sigmoid)           W [2, 3]  b [2, 1]  8 params',
        '    encoder.layers.1  Dense(2 → 2, sigmoid, no bias)  W [2, 2]            4 params',
        '  heads.0             Dense(2 → 1, sigmoid)           W [1, 2]  b [1, 1]  3 params',
        '  heads.1             Dense(2 → 1, sigmoid)           W [1, 2]  b [1, 1]  3 params',
      ].join('\n'),
    );
    expect(String(new Dense(3, 2, { dtype: 'float64' }))).toBe('Dense(3 → 2, sigmoid)  W [2, 3]  b [2, 1]  (8 parameters, float64)');
  });
});

describe('Module train/eval and zeroGrad', () => {
  it('train(false) and eval() reach every descendant, train() switches them back, and both return the module', () => {
    const net = new Net();
    const all = () => [...net.modules().valueSeq()].map((m) => m.training);
    expect(all().length).toBe(6);
    expect(all().every((t) => t)).toBe(true);
    expect(net.eval()).toBe(net);
    expect(all().every((t) => !t)).toBe(true);
    expect(net.train()).toBe(net);
    expect(all().every((t) => t)).toBe(true);
    net.train(false);
    expect(all().every((t) => !t)).toBe(true);
  });

  it('zeroGrad clears the grad of every parameter after a backward pass', () => {
    const net = new Net();
    net.forward(ones([3, 2])).sum().backward();
    expect(net.parameters().every((p) => p.grad !== null)).toBe(true);
    net.zeroGrad();
    expect(net.parameters().every((p) => p.grad === null)).toBe(true);
  });
});
