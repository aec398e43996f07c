import { describe, expect, it } from 'vitest';
import { ShapeError, TapegradError, tensor } from '@tapegrad/core';
import { oneHot } from '@tapegrad/datasets';

describe('oneHot', () => {
  it('runs its TSDoc example: one column per example, a 1 in the row of its class', () => {
    expect(oneHot(tensor([2, 0, 1]), 3).toArray()).toEqual([[0, 1, 0], [0, 0, 1], [1, 0, 0]]);
  });
  it('keeps y dtype unless told, and allows classes that never occur', () => {
    const Y = oneHot(tensor([1, 1], { dtype: 'float64' }), 4);
    expect(Y.dtype).toBe('float64');
    expect(Y.toArray()).toEqual([[0, 0], [1, 1], [0, 0], [0, 0]]);
    expect(oneHot(tensor([0]), 1, { dtype: 'float64' }).dtype).toBe('float64');
  });
  it('names the function, the argument and the bad label', () => {
    expect(() => oneHot(tensor([0, 3, 1]), 3)).toThrow(TapegradError);
    expect(() => oneHot(tensor([0, 3, 1]), 3)).toThrow(/^oneHot: argument 'y': label at index 1 is 3, expected an integer in \[0, 3\)/);
    expect(() => oneHot(tensor([-1]), 3)).toThrow(/label at index 0 is -1/);
    expect(() => oneHot(tensor([0.5]), 3)).toThrow(/label at index 0 is 0.5/);
    expect(() => oneHot(tensor([[0, 1]]), 2)).toThrow(ShapeError);
    expect(() => oneHot(tensor([0]), 0)).toThrow(/argument 'numClasses': numClasses must be a positive integer, got 0/);
  });
});
