/**
 * flip, pad, split, repeat and tile with known values, their gradients (each sends the cotangent back
 * to where the entries came from, summing copies), the NumPy/PyTorch argument conventions and their
 * errors. PyTorch 1.13 values (python3, 2026-11-30) are quoted where a check uses one.
 */
import { describe, expect, it } from 'vitest';
import { arange, flip, grad, pad, repeat, ShapeError, split, tapeOf, TapegradError, tensor, Tensor, tile } from '@tapegrad/core';

const f64 = (data: number[] | number[][], requiresGrad = false) => tensor(data, { dtype: 'float64', requiresGrad });
/** 0, 1, 2, … in `shape`, float64. */
const iota = (shape: number[]) => arange(shape.reduce((p, d) => p * d, 1), undefined, 1, { dtype: 'float64' }).reshape(shape);
/** The gradient of Σ w ⊙ f(x) with w = 1, 2, 3, … over f(x): shows where each output entry came from. */
function pullback(f: (x: Tensor) => Tensor, x: Tensor): Tensor {
  return grad((t: Tensor) => {
    const y = f(t);
    return y.mul(iota(y.shape as number[]).add(1)).sum();
  })(x);
}

describe('flip', () => {
  const x = iota([2, 3]);

  it('along one axis, several, negative ones, or all by default (np.flip)', () => {
    expect(flip(x, 1).toArray()).toEqual([[2, 1, 0], [5, 4, 3]]);
    expect(flip(x, 0).toArray()).toEqual([[3, 4, 5], [0, 1, 2]]);
    expect(flip(x, -1).toArray()).toEqual(flip(x, 1).toArray());
    expect(flip(x).toArray()).toEqual([[5, 4, 3], [2, 1, 0]]);
    expect(x.flip([0, 1]).toArray()).toEqual([[5, 4, 3], [2, 1, 0]]);
    expect(flip(iota([2, 2, 2]), [0, 2]).toArray()).toEqual([[[5, 4], [7, 6]], [[1, 0], [3, 2]]]);
  });

  it('no axes, a 0-d tensor and an empty axis are copies', () => {
    expect(flip(x, []).toArray()).toEqual(x.toArray());
    expect(flip(f64([7]).reshape([])).item()).toBe(7);
    expect(flip(tensor([], { shape: [0, 2] }), 0).shape).toEqual([0, 2]);
  });

  it('is one primitive on the tape, and its gradient is the flipped cotangent', () => {
    const t = iota([2, 3]).setRequiresGrad();
    expect([...tapeOf(flip(t, 1))].map((e) => e.op)).toEqual(['flip']);
    expect(pullback((u) => flip(u, 1), t).toArray()).toEqual([[3, 2, 1], [6, 5, 4]]);
  });

  it('rejects a repeated axis or one out of range, naming flip', () => {
    expect(() => flip(x, [1, -1])).toThrow(/flip: argument 'axis': axis 1 is repeated/);
    expect(() => flip(x, 2)).toThrow(ShapeError);
    expect(() => flip(x, '0' as unknown as number)).toThrow(/flip: argument 'axis'/);
  });
});

