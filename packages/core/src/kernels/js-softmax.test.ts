import { describe, expect, it } from 'vitest';
import { jsKernels as K } from './js.js';

type Ctor = Float32ArrayConstructor | Float64ArrayConstructor;

/** −Σ_k y_k log softmax(z)_k of one slice, straight from the definition (no shift), in doubles. */
const naiveLoss = (z: number[], y: number[]): number => {
  const logZ = Math.log(z.reduce((s, v) => s + Math.exp(v), 0));
  return -z.reduce((s, v, k) => s + y[k] * (v - logZ), 0);
};
/** (softmax(z)·Σy − y)·g of one slice, from the definition. */
const naiveGrad = (z: number[], y: number[], g: number): number[] => {
  const Z = z.reduce((s, v) => s + Math.exp(v), 0), mass = y.reduce((s, v) => s + v, 0);
  return z.map((v, k) => g * ((Math.exp(v) / Z) * mass - y[k]));
};

describe.each([['Float32Array', Float32Array], ['Float64Array', Float64Array]] as [string, Ctor][])('softmax cross-entropy kernels, %s', (_n, T) => {
  const tol = T === Float32Array ? 2e-7 : 1e-15;
  const close = (got: ArrayLike<number>, want: number[]) => {
    expect(got.length).toBe(want.length);
    want.forEach((w, i) => expect(Math.abs(got[i] - w), `index ${i}: ${got[i]} vs ${w}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(w))));
  };
  const loss = (z: number[], y: number[], shape: number[], axis: number) => {
    const out = new T(shape.reduce((p, d, i) => (i === axis ? p : p * d), 1));
    K.softmaxCrossEntropy(T.from(z), T.from(y), shape, axis, out);
    return out;
  };
  const grad = (z: number[], y: number[], g: number[], shape: number[], axis: number) => {
    const out = new T(z.length).fill(99); // every element must be written
    K.softmaxCrossEntropyGrad(T.from(z), T.from(y), T.from(g), shape, axis, out);
    return out;
  };

  it('classes in rows (axis 0) and in columns (axis 1), hand-computed', () => {
    // 3 classes × 2 examples: z = [[1, 0], [2, 0], [3, 0]], labels 2 and 0
    const z = [1, 0, 2, 0, 3, 0], y = [0, 1, 0, 0, 1, 0];
    const want = [Math.log(Math.E + Math.E ** 2 + Math.E ** 3) - 3, Math.log(3)];
    close(loss(z, y, [3, 2], 0), want);
    close(loss([1, 2, 3, 0, 0, 0], [0, 0, 1, 1, 0, 0], [2, 3], 1), want);
    // softmax(z) − y, scaled by g per example
    const s = [1, 2, 3].map((v) => Math.exp(v) / (Math.E + Math.E ** 2 + Math.E ** 3));
    close(grad(z, y, [1, 0.5], [3, 2], 0), [s[0], 0.5 * (1 / 3 - 1), s[1], 0.5 / 3, s[2] - 1, 0.5 / 3]);
  });

  it('soft labels that do not sum to 1, and the middle axis of a 3-D array, against the definition', () => {
    // shape [2, 3, 2], axis 1: slices (i, ·, j) are z[i·6 + k·2 + j] for k = 0..2
    const z = [0.5, -1, 2, 0.25, -0.75, 1.5, 1, 2, -2, 0, 0.3, -0.3];
    const y = [0.2, 0, 0.5, 1, 0.9, 0, 0, 0.3, 1, 0.3, 0.1, 0.4];
    const slice = (a: number[], i: number, j: number) => [0, 1, 2].map((k) => a[i * 6 + k * 2 + j]);
    const pairs = [[0, 0], [0, 1], [1, 0], [1, 1]];
    close(loss(z, y, [2, 3, 2], 1), pairs.map(([i, j]) => naiveLoss(slice(z, i, j), slice(y, i, j))));
    const g = [1.5, -2, 0.5, 3];
    const want = new Array<number>(12);
    pairs.forEach(([i, j], r) => naiveGrad(slice(z, i, j), slice(y, i, j), g[r]).forEach((v, k) => (want[i * 6 + k * 2 + j] = v)));
    close(grad(z, y, g, [2, 3, 2], 1), want);
  });

  it('huge logits do not overflow: the max is subtracted first', () => {
    close(loss([1000, 0], [1, 0], [2], 0), [0]);
    close(loss([-1000, 1000], [1, 0], [2], 0), [2000]);
    close(grad([1000, 0], [0, 1], [1], [2], 0), [1, -1]);
  });

  it('a NaN or infinite logit makes its slice NaN, and only its slice', () => {
    const out = loss([NaN, 0, 1, 2], [1, 0, 1, 0], [2, 2], 1);
    expect(out[0]).toBeNaN();
    close([out[1]], [naiveLoss([1, 2], [1, 0])]);
    expect(loss([Infinity, 0], [0, 1], [2], 0)[0]).toBeNaN();
  });

  it('empty arrays', () => {
    expect(loss([], [], [0, 3], 1).length).toBe(0);
    expect(grad([], [], [], [0, 3], 1).length).toBe(0);
  });
});
