import { describe, it, expect } from 'vitest';
import { runInNewContext } from 'node:vm';
import { List } from 'immutable';
import {
  tensor, ones, full, noGrad, isGradEnabled, tapeOf, setKernels, kernels, zeroGrad,
  Tensor, TapegradError, ShapeError, type Kernels, type NestedArray,
} from '@tapegrad/core';
import { SWEEP_OPS } from './backward.js';
import { gradients } from './sweep.js';

const f64 = (data: NestedArray, requiresGrad = false): Tensor => tensor(data, { dtype: 'float64', requiresGrad });

/** Elementwise |actual − expected| ≤ tol over nested arrays of the same shape. */
function expectNear(actual: NestedArray, expected: NestedArray, tol: number, path = ''): void {
  if (typeof expected === 'number') {
    expect(typeof actual, path).toBe('number');
    expect(Math.abs((actual as number) - expected), `${path}: ${actual} vs ${expected}`).toBeLessThanOrEqual(tol);
    return;
  }
  expect(Array.isArray(actual), path).toBe(true);
  expect((actual as NestedArray[]).length, path).toBe(expected.length);
  expected.forEach((e, i) => expectNear((actual as NestedArray[])[i], e, tol, `${path}[${i}]`));
}

describe('tapeOf', () => {
  it('lists the ops reachable from the loss, oldest first, with the very input and output tensors', () => {
    const x = f64([1, 2, 3], true);
    const y = x.mul(2);
    const unrelated = x.exp(); // recorded, but the loss does not depend on it
    const z = y.add(x);
    const loss = z.sum();
    const tape = tapeOf(loss);
    expect(List.isList(tape)).toBe(true);
    expect(tape.map((e) => e.op).toArray()).toEqual(['mul', 'add', 'sum']);
    const [e0, e1, e2] = tape.toArray();
    expect(e0.inputs[0]).toBe(x);
    expect(e0.inputs[1].item()).toBe(2); // the weak scalar became a constant input
    expect(e0.output).toBe(y);
    expect(e1.inputs[0]).toBe(y);
    expect(e1.inputs[1]).toBe(x);
    expect(e1.output).toBe(z);
    expect(e2.inputs).toEqual([z]);
    expect(e2.output).toBe(loss);
    expect(e0.id < e1.id && e1.id < e2.id).toBe(true);
    expect(tape.some((e) => e.output === unrelated)).toBe(false);
  });

  it('is immutable: entries are frozen and pushing gives a new list', () => {
    const x = f64([1, 2], true);
    const tape = tapeOf(x.square().sum());
    const longer = tape.push(tape.get(0)!);
    expect(tape.size).toBe(2);
    expect(longer.size).toBe(3);
    expect(Object.isFrozen(tape.get(0))).toBe(true);
  });

  it('is empty for a leaf, and for tensors computed inside noGrad', () => {
    const x = f64([1, 2], true);
    expect(tapeOf(x).size).toBe(0);
    const y = noGrad(() => x.mul(3).exp());
    expect(y.requiresGrad).toBe(false);
    expect(y.isLeaf).toBe(true);
    expect(tapeOf(y).size).toBe(0);
    // y enters a later graph as a constant leaf: its own ops do not appear
    const tape = tapeOf(y.mul(x).sum());
    expect(tape.map((e) => e.op).toArray()).toEqual(['mul', 'sum']);
    expect(tape.get(0)!.inputs[0]).toBe(y);
  });

  it('records nothing when no input requires grad', () => {
    const a = f64([1, 2]);
    const b = a.mul(a).sum();
    expect(b.requiresGrad).toBe(false);
    expect(tapeOf(b).size).toBe(0);
  });
});

