/**
 * matmul and the layout ops (transpose, reshape, squeeze/unsqueeze, broadcastTo, concat/stack, slice,
 * gather) with hand-computed values, their NumPy/PyTorch edge cases and their errors. matmul is also
 * checked against a naive triple loop written here, on small integers, so every product is exact.
 */
import { describe, expect, it } from 'vitest';
import {
  arange, broadcastTo, concat, gather, matmul, mT, reshape, ShapeError, slice, squeeze, stack, sumToShape, take,
  TapegradError, tensor, Tensor, transpose, unsqueeze,
} from '@tapegrad/core';

const f64 = (data: number[] | number[][]) => tensor(data, { dtype: 'float64' });
/** 0, 1, 2, … in `shape`, float64. */
const iota = (shape: number[]) => arange(shape.reduce((p, d) => p * d, 1), undefined, 1, { dtype: 'float64' }).reshape(shape);
const vals = (t: Tensor): number[] => Array.from(t.data);

/** Reference batched matmul on [..., m, k] · [..., k, n] with NumPy batch broadcasting, by index. */
function naiveMatmul(a: Tensor, b: Tensor): { shape: number[]; data: number[] } {
  const m = a.shape[a.ndim - 2], k = a.shape[a.ndim - 1], n = b.shape[b.ndim - 1];
  const ba = a.shape.slice(0, -2), bb = b.shape.slice(0, -2);
  const nb = Math.max(ba.length, bb.length);
  const batch = Array.from({ length: nb }, (_, i) => Math.max(ba[ba.length - nb + i] ?? 1, bb[bb.length - nb + i] ?? 1));
  const count = batch.reduce((p, d) => p * d, 1);
  const data: number[] = [];
  for (let f = 0; f < count; f++) {
    const idx = batch.map((_, d) => Math.floor(f / batch.slice(d + 1).reduce((p, x) => p * x, 1)) % batch[d]);
    const flat = (own: number[]) => own.reduce((acc, dim, d) => acc * dim + (dim === 1 ? 0 : idx[nb - own.length + d]), 0);
    const oa = flat(ba) * m * k, ob = flat(bb) * k * n;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += a.data[oa + i * k + p] * b.data[ob + p * n + j];
        data.push(s);
      }
    }
  }
  return { shape: [...batch, m, n], data };
}

