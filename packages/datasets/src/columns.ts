import { ShapeError, TapegradError, Tensor, tensor } from '@tapegrad/core';

/** Formats a shape the way NumPy prints it: `[2, 3]`. */
export const fmtShape = (shape: readonly number[]): string => `[${shape.join(', ')}]`;

/** Checks that `t` is a tensor with at least one axis; examples are its last axis (columns). */
export function expectExamples(op: string, t: unknown, arg: string): Tensor {
  if (!(t instanceof Tensor)) {
    throw new TapegradError(op, `expected a Tensor, got ${t === null ? 'null' : typeof t}`, arg);
  }
  if (t.ndim === 0) {
    throw new ShapeError(op, 'expected examples on the last axis (columns), got a 0-d tensor', arg);
  }
  return t;
}

/** The number of examples `m` shared by x and y (their last axes), or a ShapeError naming `y`. */
export function exampleCount(op: string, x: Tensor, y: Tensor): number {
  const m = x.shape[x.ndim - 1], my = y.shape[y.ndim - 1];
  if (m !== my) {
    throw new ShapeError(
      op,
      `x has ${m} examples (shape ${fmtShape(x.shape)}) but y has ${my} (shape ${fmtShape(y.shape)}); examples are the last axis`,
      'y',
    );
  }
  return m;
}

/** Checks an optional integer seed before it reaches `Generator`, so the error names this function. */
export function checkSeed(op: string, seed: unknown): number {
  if (typeof seed !== 'number' || !Number.isInteger(seed)) {
    throw new TapegradError(op, `seed must be an integer, got ${String(seed)}`, 'seed');
  }
  return seed;
}

/**
 * The columns `indices` of `t` (indices into its last axis), in that order, as a new leaf tensor of
 * the same dtype. This is data preparation, not an op: nothing is recorded on the tape.
 */
export function takeColumns(t: Tensor, indices: ArrayLike<number>): Tensor {
  const m = t.shape[t.ndim - 1];
  const k = indices.length;
  const rows = m === 0 ? 0 : t.size / m;
  const out = t.dtype === 'float64' ? new Float64Array(rows * k) : new Float32Array(rows * k);
  const src = t.data;
  for (let r = 0; r < rows; r++) {
    const from = r * m, to = r * k;
    for (let j = 0; j < k; j++) out[to + j] = src[from + indices[j]];
  }
  return tensor(out, { shape: [...t.shape.slice(0, -1), k], dtype: t.dtype });
}