describe("the notes' two-layer network: A1 = σ(W1·X + b1), A2 = σ(W2·A1 + b2), loss = Σ A2", () => {
  type M = number[][];
  const mm = (A: M, B: M): M => A.map((r) => B[0].map((_, j) => r.reduce((s, v, k) => s + v * B[k][j], 0)));
  const T = (A: M): M => A[0].map((_, j) => A.map((r) => r[j]));
  const addCol = (A: M, b: M): M => A.map((r, i) => r.map((v) => v + b[i][0]));
  const map = (A: M, f: (v: number, i: number, j: number) => number): M => A.map((r, i) => r.map((v, j) => f(v, i, j)));
  const sig = (z: number): number => 1 / (1 + Math.exp(-z));
  const rowSums = (A: M): M => A.map((r) => [r.reduce((s, v) => s + v, 0)]);

  // n0 = 2 features, n1 = 3 hidden units, n2 = 1 output, m = 4 examples (columns)
  const X = [[0.5, -1.0, 2.0, 0.0], [1.5, 0.25, -0.5, 1.0]];
  const W1v = [[0.1, -0.2], [0.4, 0.3], [-0.5, 0.6]];
  const b1v = [[0.01], [-0.02], [0.03]];
  const W2v = [[0.7, -0.8, 0.9]];
  const b2v = [[-0.1]];

  it('matches a closed-form forward and backward written with plain loops', () => {
    const W1 = f64(W1v, true), b1 = f64(b1v, true), W2 = f64(W2v, true), b2 = f64(b2v, true);
    const Xt = f64(X);
    const A1 = W1.matmul(Xt).add(b1).sigmoid();
    const A2 = W2.matmul(A1).add(b2).sigmoid();
    const loss = A2.sum();
    loss.backward();

    const Z1 = addCol(mm(W1v, X), b1v), a1 = map(Z1, sig);
    const Z2 = addCol(mm(W2v, a1), b2v), a2 = map(Z2, sig);
    // hand check of one entry: Z1[0][0] = 0.1·0.5 − 0.2·1.5 + 0.01 = −0.24
    expect(Z1[0][0]).toBeCloseTo(-0.24, 15);
    expectNear(A1.toArray(), a1, 1e-12);
    expectNear(A2.toArray(), a2, 1e-12);
    expect(loss.item()).toBeCloseTo(a2[0].reduce((s, v) => s + v, 0), 12);

    const dA2 = map(a2, () => 1);
    const dZ2 = map(dA2, (v, i, j) => v * a2[i][j] * (1 - a2[i][j])); // dZ = dA ⊙ σ(Z)(1 − σ(Z))
    const dW2 = mm(dZ2, T(a1)), db2 = rowSums(dZ2);
    const dA1 = mm(T(W2v), dZ2);
    const dZ1 = map(dA1, (v, i, j) => v * a1[i][j] * (1 - a1[i][j]));
    const dW1 = mm(dZ1, T(X)), db1 = rowSums(dZ1);

    expectNear(W2.grad!.toArray(), dW2, 1e-12);
    expectNear(b2.grad!.toArray(), db2, 1e-12);
    expectNear(W1.grad!.toArray(), dW1, 1e-12);
    expectNear(b1.grad!.toArray(), db1, 1e-12);
    expect(b1.grad!.shape).toEqual([3, 1]);
    expect(tapeOf(loss).map((e) => e.op).toArray()).toEqual(['matmul', 'add', 'sigmoid', 'matmul', 'add', 'sigmoid', 'sum']);
  });
});

describe('fan-out', () => {
  it('accumulates a tensor used several times: d(x·x + x)/dx = 2x + 1', () => {
    const x = f64([-1.5, 0.25, 3], true);
    x.mul(x).add(x).sum().backward();
    expectNear(x.grad!.toArray(), [-2, 1.5, 7], 1e-15);
  });

  it('sums both paths of a diamond: d(3eˣ + e²ˣ)/dx = 3eˣ + 2e²ˣ', () => {
    const x = f64([0.3, -0.7], true);
    const a = x.exp();
    const left = a.mul(3), right = a.square();
    left.add(right).sum().backward();
    expectNear(x.grad!.toArray(), [0.3, -0.7].map((v) => 3 * Math.exp(v) + 2 * Math.exp(2 * v)), 1e-13);
  });
});