describe('matmul', () => {
  it('2-D · 2-D, by hand', () => {
    const y = matmul(f64([[1, 2], [3, 4]]), f64([[5, 6], [7, 8]]));
    expect(y.toArray()).toEqual([[19, 22], [43, 50]]);
    // [2,3]·[3,1]: (1·1 + 2·0 + 3·−1, 4·1 + 5·0 + 6·−1)
    expect(matmul(f64([[1, 2, 3], [4, 5, 6]]), f64([[1], [0], [-1]])).toArray()).toEqual([[-2], [-2]]);
  });

  it('1-D · 1-D is the dot product, a 0-d tensor', () => {
    const y = matmul(f64([1, 2, 3]), f64([4, 5, 6]));
    expect(y.shape).toEqual([]);
    expect(y.item()).toBe(32);
  });

  it('1-D · 2-D treats the vector as a row, 2-D · 1-D as a column, and drops that dim', () => {
    const v = matmul(f64([1, 2]), f64([[1, 2, 3], [4, 5, 6]]));
    expect(v.shape).toEqual([3]);
    expect(vals(v)).toEqual([9, 12, 15]);
    const w = matmul(f64([[1, 2, 3], [4, 5, 6]]), f64([1, 0, -1]));
    expect(w.shape).toEqual([2]);
    expect(vals(w)).toEqual([-2, -2]);
  });

  it('a 1-D operand against a batched one: [k]·[B, k, n] → [B, n] and [B, m, k]·[k] → [B, m]', () => {
    const B = iota([2, 3, 2]);
    const left = matmul(f64([1, -1, 2]), B);
    expect(left.toArray()).toEqual([[0 - 2 + 8, 1 - 3 + 10], [6 - 8 + 20, 7 - 9 + 22]]);
    const right = matmul(iota([2, 2, 3]), f64([1, -1, 2]));
    expect(right.toArray()).toEqual([[0 - 1 + 4, 3 - 4 + 10], [6 - 7 + 16, 9 - 10 + 22]]);
  });

  it('batched N-D with broadcasting batch dims matches a naive loop', () => {
    const cases: [number[], number[]][] = [
      [[2, 1, 2, 3], [3, 3, 2]], // batch [2,1] with [3] → [2,3]
      [[4, 2, 3], [3, 5]], // a stack against one matrix
      [[2, 3], [4, 3, 2]], // one matrix against a stack
      [[1, 2, 2], [3, 2, 1]],
    ];
    for (const [sa, sb] of cases) {
      const a = iota(sa).sub(3), b = iota(sb).mul(2).sub(5);
      const ref = naiveMatmul(a, b);
      const y = matmul(a, b);
      expect(y.shape, `${sa} · ${sb}`).toEqual(ref.shape);
      expect(vals(y), `${sa} · ${sb}`).toEqual(ref.data);
    }
  });

  it('float32 operands give float32; mixed dtypes promote to float64', () => {
    expect(matmul(tensor([[1, 2]]), tensor([[3], [4]])).dtype).toBe('float32');
    expect(matmul(tensor([[1, 2]]), f64([[3], [4]])).dtype).toBe('float64');
  });

  it('an inner-dimension mismatch is a ShapeError naming both shapes', () => {
    const call = () => matmul(tensor([[1, 2, 3], [4, 5, 6]]), tensor([[1, 2], [3, 4]]));
    expect(call).toThrow(ShapeError);
    expect(call).toThrow(/matmul: inner dimensions do not match: a has shape \[2, 3\].*b has shape \[2, 2\]/);
    expect(() => matmul(tensor([1, 2, 3]), tensor([[1, 2]]))).toThrow('matmul: inner dimensions do not match: a has shape [3], b has shape [1, 2]');
    expect(() => matmul(tensor(2), tensor([1]))).toThrow(ShapeError);
  });

  it('gradients are the notes’ dW = dZ·Aᵀ and dA = Wᵀ·dZ (here dZ = ones)', () => {
    const W = f64([[1, 2], [3, 4]]).setRequiresGrad();
    const A = f64([[1, 0, 2], [-1, 3, 1]]).setRequiresGrad();
    matmul(W, A).sum().backward();
    // dW[i][k] = Σ_j A[k][j]: rows of A sum to 3 and 3
    expect(W.grad!.toArray()).toEqual([[3, 3], [3, 3]]);
    // dA[k][j] = Σ_i W[i][k]: columns of W sum to 4 and 6
    expect(A.grad!.toArray()).toEqual([[4, 4, 4], [6, 6, 6]]);
  });

  it('the gradient of a broadcast batch operand is summed over the batch', () => {
    const a = f64([[1, 2]]).setRequiresGrad(); // [1, 2], used by each of 3 batch matrices
    const b = iota([3, 2, 1]).setRequiresGrad();
    matmul(a, b).sum().backward();
    // da[0][p] = Σ_batch b[batch][p][0] = (0 + 2 + 4, 1 + 3 + 5)
    expect(a.grad!.toArray()).toEqual([[6, 9]]);
    expect(b.grad!.toArray()).toEqual([[[1], [2]], [[1], [2]], [[1], [2]]]);
  });
});