describe('pad', () => {
  const x = f64([[1, 2, 3], [4, 5, 6]]);

  it('NumPy’s pad_width: one [before, after] per axis, in axis order', () => {
    expect(pad(f64([[1, 2]]), [[1, 0], [0, 2]]).toArray()).toEqual([[0, 0, 0, 0], [1, 2, 0, 0]]);
    // PyTorch lists pairs from the last axis back: F.pad(x, (1, 2, 0, 1), value=-1) is pad(x, [[0, 1], [1, 2]], -1)
    expect(pad(x, [[0, 1], [1, 2]], -1).toArray()).toEqual([
      [-1, 1, 2, 3, -1, -1], [-1, 4, 5, 6, -1, -1], [-1, -1, -1, -1, -1, -1],
    ]);
  });

  it('a number pads every side; one pair (or [[b, a]]) pads every axis by it', () => {
    expect(pad(f64([1, 2]), 1, -1).toArray()).toEqual([-1, 1, 2, -1]);
    expect(pad(x, 1).shape).toEqual([4, 5]);
    expect(pad(x, [1, 2]).shape).toEqual([5, 6]);
    expect(pad(x, [[1, 0]]).toArray()).toEqual(pad(x, [[1, 0], [1, 0]]).toArray());
    expect(pad(x, 0).toArray()).toEqual(x.toArray());
  });

  it('fills exactly, with NaN and ±∞ too, in x’s dtype', () => {
    expect(pad(f64([0.1]), [0, 1], 0.7).toArray()).toEqual([0.1, 0.7]);
    const p = pad(tensor([1]), 1, NaN);
    expect(p.dtype).toBe('float32');
    expect(Number.isNaN(p.data[0]) && p.data[1] === 1 && Number.isNaN(p.data[2])).toBe(true);
    expect(pad(f64([1]), [1, 0], -Infinity).toArray()).toEqual([-Infinity, 1]);
  });

  it('the gradient is the cotangent’s middle, none from the fill', () => {
    expect(pullback((t) => pad(t, [[1, 0], [0, 1]], 5), f64([[1, 2], [3, 4]], true)).toArray()).toEqual([[4, 5], [7, 8]]);
  });

  it('rejects negative or fractional widths, the wrong number of pairs and a non-number value', () => {
    expect(() => pad(x, -1)).toThrow(/pad: argument 'width': expected a non-negative integer/);
    expect(() => pad(x, [[0, 1], [1, 0.5]])).toThrow(/pad: argument 'width\[1\]'/);
    expect(() => pad(x, [[0, 1], [1, 1], [1, 1]])).toThrow(ShapeError);
    expect(() => pad(x, [[0, 1], [1, 1], [1, 1]])).toThrow(/one \[before, after\] pair per axis \(2\), got 3/);
    expect(() => pad(x, 1, '0' as unknown as number)).toThrow(/pad: argument 'value'/);
  });
});

describe('split', () => {
  it('into a number of equal pieces (np.split) or pieces of given sizes (torch.split’s list)', () => {
    expect(split(f64([1, 2, 3, 4, 5, 6]), 3).map((t) => t.toArray())).toEqual([[1, 2], [3, 4], [5, 6]]);
    const [a, b] = split(f64([[1, 2, 3], [4, 5, 6]]), [1, 2], 1);
    expect([a.toArray(), b.toArray()]).toEqual([[[1], [4]], [[2, 3], [5, 6]]]);
    expect(split(iota([4, 2]), [0, 3, 1]).map((t) => t.shape)).toEqual([[0, 2], [3, 2], [1, 2]]);
    expect(split(iota([2, 4]), 2, -1).map((t) => t.toArray())).toEqual([[[0, 1], [4, 5]], [[2, 3], [6, 7]]]);
  });

  it('each piece’s gradient goes back to its place', () => {
    const x = f64([1, 2, 3, 4, 5], true);
    const g = grad((t: Tensor) => {
      const [p, q] = split(t, [2, 3]);
      return p.mul(10).sum().add(q.mul(q).sum());
    })(x);
    expect(g.toArray()).toEqual([10, 10, 6, 8, 10]);
  });

  it('rejects an uneven count, sizes that do not add up, and bad counts', () => {
    expect(() => split(iota([5]), 2)).toThrow(/split: argument 'sections': axis 0 of shape \[5\] has 5 entries, which do not split into 2 equal pieces/);
    expect(() => split(iota([5]), [2, 2])).toThrow(/add up to 4, but axis 0 .* has 5 entries/);
    expect(() => split(iota([5]), [6, -1])).toThrow(/split: argument 'sections\[1\]'/);
    expect(() => split(iota([5]), 0)).toThrow(TapegradError);
    expect(() => split(iota([5]), 1, 1)).toThrow(/split: argument 'axis'/);
  });
});