describe('deep chain', () => {
  it('backprops 100,000 chained ops without overflowing the stack', () => {
    const c = 1.0000001, n = 50_000; // n rounds of (y + 0.1)·c: 100,000 ops
    const x = f64([0.5], true);
    let y = x;
    for (let i = 0; i < n; i++) y = y.add(0.1).mul(c);
    // y_n = cⁿ x + 0.1 c (cⁿ − 1)/(c − 1),  dy_n/dx = cⁿ
    const cn = Math.pow(c, n);
    expect(y.item()).toBeCloseTo(cn * 0.5 + (0.1 * c * (cn - 1)) / (c - 1), 7);
    y.backward();
    expect(x.grad!.item()).toBeCloseTo(cn, 10);
    const tape = tapeOf(y);
    expect(tape.size).toBe(2 * n);
    expect(tape.first()!.inputs[0]).toBe(x);
    expect(tape.last()!.output).toBe(y);
  });
});

describe('memory', () => {
  it('stays flat over 100,000 forward/backward steps (no global tape)', () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    expect(gc, 'vitest must run with --expose-gc').toBeTypeOf('function');
    const w = f64([0.1, -0.2, 0.3, 0.4], true), b = f64([0.05], true);
    const x = f64([1, 2, 3, 4]);
    const step = () => {
      const loss = w.mul(x).add(b).tanh().square().sum();
      loss.backward();
      w.zeroGrad();
      b.grad = null;
    };
    for (let i = 0; i < 5_000; i++) step();
    gc!();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 95_000; i++) step();
    gc!();
    const growth = process.memoryUsage().heapUsed - before;
    // Each step makes ~20 tensors (≥ 100 bytes each with their typed arrays): were the graphs kept,
    // 95,000 steps would retain ≥ 190 MB. 5 MB leaves room for JIT and allocator noise only.
    expect(growth).toBeLessThan(5 * 1024 * 1024);
    expect(w.grad).toBeNull();
  }, 60_000);
});

describe('.grad', () => {
  it('accumulates across backward() calls and is reset by zeroGrad(), grad = null and zeroGrad(tree)', () => {
    const w = f64([1, 2], true), b = f64([3], true);
    const loss = () => w.mul(b).sum(); // dw = b, db = Σw
    loss().backward();
    loss().backward();
    expect(w.grad!.toArray()).toEqual([6, 6]);
    expect(b.grad!.toArray()).toEqual([6]);
    expect(w.grad!.requiresGrad).toBe(false);
    w.zeroGrad();
    expect(w.grad).toBeNull();
    b.grad = null;
    loss().backward();
    expect(w.grad!.toArray()).toEqual([3, 3]);
    expect(b.grad!.toArray()).toEqual([3]);
    zeroGrad({ layer: [w], bias: b });
    expect(w.grad).toBeNull();
    expect(b.grad).toBeNull();
  });

  it('the same loss can be backpropagated twice (the graph is kept)', () => {
    const x = f64([2], true);
    const y = x.pow(3).sum();
    y.backward();
    y.backward();
    expect(x.grad!.item()).toBeCloseTo(24, 14);
  });
});

describe('backward seeds and errors', () => {
  it('needs a seed for a non-scalar output and names backward and the shape', () => {
    const x = f64([[1, 2, 3], [4, 5, 6]], true);
    const y = x.mul(x);
    expect(() => y.backward()).toThrow(TapegradError);
    expect(() => y.backward()).toThrow(/backward.*\[2, 3\]/);
  });

  it('takes the seed as a Tensor or as nested numbers (the cotangent)', () => {
    const x = f64([1, 2], true);
    x.mul(x).backward(f64([10, 100]));
    expect(x.grad!.toArray()).toEqual([20, 400]);
    x.grad = null;
    x.mul(x).backward([0.5, -1]);
    expect(x.grad!.toArray()).toEqual([1, -4]);
  });

  it('rejects a seed of the wrong shape with a ShapeError', () => {
    const x = f64([1, 2], true);
    expect(() => x.mul(x).backward(f64([1, 2, 3]))).toThrow(ShapeError);
    expect(() => x.mul(x).backward([[1, 2]])).toThrow(/seed.*\[1, 2\].*\[2\]/);
    expect(x.grad).toBeNull();
  });

  it('throws on a tensor that does not require grad', () => {
    expect(() => f64([1]).backward()).toThrow(TapegradError);
    expect(() => f64([1]).mul(2).backward()).toThrow(/backward/);
  });
});

