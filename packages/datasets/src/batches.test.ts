import { describe, expect, it } from 'vitest';
import { Generator, ShapeError, TapegradError, tensor } from '@tapegrad/core';
import { batches, oneHot } from '@tapegrad/datasets';

const x = tensor([[0, 1, 2, 3, 4]]), y = tensor([0, 1, 0, 1, 0]);
const m = 10;
const X = tensor([Array.from({ length: m }, (_, i) => i), Array.from({ length: m }, (_, i) => -i)]);
const Y = tensor(Array.from({ length: m }, (_, i) => i % 3));

describe('batches', () => {
  it('runs its TSDoc example: contiguous columns in order, the last batch smaller', () => {
    const b = batches(x, y, { batchSize: 2 });
    expect(b.length).toBe(3);
    expect([...b].map((batch) => batch.x.toArray())).toEqual([[[0, 1]], [[2, 3]], [[4]]]);
    expect([...b].map((batch) => Array.from(batch.y.data))).toEqual([[0, 1], [0, 1], [0]]);
    expect([...b].map((batch) => Array.from(batch.indices))).toEqual([[0, 1], [2, 3], [4]]);
  });

  it('with a seed visits every example once per pass, in a new order each pass, reproducibly', () => {
    const passes = (seed: number) => {
      const b = batches(X, Y, { batchSize: 4, seed });
      return [0, 1, 2].map(() => [...b]);
    };
    const run = passes(5);
    for (const epoch of run) {
      expect(epoch.map((bt) => bt.indices.length)).toEqual([4, 4, 2]);
      const seen = epoch.flatMap((bt) => Array.from(bt.indices));
      expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: m }, (_, i) => i));
      for (const bt of epoch) {
        // each batch's columns are the examples its indices name
        expect(bt.x.toArray()).toEqual([Array.from(bt.indices), Array.from(bt.indices, (i) => -i)]);
        expect(Array.from(bt.y.data)).toEqual(Array.from(bt.indices, (i) => i % 3));
      }
    }
    const order = (epoch: typeof run[number]) => epoch.flatMap((bt) => Array.from(bt.indices)).join();
    expect(order(run[0])).not.toBe(order(run[1]));
    expect(run.map(order)).toEqual(passes(5).map(order));
    // the first pass is exactly the permutation a Generator with that seed draws
    expect(order(run[0])).toBe(Array.from(new Generator(5).permutation(m)).join());
  });

  it('takes a generator instead of a seed, and one-hot targets [K, m]', () => {
    const b = [...batches(X, oneHot(Y, 3), { batchSize: 3, generator: new Generator(9) })];
    const first = new Generator(9).permutation(m);
    expect(Array.from(b[0].indices)).toEqual(Array.from(first.subarray(0, 3)));
    expect(b[0].y.shape).toEqual([3, 3]);
    const labels = Array.from(b[0].indices, (i) => i % 3);
    expect(b[0].y.toArray()).toEqual([0, 1, 2].map((k) => labels.map((l) => (l === k ? 1 : 0))));
    expect(b.map((bt) => bt.x.shape[1])).toEqual([3, 3, 3, 1]);
  });

  it('does not shuffle when told not to, even with a seed', () => {
    const b = batches(X, Y, { batchSize: 10, seed: 1, shuffle: false });
    expect(Array.from([...b][0].indices)).toEqual(Array.from({ length: m }, (_, i) => i));
  });

  it('checks its arguments when called, naming them', () => {
    for (const bs of [0, -2, 1.5, NaN]) {
      expect(() => batches(x, y, { batchSize: bs })).toThrow(new RegExp(`^batches: argument 'batchSize': batchSize must be a positive integer, got ${bs}`));
    }
    expect(() => batches(x, tensor([0, 1]), { batchSize: 2 })).toThrow(ShapeError);
    expect(() => batches(x, tensor([0, 1]), { batchSize: 2 })).toThrow(/argument 'y': x has 5 examples \(shape \[1, 5\]\) but y has 2/);
    expect(() => batches(x, y, { batchSize: 2, seed: 1, generator: new Generator(1) })).toThrow(/give either seed or generator/);
    expect(() => batches(x, y, { batchSize: 2, seed: 0.5 })).toThrow(TapegradError);
  });
});
