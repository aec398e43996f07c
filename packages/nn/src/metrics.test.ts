import { describe, expect, it } from 'vitest';
import { ShapeError, tensor } from '@tapegrad/core';
import { accuracy } from '@tapegrad/nn';

describe('accuracy', () => {
  // three classes in rows, four examples in columns; column argmaxes are 0, 2, 1, 2
  const scores = tensor([
    [0.8, 0.1, 0.2, 0.3],
    [0.1, 0.2, 0.5, 0.3],
    [0.1, 0.7, 0.3, 0.4],
  ]);

  it('class indices as [m], [1, m], an array or an Int32Array', () => {
    expect(accuracy(scores, tensor([0, 2, 1, 0]))).toBe(0.75);
    expect(accuracy(scores, tensor([[0, 2, 0, 0]]))).toBe(0.5);
    expect(accuracy(scores, [0, 2, 1, 2])).toBe(1);
    expect(accuracy(scores, new Int32Array([1, 1, 1, 1]))).toBe(0.25);
  });

  it('one-hot labels [K, m]', () => {
    const onehot = tensor([
      [1, 0, 0, 0],
      [0, 0, 1, 1],
      [0, 1, 0, 0],
    ]);
    expect(accuracy(scores, onehot)).toBe(0.75);
  });

  it('binary: one output row against 0/1 labels, threshold 0.5 by default (0 for logits)', () => {
    const p = tensor([[0.7, 0.4, 0.5, 0.1]]);
    expect(accuracy(p, tensor([[1, 1, 1, 0]]))).toBe(0.75); // 0.5 counts as class 1
    expect(accuracy(tensor([[2, -1, 0.3]]), [1, 0, 0], { threshold: 0 })).toBe(2 / 3);
  });

  it('ties go to the first class, as argmax does', () => {
    expect(accuracy(tensor([[1, 1], [1, 1]]), [0, 1])).toBe(0.5);
  });

  it('names the shapes when labels do not fit, and rejects non-indices', () => {
    expect(() => accuracy(scores, [0, 1])).toThrow(ShapeError);
    expect(() => accuracy(scores, [0, 1])).toThrow('accuracy: argument \'y\': labels of shape [2] do not fit predictions of shape [3, 4]');
    expect(() => accuracy(scores, [0, 1, 3, 0])).toThrow(/label 3 of example 2 is not a class index in \[0, 3\)/);
    expect(() => accuracy(tensor([[0.1, 0.9]]), [0.5, 1])).toThrow(/label 0.5/);
  });
});