describe('atomicity', () => {
  /** Wraps every kernel so `onCall` runs before each call, restoring the kernels afterwards. */
  function withKernelHook<T>(onCall: () => void, fn: () => T): T {
    const wrapped: Partial<Kernels> = {};
    for (const [name, k] of Object.entries(kernels)) {
      (wrapped as Record<string, unknown>)[name] = (...args: unknown[]) => {
        onCall();
        return (k as (...a: unknown[]) => unknown)(...args);
      };
    }
    const restore = setKernels(wrapped);
    try {
      return fn();
    } finally {
      restore();
    }
  }

  it('leaves every .grad untouched when backward throws at any kernel call', () => {
    const W = f64([[0.5, -1], [2, 0.25]], true), b = f64([[0.1], [-0.3]], true);
    const X = f64([[1, 2, 3], [-1, 0, 1]]);
    const loss = W.matmul(X).add(b).tanh().sum();
    loss.backward(); // previous grads, which a failed backward must not touch
    const prev = { W: W.grad!, b: b.grad! };
    const saved = { W: Array.from(prev.W.data), b: Array.from(prev.b.data) };

    let calls = 0;
    withKernelHook(() => calls++, () => loss.backward());
    expect(calls).toBeGreaterThan(3);
    // backward worked: grads doubled. Reset to the saved ones for the failing runs.
    expect(Array.from(W.grad!.data)).toEqual(saved.W.map((v) => 2 * v));
    W.grad = prev.W;
    b.grad = prev.b;

    for (let n = 1; n <= calls; n++) {
      let k = 0;
      const boom = () => {
        if (++k === n) throw new Error(`kernel call ${n} fails`);
      };
      expect(() => withKernelHook(boom, () => loss.backward()), `failure at call ${n}`).toThrow(`kernel call ${n} fails`);
      expect(W.grad, `W.grad after failure at call ${n}`).toBe(prev.W);
      expect(b.grad, `b.grad after failure at call ${n}`).toBe(prev.b);
      expect(Array.from(W.grad!.data)).toEqual(saved.W);
      expect(Array.from(b.grad!.data)).toEqual(saved.b);
      // No cotangent of the failed sweep is left on the graph: the next backward adds exactly one gradient.
      loss.backward();
      expect(Array.from(W.grad!.data), `W.grad after a backward that follows failure ${n}`).toEqual(saved.W.map((v) => 2 * v));
      expect(Array.from(b.grad!.data), `b.grad after a backward that follows failure ${n}`).toEqual(saved.b.map((v) => 2 * v));
      W.grad = prev.W;
      b.grad = prev.b;
    }
  });
});

describe('the sweep leaves the graph as it found it', () => {
  it('drops the cotangent kept for a target that is an intermediate tensor', () => {
    const x = f64([1, 2, 3], true);
    const y = x.mul(x);
    const loss = y.sum().mul(3);
    const seed = ones([], { dtype: 'float64' });
    // a cotangent left on y's node would be added to the next sweep's: 3, then 6
    for (let run = 0; run < 2; run++) {
      const g = gradients([loss], [seed], new Set([y]), false, SWEEP_OPS);
      expect(g.get(y)!.toArray(), `run ${run}`).toEqual([3, 3, 3]);
    }
    loss.backward();
    expect(x.grad!.toArray()).toEqual([6, 12, 18]); // d(3 Σ x²)/dx = 6x
  });
});