describe('transpose and .T', () => {
  it('reverses the axes by default', () => {
    expect(transpose(f64([[1, 2, 3], [4, 5, 6]])).toArray()).toEqual([[1, 4], [2, 5], [3, 6]]);
    const y = transpose(iota([2, 3, 4]));
    expect(y.shape).toEqual([4, 3, 2]);
    expect(y.toArray()).toEqual(
      Array.from({ length: 4 }, (_, k) => Array.from({ length: 3 }, (_, j) => Array.from({ length: 2 }, (_, i) => i * 12 + j * 4 + k))),
    );
  });

  it('with a permutation (negative axes allowed): out[i][k][j] = x[i][j][k] for perm [0, 2, 1]', () => {
    const x = iota([2, 3, 4]);
    const expected = Array.from({ length: 2 }, (_, i) => Array.from({ length: 4 }, (_, k) => Array.from({ length: 3 }, (_, j) => i * 12 + j * 4 + k)));
    expect(transpose(x, [0, 2, 1]).toArray()).toEqual(expected);
    expect(transpose(x, [0, -1, -2]).toArray()).toEqual(expected);
    expect(x.transpose([1, 0, 2]).shape).toEqual([3, 2, 4]);
  });

  it('a bad permutation is a ShapeError', () => {
    const x = tensor([[1, 2, 3]]);
    expect(() => transpose(x, [0, 0])).toThrow('transpose: argument \'perm\': [0,0] is not a permutation of the 2 axes of a tensor of shape [1, 3]');
    expect(() => transpose(x, [0])).toThrow(ShapeError);
    expect(() => transpose(x, [0, 2])).toThrow('axis 2 is out of range for a tensor of rank 2');
  });

  it('.T transposes a matrix, leaves a vector alone and swaps the last two axes of N-D (documented)', () => {
    expect(f64([[1, 2, 3]]).T.toArray()).toEqual([[1], [2], [3]]);
    const v = f64([1, 2, 3]);
    expect(v.T).toBe(v);
    expect(iota([2, 3, 4]).T.toArray()).toEqual(transpose(iota([2, 3, 4]), [0, 2, 1]).toArray());
  });

  it('mT swaps the last two axes as a free function too', () => {
    expect(mT(iota([2, 3])).toArray()).toEqual([[0, 3], [1, 4], [2, 5]]);
    expect(mT(iota([2, 1, 3])).shape).toEqual([2, 3, 1]);
    const s = tensor(4);
    expect(mT(s)).toBe(s);
  });

  it('the gradient is transposed back', () => {
    const x = iota([2, 3]).setRequiresGrad();
    transpose(x).mul(f64([[1, 2], [3, 4], [5, 6]])).sum().backward();
    expect(x.grad!.toArray()).toEqual([[1, 3, 5], [2, 4, 6]]);
  });
});

