/**
 * sort, argsort, topk, oneHot and embedding. PyTorch 1.13 float64 values in scan-sort.torch.json (made
 * by hand with the system python3, Debian python3-torch 1.13.1, with the helpers of conv.test.ts's script and):
 *
 *   run('sort', lambda x: torch.sort(x, dim=1, descending=True, stable=True).values, pat([3, 4, 2], 37, 101, 50, 8))
 *   run('topk', lambda x: torch.topk(x, 2, 1).values, pat([3, 4, 2], 37, 101, 50, 8))
 *   run('embedding', lambda w: F.embedding(torch.tensor([[2, 0, 2], [1, 2, 2]]), w), pat([3, 4], 7, 11, 5, 4))
 *
 * The index literals below are PyTorch's `.indices` of the same sort and topk calls.
 */
import { describe, expect, it } from 'vitest';
import { argsort, embedding, oneHot, ShapeError, sort, tensor, TapegradError, topk } from '@tapegrad/core';
import { checkAgainst, loadRefs, pattern } from './reference.testkit.js';

const REF = loadRefs(new URL('./scan-sort.torch.json', import.meta.url));
const distinct = () => pattern([3, 4, 2], 37, 101, 50, 8, 'float64', true);

describe('sort and argsort', () => {
  it('match PyTorch: values with their gradient, and the indices', () => {
    let indices: number[][][] = [];
    checkAgainst(REF.sort, (t) => {
      const s = sort(t, 1, { descending: true });
      indices = s.indices.toArray() as number[][][];
      return s.values;
    }, [distinct()]);
    expect(indices).toEqual([[[1, 2], [2, 3], [3, 0], [0, 1]], [[0, 2], [1, 3], [2, 0], [3, 1]], [[0, 1], [1, 2], [2, 3], [3, 0]]]);
    expect(argsort(distinct(), 1, { descending: true }).toArray()).toEqual(indices);
  });

  it('are stable, put NaN last (largest, as PyTorch) and sort the last axis by default', () => {
    expect(argsort(tensor([3, 1, 2])).toArray()).toEqual([1, 2, 0]);
    expect(argsort(tensor([2, 1, 2, 1])).toArray()).toEqual([1, 3, 0, 2]);
    expect(argsort(tensor([2, 1, 2, 1]), 0, { descending: true }).toArray()).toEqual([0, 2, 1, 3]);
    expect(argsort(tensor([NaN, 1, -Infinity, Infinity])).toArray()).toEqual([2, 1, 3, 0]);
    const { values, indices } = sort(tensor([[3, 1, 2]]), -1, { descending: true });
    expect(values.toArray()).toEqual([[3, 2, 1]]);
    expect(indices.toArray()).toEqual([[0, 2, 1]]);
    expect(indices.dtype).toBe('float32');
  });

  it("send each value's gradient back to its place", () => {
    const v = tensor([3, 1, 2], { requiresGrad: true });
    sort(v).values.mul(tensor([1, 10, 100])).sum().backward(); // sorted: 1, 2, 3
    expect(v.grad!.toArray()).toEqual([100, 1, 10]);
  });

  it('name the op and the argument on bad input', () => {
    expect(() => sort(tensor([1, 2]), 2)).toThrow(/^sort: argument 'axis'/);
    expect(() => argsort(tensor([1, 2]), 0, { descending: 'yes' as unknown as boolean })).toThrow("argsort: argument 'descending': expected a boolean");
  });
});

describe('topk', () => {
  it('matches PyTorch: the k largest values, their gradient and indices', () => {
    let indices: unknown = null;
    checkAgainst(REF.topk, (t) => {
      const r = topk(t, 2, 1);
      indices = r.indices.toArray();
      return r.values;
    }, [distinct()]);
    expect(indices).toEqual([[[1, 2], [2, 3]], [[0, 2], [1, 3]], [[0, 1], [1, 2]]]);
  });

  it('gives the k smallest with largest: false, and checks k', () => {
    expect(topk(tensor([1, 5, 3, 4]), 2).values.toArray()).toEqual([5, 4]);
    expect(topk(tensor([1, 5, 3, 4]), 3, 0, { largest: false }).values.toArray()).toEqual([1, 3, 4]);
    expect(topk(tensor([1, 5, 3, 4]), 0).values.shape).toEqual([0]);
    expect(() => topk(tensor([1, 5]), 3)).toThrow("topk: argument 'k': expected an integer in [0, 2] (the size of axis 0), got 3");
    expect(() => topk(tensor([1, 5]), 1.5)).toThrow(TapegradError);
  });
});

describe('oneHot', () => {
  it('puts a 1 at each index, the classes axis last by default or where asked', () => {
    expect(oneHot([2, 0], 3).toArray()).toEqual([[0, 0, 1], [1, 0, 0]]);
    expect(oneHot([2, 0], 3, { axis: 0 }).toArray()).toEqual([[0, 1], [0, 0], [1, 0]]);
    expect(oneHot([[1], [0]], 2, { axis: 1, dtype: 'float64' }).toArray()).toEqual([[[0], [1]], [[1], [0]]]);
    expect(oneHot(tensor([1, 1]), 2).dtype).toBe('float32');
  });

  it('names the argument on bad input', () => {
    expect(() => oneHot([3], 3)).toThrow("oneHot: argument 'index': index 3 at position 0 is out of range [0, 3)");
    expect(() => oneHot([0], 0)).toThrow("oneHot: argument 'numClasses': expected a positive integer, got 0");
  });
});

describe('embedding', () => {
  it('matches PyTorch: rows of the table, and a scatter-add gradient where indices repeat', () => {
    checkAgainst(REF.embedding, (w) => embedding(w, [[2, 0, 2], [1, 2, 2]]), [pattern([3, 4], 7, 11, 5, 4, 'float64', true)]);
  });

  it('computes the TSDoc example and checks its arguments', () => {
    const table = tensor([[0, 0], [1, 10], [2, 20]]);
    expect(embedding(table, [[2, 1], [1, 1]]).toArray()).toEqual([[[2, 20], [1, 10]], [[1, 10], [1, 10]]]);
    expect(embedding(table, tensor([0])).toArray()).toEqual([[0, 0]]);
    expect(() => embedding(table, [3])).toThrow("embedding: argument 'index': index 3 at position 0 is out of range [0, 3)");
    expect(() => embedding(tensor([1, 2]), [0])).toThrow(ShapeError);
    expect(() => embedding(tensor([1, 2]), [0])).toThrow("embedding: argument 'weight': expected a table [numEmbeddings, dim], got shape [2]");
  });
});