describe('broadcasting and dtypes are undone in one place', () => {
  it('a [3, 1] bias added to [3, 4] gets a [3, 1] gradient of row sums', () => {
    const b = f64([[1], [2], [3]], true), v = f64([1, -1, 2, 0.5], true);
    const C = f64([[1, 2, 3, 4], [5, 6, 7, 8], [-1, -2, -3, -4]]);
    full([3, 4], 0.5, { dtype: 'float64' }).add(b).add(v).mul(C).sum().backward();
    expect(b.grad!.shape).toEqual([3, 1]);
    expect(b.grad!.toArray()).toEqual([[10], [26], [-10]]);
    expect(v.grad!.shape).toEqual([4]);
    expect(v.grad!.toArray()).toEqual([5, 6, 7, 8]);
  });

  it('a float32 leaf mixed with a float64 tensor gets a float32 gradient', () => {
    const w = tensor([1, 2], { requiresGrad: true });
    const x = f64([0.1, 1 / 3]);
    const y = w.mul(x).sum();
    expect(y.dtype).toBe('float64');
    y.backward();
    expect(w.grad!.dtype).toBe('float32');
    expect(w.grad!.toArray()).toEqual([Math.fround(0.1), Math.fround(1 / 3)]);
  });
});

describe('createGraph', () => {
  it('gives a gradient that can be differentiated again: d/dx (d/dx x³) = 6x', () => {
    const x = f64([1.5, -2], true);
    x.mul(x).mul(x).sum().backward(undefined, { createGraph: true });
    const g = x.grad!;
    expect(g.requiresGrad).toBe(true);
    expectNear(g.toArray(), [6.75, 12], 1e-14);
    x.grad = null;
    g.sum().backward();
    expectNear(x.grad!.toArray(), [9, -12], 1e-14);
  });
});

describe('noGrad', () => {
  it('nests, and restores the state after an exception', () => {
    expect(isGradEnabled()).toBe(true);
    const x = f64([1], true);
    noGrad(() => {
      expect(isGradEnabled()).toBe(false);
      noGrad(() => expect(isGradEnabled()).toBe(false));
      expect(isGradEnabled()).toBe(false);
      expect(() => noGrad(() => { throw new Error('inner'); })).toThrow('inner');
      expect(isGradEnabled()).toBe(false);
      expect(x.mul(2).requiresGrad).toBe(false);
    });
    expect(isGradEnabled()).toBe(true);
    expect(() => noGrad(() => { throw new Error('outer'); })).toThrow('outer');
    expect(isGradEnabled()).toBe(true);
    expect(x.mul(2).requiresGrad).toBe(true);
    expect(noGrad(() => 42)).toBe(42);
    expect(ones([1]).requiresGrad).toBe(false);
  });

  it('refuses async functions, before running them, from this realm or another, and returned thenables', () => {
    let ran = 0;
    const refuse = (fn: unknown): void => {
      let err: unknown;
      try { noGrad(fn as () => unknown); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(TapegradError);
      expect((err as Error).message).toMatch(/^noGrad: argument 'fn': the function is async/);
    };
    refuse(async () => ran++);
    refuse(async function named() { ran++; });
    refuse(runInNewContext('(async () => 1)'));
    expect(ran).toBe(0);
    refuse(() => Promise.resolve(1));
    refuse(() => ({ then: () => 1 }));
    expect(isGradEnabled()).toBe(true);
    // functions that are not async run, whatever their prototype
    function* gen(): Generator<number> { yield 1; }
    expect([...noGrad(gen)]).toEqual([1]);
    expect(noGrad(runInNewContext('(() => 7)'))).toBe(7);
    expect(noGrad(Object.setPrototypeOf(() => 8, null))).toBe(8);
    expect(noGrad(() => [1, 2])).toEqual([1, 2]);
  });
});
