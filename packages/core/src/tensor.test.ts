import { describe, expect, it, vi } from 'vitest';
import { TapegradError, Tensor, add, expectTensor, isForeignTensor, isTensor, tensor } from '@tapegrad/core';

// A tensor of another copy of @tapegrad/core, as a second installed version would make one: it carries
// the shared brand on its prototype but is no instance of this copy's Tensor class.
const foreign = Object.create({ [Symbol.for('@tapegrad/core.Tensor')]: true }, { shape: { value: [2] }, ndim: { value: 1 } }) as unknown;

const refuse = (): never => {
  throw new Error('trap');
};
function revoked(): object {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}

describe('isTensor, isForeignTensor and expectTensor (for libraries built on core)', () => {
  const cases: [name: string, value: unknown, isTensor: boolean, isForeign: boolean][] = [
    ['a tensor of this copy', tensor([1, 2]), true, false],
    ['a tensor of another copy', foreign, false, true],
    ['nested arrays', [1, 2], false, false],
    ['a plain object with a shape', { shape: [2], data: [1, 2] }, false, false],
    ['an object whose brand is not true', Object.create({ [Symbol.for('@tapegrad/core.Tensor')]: 1 }), false, false],
    ['null', null, false, false],
    ['a number', 3, false, false],
    // our class in name only: ops read fields these lack (a Proxy does not forward private fields)
    ['a Proxy of a tensor of this copy', new Proxy(tensor([1, 2]), {}), false, false],
    ['an object made from Tensor.prototype', Object.create(Tensor.prototype), false, false],
    // "never throws": a Proxy that throws on every look at it
    ['a revoked Proxy', revoked(), false, false],
    ['a Proxy whose traps throw', new Proxy({}, { get: refuse, has: refuse, getPrototypeOf: refuse }), false, false],
  ];
  it.each(cases)('%s', (_name, value, tensorOfThisCopy, ofAnotherCopy) => {
    expect(isTensor(value)).toBe(tensorOfThisCopy);
    expect(isForeignTensor(value)).toBe(ofAnotherCopy);
  });

  it('what isTensor refuses, the ops cannot use', () => {
    expect(() => add(new Proxy(tensor([1, 2]), {}), 1)).toThrow(TypeError);
    expect(() => add(Object.create(Tensor.prototype) as Tensor, 1)).toThrow(TypeError);
  });

  it('a real second copy of core: each copy refuses the other\'s tensors, by name', async () => {
    vi.resetModules();
    const other = await import('@tapegrad/core');
    expect(other.Tensor).not.toBe(Tensor);
    const theirs = other.tensor([1, 2]);
    expect([isTensor(theirs), isForeignTensor(theirs), other.isTensor(tensor([1])), other.isForeignTensor(tensor([1]))]).toEqual([false, true, false, true]);
    expect(() => add(theirs as unknown as Tensor, 1)).toThrow(/^add: argument 'a': this Tensor comes from another copy of @tapegrad\/core/);
    expect(() => tensor([1, 2]).mul(theirs as unknown as Tensor)).toThrow(/^mul: argument 'b': this Tensor comes from another copy/);
  });

  it('expectTensor returns a tensor of this copy as it is', () => {
    const x = tensor([[1], [2]]);
    expect(expectTensor('myLayer', x)).toBe(x);
    expect(x).toBeInstanceOf(Tensor);
  });

  it('expectTensor names op and argument, and says when two copies of core are loaded', () => {
    expect(() => expectTensor('myLayer', foreign, 'x', 'a Tensor of shape [2, m]')).toThrow(
      new TapegradError('myLayer', 'this Tensor comes from another copy of @tapegrad/core; two copies are loaded (check that one version is installed: npm ls @tapegrad/core)', 'x'),
    );
    expect(() => expectTensor('myLayer', [[1], [2]], 'x', 'a Tensor of shape [2, m]')).toThrow(
      "myLayer: argument 'x': expected a Tensor of shape [2, m], got an array of length 2 (wrap it with tensor())",
    );
    expect(() => expectTensor('myLayer', { W: 1 })).toThrow("myLayer: argument 'x': expected a Tensor, got an object");
  });

  it("core's own ops give the same message for a tensor of another copy", () => {
    expect(() => add(foreign as Tensor, 1)).toThrow(/^add: argument 'a': this Tensor comes from another copy of @tapegrad\/core/);
  });
});

describe('shapes are frozen', () => {
  // Elementwise ops hand their output the input's shape without the constructor's checks (outputLike):
  // the shape the user sees must still be frozen, and the checks must still guard the public constructor.
  it.each([
    ['the public constructor', () => new Tensor(new Float32Array(6), [2, 3])],
    ['a unary op', () => tensor([[1, 2, 3], [4, 5, 6]]).exp()],
    ['a binary op on equal shapes', () => tensor([[1, 2, 3], [4, 5, 6]]).mul(tensor([[1, 2, 3], [4, 5, 6]]))],
    ['a broadcasting binary op', () => tensor([[1], [2]]).add(tensor([1, 2, 3]))],
    ['a gradient', () => {
      const x = tensor([[1, 2, 3], [4, 5, 6]], { requiresGrad: true });
      x.sigmoid().sum().backward();
      return x.grad!;
    }],
  ])('%s', (_name, make) => {
    const t = make();
    expect(t.shape).toEqual([2, 3]);
    expect(Object.isFrozen(t.shape)).toBe(true);
    expect(() => (t.shape as number[]).push(1)).toThrow(TypeError);
  });

  it('after an op, the public constructor checks its arguments again', () => {
    tensor([1, 2]).exp();
    expect(() => new Tensor(new Float32Array(2), [3])).toThrow("Tensor: argument 'shape': shape [3] has 3 elements but data has 2");
  });
});
