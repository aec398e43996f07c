import { describe, it, expect } from 'vitest';
import { Generator, Tensor, gradcheck, randn, tensor } from '@tapegrad/core';
import { activations } from '@tapegrad/nn';

const { sigmoid, tanh, relu, softmax, linear, activation, ACTIVATIONS } = activations;

describe('activations', () => {
  it('known values', () => {
    expect(sigmoid(tensor([[0]])).item()).toBe(0.5);
    const s = sigmoid(tensor([[2, -3]], { dtype: 'float64' })).data;
    expect(Math.abs(s[0] - 1 / (1 + Math.exp(-2)))).toBeLessThan(1e-16);
    expect(Math.abs(s[1] - 1 / (1 + Math.exp(3)))).toBeLessThan(1e-16);
    expect(tanh(tensor([[0]])).item()).toBe(0);
    expect(Math.abs(tanh(tensor([[0.5]], { dtype: 'float64' })).item() - Math.tanh(0.5))).toBeLessThan(1e-16);
    expect(relu(tensor([[-1, 2]])).toArray()).toEqual([[0, 2]]);
    const Z = tensor([[1, 2]]);
    expect(linear(Z)).toBe(Z);
  });

  it('softmax runs over the classes in rows: every column sums to 1', () => {
    expect(softmax(tensor([[0, 1], [0, 1]])).toArray()).toEqual([[0.5, 0.5], [0.5, 0.5]]);
    const P = softmax(tensor([[1, 0], [2, 0], [3, 0]], { dtype: 'float64' }));
    const e = [Math.E, Math.E ** 2, Math.E ** 3];
    const total = e[0] + e[1] + e[2];
    e.forEach((v, k) => expect(Math.abs(P.data[k * 2] - v / total)).toBeLessThan(1e-15));
    [0, 1, 2].forEach((k) => expect(Math.abs(P.data[k * 2 + 1] - 1 / 3)).toBeLessThan(1e-15));
  });

  it('pass gradcheck (float64)', () => {
    for (const [name, g] of Object.entries(ACTIVATIONS)) {
      const Z = randn([3, 4], { dtype: 'float64', generator: new Generator(name.length) });
      expect(gradcheck(g, [Z], { throw: true }).ok, name).toBe(true);
    }
  });

  it('resolve by name or pass a function through; unknown names are errors', () => {
    expect(activation('tanh')(tensor([[0]])).item()).toBe(0);
    expect(activation('softmax')).toBe(softmax);
    const square = (Z: Tensor) => Z.mul(Z);
    expect(activation(square)).toBe(square);
    expect(() => activation('swish' as 'relu')).toThrow(/activation: argument 'activation': unknown activation "swish"; expected one of 'sigmoid', 'tanh', 'relu', 'softmax', 'linear'/);
  });
});
