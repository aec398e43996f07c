import { afterEach, describe, expect, it, vi } from 'vitest';
import { tensor, type Tensor } from '@tapegrad/core';
import { Dense, Module, Sequential } from '@tapegrad/nn';

/** A user's own container, holding a module as a field (no Sequential of its own). */
class Wrap extends Module {
  constructor(readonly inner: Module) {
    super();
  }
  forward(x: Tensor): Tensor {
    return this.inner.forward(x);
  }
}

/** n nested Sequentials around one Dense (every other level inside a Wrap when `wrapped`). */
function nested(n: number, wrapped = false): Sequential {
  let m: Module = new Dense(1, 1);
  for (let i = 0; i < n; i++) m = new Sequential(wrapped && i % 2 === 1 ? new Wrap(m) : m);
  return m as Sequential;
}

describe('nested Sequentials', () => {
  afterEach(() => vi.restoreAllMocks());

  // Work is counted, not timed: every walk over a module's fields lists them with Object.keys, so the
  // calls made while building grow as the walks do (quadratically when each constructor walks every descendant).
  const keysCalledBuilding = (n: number, wrapped: boolean) => {
    const keys = vi.spyOn(Object, 'keys');
    nested(n, wrapped);
    const calls = keys.mock.calls.length;
    keys.mockRestore();
    return calls;
  };

  it.each([false, true])('building 1,000 and 2,000 costs linear work (with user containers between: %s)', (wrapped) => {
    const [k1, k2] = [keysCalledBuilding(1000, wrapped), keysCalledBuilding(2000, wrapped)];
    expect(k2).toBeLessThanOrEqual(2 * k1 + 10);
  });

  it('numbers the Dense layers depth first, each once, as modules() lists them', () => {
    const shared = new Dense(3, 3);
    const inner = new Sequential(new Dense(2, 3), shared);
    const model = new Sequential(new Wrap(inner), new Dense(3, 3), new Sequential(shared, new Dense(3, 1)));
    const dense = [...model.modules().values()].filter((m): m is Dense => m instanceof Dense);
    expect(dense).toHaveLength(4);
    expect(dense.map((d) => d.layerIndex)).toEqual([1, 2, 3, 4]);
    expect(model.forward(tensor([[1], [2]])).name).toBe('A[4]');
  });

  it('20,000 levels deep: parameters, zeroGrad and eval walk without overflowing the stack', () => {
    const model = nested(20_000, true);
    expect(model.parameters().size).toBe(2);
    expect([...model.parameters().keys()][0].endsWith('layers.0.inner.layers.0.W')).toBe(true);
    expect(model.numParameters()).toBe(2);
    model.zeroGrad();
    model.eval();
    let inner: Module = model;
    while (!(inner instanceof Dense)) inner = inner instanceof Wrap ? inner.inner : (inner as Sequential).layers[0];
    expect(inner.training).toBe(false);
  });

  it('20,000 levels deep: forward runs the layers in order without overflowing the stack', () => {
    const model = nested(20_000);
    let dense: Module = model;
    while (!(dense instanceof Dense)) dense = (dense as Sequential).layers[0];
    const x = tensor([[2]], { dtype: 'float64' });
    expect(model.forward(x).item()).toBe(dense.forward(x).item());
    // a level's own layers run after the levels nested inside it: −1 (innermost), 0, 1, …, 4999
    const ran: number[] = [];
    let m = new Sequential((t: Tensor) => (ran.push(-1), t.add(1)));
    for (let i = 0; i < 5_000; i++) m = new Sequential(new Sequential(m), (t: Tensor) => (ran.push(i), t));
    const ordered = new Sequential(m, (t: Tensor) => t.mul(3), new Sequential((t: Tensor) => t.add(2)));
    expect(ordered.forward(tensor([1])).item()).toBe(8); // (1 + 1) · 3 + 2
    expect(ran).toEqual(Array.from({ length: 5_001 }, (_, i) => i - 1));
  });

  it("forward calls a subclass's own forward where it overrides Sequential's", () => {
    class Twice extends Sequential {
      override forward(x: Tensor): Tensor {
        return super.forward(super.forward(x));
      }
    }
    const model = new Sequential(new Twice((t: Tensor) => t.add(1)), new Sequential(new Twice((t: Tensor) => t.mul(3))));
    expect(model.forward(tensor([0])).item()).toBe(18);
  });
});