describe('reshape, squeeze, unsqueeze', () => {
  it('reshape keeps row-major order and infers one −1', () => {
    const x = iota([2, 3]);
    expect(reshape(x, [3, 2]).toArray()).toEqual([[0, 1], [2, 3], [4, 5]]);
    expect(reshape(x, [3, -1]).shape).toEqual([3, 2]);
    expect(reshape(x, [-1]).toArray()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(reshape(x, [1, -1, 1]).shape).toEqual([1, 6, 1]);
    expect(reshape(f64([7]), []).shape).toEqual([]);
    expect(reshape(tensor([], { shape: [0, 3] }), [-1, 3]).shape).toEqual([0, 3]);
  });

  it('flatten is reshape to one dim', () => {
    expect(iota([2, 2, 2]).flatten().toArray()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('reshape to a wrong size, or with two −1s, is a ShapeError naming both shapes', () => {
    const x = iota([2, 3]);
    expect(() => reshape(x, [4, -1])).toThrow(ShapeError);
    expect(() => reshape(x, [4, -1])).toThrow("reshape: argument 'shape': cannot reshape a tensor of shape [2, 3] (6 elements) into [4, -1]");
    expect(() => reshape(x, [-1, -1])).toThrow('into [-1, -1]');
    expect(() => reshape(x, [7])).toThrow('into [7]');
  });

  it('squeeze removes every size-1 axis, or the given ones (negative or several)', () => {
    const x = iota([1, 2, 1, 3]);
    expect(squeeze(x).shape).toEqual([2, 3]);
    expect(squeeze(x, 0).shape).toEqual([2, 1, 3]);
    expect(squeeze(x, -2).shape).toEqual([1, 2, 3]);
    expect(squeeze(x, [0, 2]).shape).toEqual([2, 3]);
    expect(vals(squeeze(x))).toEqual(vals(x));
    expect(squeeze(f64([[5]])).shape).toEqual([]);
  });

  it('squeezing an axis whose size is not 1 throws, as NumPy does (documented); so does an axis out of range', () => {
    const x = iota([1, 2, 1]);
    expect(() => squeeze(x, 1)).toThrow(ShapeError);
    expect(() => squeeze(x, 1)).toThrow("squeeze: argument 'axis': axis 1 has size 2, not 1, in shape [1, 2, 1]");
    expect(() => squeeze(x, 3)).toThrow('squeeze: argument \'axis\': axis 3 is out of range for a tensor of rank 3 (valid: -3..2)');
  });

  it('unsqueeze inserts a size-1 axis, numbered in the result (−1 appends)', () => {
    const x = iota([2, 3]);
    expect(unsqueeze(x, 0).shape).toEqual([1, 2, 3]);
    expect(unsqueeze(x, 1).shape).toEqual([2, 1, 3]);
    expect(unsqueeze(x, 2).shape).toEqual([2, 3, 1]);
    expect(unsqueeze(x, -1).shape).toEqual([2, 3, 1]);
    expect(unsqueeze(x, -3).shape).toEqual([1, 2, 3]);
    expect(unsqueeze(f64([[4]]).reshape([]), 0).toArray()).toEqual([4]);
    expect(() => unsqueeze(x, 3)).toThrow('unsqueeze: argument \'axis\': axis 3 is out of range for a tensor of rank 3 (valid: -3..2)');
    expect(() => unsqueeze(x, -4)).toThrow(ShapeError);
  });
});

describe('broadcastTo', () => {
  it('repeats along new leading dims and size-1 dims', () => {
    expect(broadcastTo(f64([1, 2, 3]), [2, 3]).toArray()).toEqual([[1, 2, 3], [1, 2, 3]]);
    expect(broadcastTo(f64([[1], [2]]), [2, 3]).toArray()).toEqual([[1, 1, 1], [2, 2, 2]]);
    expect(broadcastTo(tensor(7, { dtype: 'float64' }), [2, 2]).toArray()).toEqual([[7, 7], [7, 7]]);
    const x = f64([1, 2]);
    expect(broadcastTo(x, [2])).toBe(x);
  });

  it('an impossible target is a ShapeError naming both shapes', () => {
    expect(() => broadcastTo(tensor([1, 2, 3]), [2, 2])).toThrow(ShapeError);
    expect(() => broadcastTo(tensor([1, 2, 3]), [2, 2])).toThrow(/broadcastTo: .*\[3\].*\[2, 2\]/);
    // a broadcast never drops dims
    expect(() => broadcastTo(tensor([[1, 2, 3]]), [3])).toThrow("broadcastTo: argument 'shape': cannot broadcast a tensor of shape [1, 3] to [3]");
  });

  it('sumToShape undoes a broadcast: sums the leading dims and the dims that were 1', () => {
    const g = iota([2, 3]); // [[0, 1, 2], [3, 4, 5]]
    expect(vals(sumToShape(g, [3]))).toEqual([3, 5, 7]);
    expect(sumToShape(g, [2, 1]).toArray()).toEqual([[3], [12]]);
    expect(sumToShape(g, [1, 3]).toArray()).toEqual([[3, 5, 7]]);
    expect(sumToShape(g, []).item()).toBe(15);
    expect(vals(sumToShape(g, [2, 3]))).toEqual(vals(g));
  });

  it('the gradient sums over the broadcast dims', () => {
    const x = f64([[1], [2]]).setRequiresGrad();
    broadcastTo(x, [3, 2, 4]).sum().backward();
    expect(x.grad!.toArray()).toEqual([[12], [12]]);
  });
});

describe('concat and stack', () => {
  const a = f64([[1, 2], [3, 4]]), b = f64([[5, 6]]), c = f64([[7], [8]]);

  it('concat along axis 0, 1 and −1, of several tensors', () => {
    expect(concat([a, b], 0).toArray()).toEqual([[1, 2], [3, 4], [5, 6]]);
    expect(concat([a, c], 1).toArray()).toEqual([[1, 2, 7], [3, 4, 8]]);
    expect(concat([c, a, c], -1).toArray()).toEqual([[7, 1, 2, 7], [8, 3, 4, 8]]);
    expect(concat([iota([2, 1, 2]), iota([2, 2, 2]).add(10)], 1).toArray()).toEqual([
      [[0, 1], [10, 11], [12, 13]],
      [[2, 3], [14, 15], [16, 17]],
    ]);
    expect(concat([a])).toBe(a);
  });

  it('a mismatch outside the axis is a ShapeError naming xs[i] and both shapes', () => {
    const call = () => concat([a, a, f64([[1, 2, 3]])], 0);
    expect(call).toThrow(ShapeError);
    expect(call).toThrow("concat: argument 'xs[2]': xs[2] has shape [1, 3], which does not match xs[0]'s [2, 2] outside axis 0");
    expect(() => concat([a, f64([1, 2])], 0)).toThrow("argument 'xs[1]'");
    expect(() => concat([], 0)).toThrow('concat: argument \'xs\': expected a non-empty array of tensors');
    expect(() => concat([a, b], 2)).toThrow('axis 2 is out of range for a tensor of rank 2');
  });

  it('concat promotes dtypes and sends each part its slice of the gradient', () => {
    const x = tensor([1, 2], { requiresGrad: true }), y = f64([3]).setRequiresGrad();
    const z = concat([x, y]);
    expect(z.dtype).toBe('float64');
    z.mul(f64([10, 20, 30])).sum().backward();
    expect(vals(x.grad!)).toEqual([10, 20]);
    expect(x.grad!.dtype).toBe('float32');
    expect(vals(y.grad!)).toEqual([30]);
  });

  it('stack joins along a new axis 0, 1 or −1', () => {
    const p = f64([1, 2]), q = f64([3, 4]);
    expect(stack([p, q]).toArray()).toEqual([[1, 2], [3, 4]]);
    expect(stack([p, q], 1).toArray()).toEqual([[1, 3], [2, 4]]);
    expect(stack([p, q, p], -1).shape).toEqual([2, 3]);
    expect(stack([f64([[1, 2]]), f64([[3, 4]])], 1).toArray()).toEqual([[[1, 2], [3, 4]]]);
  });

  it('stack of unequal shapes is a ShapeError naming xs[i]', () => {
    expect(() => stack([f64([1, 2]), f64([1, 2]), f64([1])])).toThrow("stack: argument 'xs[2]': xs[2] has shape [1] but xs[0] has [2]");
  });
});

describe('slice', () => {
  const x = arange(10, undefined, 1, { dtype: 'float64' });
  it('Python semantics: negative indices, null end, steps', () => {
    expect(vals(slice(x, [2], [5]))).toEqual([2, 3, 4]);
    expect(vals(slice(x, [-3]))).toEqual([7, 8, 9]);
    expect(vals(slice(x, [-3], [null]))).toEqual([7, 8, 9]);
    expect(vals(slice(x, [2], [-2]))).toEqual([2, 3, 4, 5, 6, 7]);
    expect(vals(slice(x, [1], [null], [3]))).toEqual([1, 4, 7]);
    expect(vals(slice(x, [0], [9], [4]))).toEqual([0, 4, 8]);
    expect(vals(slice(x, [0], [8], [4]))).toEqual([0, 4]);
  });

  it('out-of-range indices are clamped; an empty range gives an empty tensor', () => {
    expect(vals(slice(x, [-100], [3]))).toEqual([0, 1, 2]);
    expect(vals(slice(x, [8], [100]))).toEqual([8, 9]);
    expect(slice(x, [5], [2]).shape).toEqual([0]);
    expect(slice(x, [12], [null]).shape).toEqual([0]);
  });

  it('several axes; axes past begin.length are kept whole (A[:, 1:3] and A[1:])', () => {
    const A = iota([3, 4]);
    expect(slice(A, [0, 1], [null, 3]).toArray()).toEqual([[1, 2], [5, 6], [9, 10]]);
    expect(slice(A, [1]).toArray()).toEqual([[4, 5, 6, 7], [8, 9, 10, 11]]);
    expect(slice(A, [0, -1], [null, null], [2, 1]).toArray()).toEqual([[3], [11]]);
    expect(A.slice([-1, 0], [null, null], [1, 2]).toArray()).toEqual([[8, 10]]);
  });

  it('bad steps and too many indices are errors', () => {
    expect(() => slice(x, [0], [null], [0])).toThrow("slice: argument 'step': step on axis 0 must be a positive integer, got 0");
    expect(() => slice(x, [0], [null], [-1])).toThrow(TapegradError);
    expect(() => slice(x, [0, 0])).toThrow('slice: argument \'begin\': more indices than the 1 axes of shape [10]');
    expect(() => slice(x, [0.5])).toThrow('must be an integer');
  });

  it('the gradient is scattered back to the sliced places, zero elsewhere', () => {
    const y = f64([1, 2, 3, 4, 5]).setRequiresGrad();
    slice(y, [0], [null], [2]).mul(f64([10, 20, 30])).sum().backward();
    expect(vals(y.grad!)).toEqual([10, 0, 20, 0, 30]);
  });
});

describe('gather (torch.gather semantics)', () => {
  it('the torch.gather doc example: out[i][j] = t[i][index[i][j]] on axis 1', () => {
    const t = f64([[1, 2], [3, 4]]);
    expect(gather(t, [[0, 0], [1, 0]], 1).toArray()).toEqual([[1, 1], [4, 3]]);
  });

  it('axis 0: out[i][j] = x[index[i][j]][j], e.g. picking each column’s class score', () => {
    const logits = f64([[0.1, 0.2, 0.3], [1.1, 1.2, 1.3], [2.1, 2.2, 2.3]]);
    const y = gather(logits, [[2, 0, 1]], 0);
    expect(y.shape).toEqual([1, 3]);
    expect(y.toArray()).toEqual([[2.1, 0.2, 1.3]]);
    expect(logits.gather([[1, 1], [0, 2]], 0).toArray()).toEqual([[1.1, 1.2], [0.1, 2.2]]);
  });

  it('the index may be smaller than x off the axis, and a tensor, an Int32Array or use a negative axis', () => {
    const x = iota([3, 4]);
    expect(gather(x, [[3], [0]], -1).toArray()).toEqual([[3], [4]]);
    expect(gather(x, tensor([[1, 2]]), 1).toArray()).toEqual([[1, 2]]);
    expect(vals(gather(f64([5, 6, 7]), new Int32Array([2, 2, 0, 1]), 0))).toEqual([7, 7, 5, 6]);
  });

  it('out-of-range, negative or fractional indices are errors naming the index and the range', () => {
    const t = tensor([[1, 2], [3, 4]]);
    expect(() => gather(t, [[0, 2], [1, 0]], 1)).toThrow(TapegradError);
    expect(() => gather(t, [[0, 2], [1, 0]], 1)).toThrow("gather: argument 'index': index 2 at position 1 is out of range [0, 2)");
    expect(() => gather(t, [[0, -1]], 1)).toThrow('index -1 at position 1 is out of range [0, 2)');
    expect(() => gather(t, [[0.5]], 1)).toThrow('index 0.5 at position 0 is not an integer');
  });

  it('an index of the wrong rank or too large off the axis is a ShapeError', () => {
    const t = tensor([[1, 2], [3, 4]]);
    expect(() => gather(t, [0, 1], 1)).toThrow(ShapeError);
    expect(() => gather(t, [[0], [1], [0]], 1)).toThrow('index of shape [3, 1] does not fit x of shape [2, 2] on axis 1');
  });

  it('the gradient accumulates over repeated indices (scatter-add)', () => {
    const x = f64([[1, 2, 3], [4, 5, 6]]).setRequiresGrad();
    gather(x, [[0, 0, 2], [1, 1, 1]], 1).sum().backward();
    expect(x.grad!.toArray()).toEqual([[2, 0, 1], [0, 3, 0]]);
  });
});

describe('take (NumPy take, PyTorch index_select)', () => {
  it('the TSDoc example: a mini-batch of columns', () => {
    const X = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(take(X, [2, 0], 1).toArray()).toEqual([[3, 1], [6, 4]]);
  });

  it('takes whole rows on axis 0, the middle axis of a 3-D tensor, repeats, and any index form', () => {
    const x = iota([3, 2]); // [[0, 1], [2, 3], [4, 5]]
    expect(take(x, [2, 2, 0], 0).toArray()).toEqual([[4, 5], [4, 5], [0, 1]]);
    // x[i, j, k] = 6i + 2j + k on [2, 3, 2]
    expect(take(iota([2, 3, 2]), new Int32Array([1, 0]), -2).toArray()).toEqual([[[2, 3], [0, 1]], [[8, 9], [6, 7]]]);
    expect(iota([2, 3]).take(tensor([1]), 1).toArray()).toEqual([[1], [4]]);
    expect(take(iota([2, 3]), [], 1).shape).toEqual([2, 0]);
  });

  it('the gradient puts each slice back in its place and accumulates repeats (index_add)', () => {
    const x = f64([[1, 2, 3], [4, 5, 6]]).setRequiresGrad();
    take(x, [0, 2, 0], 1).mul(f64([[1, 10, 100], [2, 20, 200]])).sum().backward();
    expect(x.grad!.toArray()).toEqual([[101, 0, 10], [202, 0, 20]]);
  });

  it('a 2-D index is a ShapeError; out-of-range or fractional indices name the index and the range', () => {
    const t = tensor([[1, 2], [3, 4]]);
    expect(() => take(t, [[0, 1]], 1)).toThrow(ShapeError);
    expect(() => take(t, [[0, 1]], 1)).toThrow("take: argument 'index': index must be 1-D, got shape [1, 2]");
    expect(() => take(t, [0, 2], 1)).toThrow("take: argument 'index': index 2 at position 1 is out of range [0, 2)");
    expect(() => take(t, [0.5], 0)).toThrow('index 0.5 at position 0 is not an integer');
    expect(() => take(t, [0], 2)).toThrow(ShapeError);
  });
});