describe('repeat (np.repeat, torch.repeat_interleave)', () => {
  it('each entry along an axis, a count for all or one per entry; no axis flattens first', () => {
    expect(repeat(f64([[1, 2], [3, 4]]), 2, 1).toArray()).toEqual([[1, 1, 2, 2], [3, 3, 4, 4]]);
    expect(repeat(f64([[1, 2], [3, 4]]), 2, 0).toArray()).toEqual([[1, 2], [1, 2], [3, 4], [3, 4]]);
    expect(repeat(f64([[1, 2], [3, 4]]), 2).toArray()).toEqual([1, 1, 2, 2, 3, 3, 4, 4]);
    expect(repeat(f64([1, 2, 3]), [2, 0, 1]).toArray()).toEqual([1, 1, 3]);
    expect(repeat(f64([[1, 2], [3, 4]]), [1, 2], -1).toArray()).toEqual([[1, 2, 2], [3, 4, 4]]);
    expect(repeat(f64([1, 2]), 0).shape).toEqual([0]);
  });

  it('the gradient sums the copies (PyTorch repeat_interleave([1, −2, 3], [2, 0, 2]), cotangent 1..4: [3, 0, 7])', () => {
    expect(pullback((t) => repeat(t, [2, 0, 2]), f64([1, -2, 3], true)).toArray()).toEqual([3, 0, 7]);
    expect(pullback((t) => repeat(t, 3, 0), f64([[1, 2]], true)).toArray()).toEqual([[9, 12]]);
  });

  it('rejects a count list of the wrong length and negative or fractional counts', () => {
    expect(() => repeat(f64([1, 2, 3]), [1, 2])).toThrow(/repeat: argument 'repeats': expected one count per entry along axis 0 \(3\)/);
    expect(() => repeat(f64([1, 2]), -1)).toThrow(/repeat: argument 'repeats'/);
    expect(() => repeat(f64([1, 2]), [1, 1.5])).toThrow(/repeat: argument 'repeats\[1\]'/);
    expect(() => repeat(f64([1, 2]), 2, 1)).toThrow(ShapeError);
  });
});

describe('tile (np.tile, torch.tile, PyTorch’s Tensor.repeat)', () => {
  it('a number tiles the last axis; reps longer or shorter than the rank get leading 1s', () => {
    expect(tile(f64([1, 2]), 2).toArray()).toEqual([1, 2, 1, 2]);
    expect(tile(f64([1, 2]), [2, 1]).toArray()).toEqual([[1, 2], [1, 2]]);
    expect(tile(f64([[1, 2], [3, 4]]), [2]).toArray()).toEqual([[1, 2, 1, 2], [3, 4, 3, 4]]);
    expect(f64([[1, 2], [3, 4]]).tile([2, 1, 2]).shape).toEqual([2, 2, 4]);
    expect(tile(f64([1, 2]), 0).shape).toEqual([0]);
  });

  it('the gradient sums the tiles (PyTorch tile([[1, 2], [3, 4]], (2, 3)), cotangent 0..23: [[48, 54], [84, 90]])', () => {
    const g = grad((t: Tensor) => {
      const y = tile(t, [2, 3]);
      return y.mul(iota([4, 6])).sum();
    })(f64([[1, 2], [3, 4]], true));
    expect(g.toArray()).toEqual([[48, 54], [84, 90]]);
  });

  it('rejects negative or fractional reps, naming tile', () => {
    expect(() => tile(f64([1]), -2)).toThrow(/tile: argument 'reps'/);
    expect(() => tile(f64([1]), [1, 0.5])).toThrow(/tile: argument 'reps\[1\]'/);
    expect(() => tile(f64([1]), 'x' as unknown as number)).toThrow(/tile: argument 'reps'/);
  });
});
