import {
  ShapeError, Tensor, add, fmtShape, matmul, mul, reshape, sigmoid, slice, split, stack, sub, tanh, transpose, zeros,
  type DType, type Generator,
} from '@tapegrad/core';
import { Module } from './module.js';
import { uniform } from './init.js';
import { checkBoolean, checkOptions } from './check.js';
import { checkInput, dtypeArg, parameter, positiveInt } from './layer-args.js';

/**
 * Recurrent cells and their unrolling over a sequence, as PyTorch's (one layer, `batch_first=True`):
 * a step takes x [N, I] and the state h [N, H] (and c for the LSTM), a sequence is [N, L, I]. The
 * parameters are PyTorch's — `weight_ih` [G·H, I], `weight_hh` [G·H, H], `bias_ih`, `bias_hh` [G·H],
 * gates stacked in PyTorch's order — with `_l0` appended in `GRU` and `LSTM`, as PyTorch names them.
 */

/** Options of the recurrent layers. */
export interface RecurrentOptions {
  /** Whether the layer has `bias_ih` and `bias_hh` (default true). */
  bias?: boolean;
  /** 'float32' (default) or 'float64'. */
  dtype?: DType;
  /** The random stream the weights are drawn from (default: the global one). */
  generator?: Generator;
}

type Weights = { wih: Tensor; whh: Tensor; bih: Tensor | null; bhh: Tensor | null };

/** x·Wᵀ + b, with b optional. */
const affine = (x: Tensor, W: Tensor, b: Tensor | null) => (b === null ? matmul(x, transpose(W)) : add(matmul(x, transpose(W)), b));

/**
 * One GRU step, gates (r, z, n) as PyTorch:
 *   r = σ(W_ir x + b_ir + W_hr h + b_hr),  z = σ(W_iz x + b_iz + W_hz h + b_hz)
 *   n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)),  h' = (1 − z) ⊙ n + z ⊙ h
 * `xi` is x·W_ihᵀ + b_ih, computed once for a whole sequence.
 */
function gruStep(xi: Tensor, h: Tensor, w: Weights): Tensor {
  const [xr, xz, xn] = split(xi, 3, -1);
  const [hr, hz, hn] = split(affine(h, w.whh, w.bhh), 3, -1);
  const r = sigmoid(add(xr, hr)), z = sigmoid(add(xz, hz));
  const n = tanh(add(xn, mul(r, hn)));
  return add(mul(sub(1, z), n), mul(z, h));
}

/**
 * One LSTM step, gates (i, f, g, o) as PyTorch:
 *   i, f, o = σ(…), g = tanh(…) of W_i· x + b_i· + W_h· h + b_h·;  c' = f ⊙ c + i ⊙ g,  h' = o ⊙ tanh(c')
 */
function lstmStep(xi: Tensor, h: Tensor, c: Tensor, w: Weights): [Tensor, Tensor] {
  const [gi, gf, gg, go] = split(add(xi, affine(h, w.whh, w.bhh)), 4, -1);
  const c2 = add(mul(sigmoid(gf), c), mul(sigmoid(gi), tanh(gg)));
  return [mul(sigmoid(go), tanh(c2)), c2];
}

/** PyTorch's draw for every recurrent parameter: U(−1/√H, 1/√H). */
function draw(layer: string, gates: number, input: number, hidden: number, o: RecurrentOptions): Weights {
  const I = positiveInt(layer, 'inputSize', input), H = positiveInt(layer, 'hiddenSize', hidden);
  const dtype = dtypeArg(layer, o.dtype), b = 1 / Math.sqrt(H);
  const u = (shape: number[]) => parameter(uniform(shape, { low: -b, high: b, dtype, generator: o.generator }));
  const wih = u([gates * H, I]), whh = u([gates * H, H]);
  const bias = checkBoolean(layer, 'bias', o.bias, true);
  return { wih, whh, bih: bias ? u([gates * H]) : null, bhh: bias ? u([gates * H]) : null };
}

/** A state argument: null/undefined gives zeros [N, H]; otherwise it must be [N, H]. */
function state(layer: string, arg: string, s: Tensor | null | undefined, shape: number[], dtype: DType): Tensor {
  if (s === null || s === undefined) return zeros(shape, { dtype });
  checkInput(layer, s, shape.length, fmtShape(shape), arg);
  if (s.shape.some((d, i) => d !== shape[i])) throw new ShapeError(layer, `expected shape ${fmtShape(shape)}, got ${fmtShape(s.shape)}`, arg);
  return s;
}

/** x is [N, I] (a step, `rank` 2) or [N, L, I] (a sequence, `rank` 3) with I = inputSize. */
function checkX(layer: string, x: Tensor, rank: 2 | 3, I: number): void {
  const takes = rank === 2 ? `[N, ${I}]` : `[N, L, ${I}]`;
  checkInput(layer, x, rank, takes);
  if (x.shape[rank - 1] !== I) throw new ShapeError(layer, `input has shape ${fmtShape(x.shape)} but this layer takes ${takes} (inputSize ${I} last)`, 'x');
}

/** The cells: parameters under PyTorch's cell names. */
abstract class Cell<In extends unknown[], Out> extends Module<In, Out> {
  weight_ih: Tensor;
  weight_hh: Tensor;
  bias_ih: Tensor | null;
  bias_hh: Tensor | null;
  readonly inputSize: number;
  readonly hiddenSize: number;

  constructor(layer: string, gates: number, inputSize: number, hiddenSize: number, options: RecurrentOptions) {
    super();
    const w = draw(layer, gates, inputSize, hiddenSize, checkOptions(layer, options));
    [this.weight_ih, this.weight_hh, this.bias_ih, this.bias_hh] = [w.wih, w.whh, w.bih, w.bhh];
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
  }

  protected get weights(): Weights {
    return { wih: this.weight_ih, whh: this.weight_hh, bih: this.bias_ih, bhh: this.bias_hh };
  }

  override describe(): string {
    return `${this.constructor.name}(${this.inputSize} → ${this.hiddenSize}${this.bias_ih === null ? ', no bias' : ''})`;
  }
}

/**
 * A GRU step, as PyTorch's `nn.GRUCell(inputSize, hiddenSize)`: `forward(x [N, I], h [N, H] = zeros)`
 * gives h' [N, H].
 *
 * @example
 * const cell = new GRUCell(4, 3, { generator: new Generator(0) });
 * const h = cell.forward(randn([2, 4]));  // [2, 3]
 * cell.forward(randn([2, 4]), h).shape;   // [2, 3]
 */
export class GRUCell extends Cell<[x: Tensor, h?: Tensor | null], Tensor> {
  constructor(inputSize: number, hiddenSize: number, options: RecurrentOptions = {}) {
    super('GRUCell', 3, inputSize, hiddenSize, options);
  }

  forward(x: Tensor, h: Tensor | null = null): Tensor {
    checkX('GRUCell', x, 2, this.inputSize);
    const h0 = state('GRUCell', 'h', h, [x.shape[0], this.hiddenSize], x.dtype);
    return gruStep(affine(x, this.weight_ih, this.bias_ih), h0, this.weights);
  }
}

/**
 * An LSTM step, as PyTorch's `nn.LSTMCell(inputSize, hiddenSize)`: `forward(x [N, I], [h, c] = zeros)`
 * gives [h', c'], each [N, H].
 *
 * @example
 * const cell = new LSTMCell(4, 3, { generator: new Generator(0) });
 * const [h, c] = cell.forward(randn([2, 4]));
 * cell.forward(randn([2, 4]), [h, c])[0].shape; // [2, 3]
 */
export class LSTMCell extends Cell<[x: Tensor, state?: readonly [h: Tensor, c: Tensor] | null], [Tensor, Tensor]> {
  constructor(inputSize: number, hiddenSize: number, options: RecurrentOptions = {}) {
    super('LSTMCell', 4, inputSize, hiddenSize, options);
  }

  forward(x: Tensor, hc: readonly [h: Tensor, c: Tensor] | null = null): [Tensor, Tensor] {
    checkX('LSTMCell', x, 2, this.inputSize);
    const shape = [x.shape[0], this.hiddenSize];
    const h = state('LSTMCell', 'h', hc?.[0], shape, x.dtype), c = state('LSTMCell', 'c', hc?.[1], shape, x.dtype);
    return lstmStep(affine(x, this.weight_ih, this.bias_ih), h, c, this.weights);
  }
}

/** What the sequence layers share: PyTorch's `_l0` parameters and the time loop. */
abstract class Recurrent<In extends unknown[], Out> extends Module<In, Out> {
  weight_ih_l0: Tensor;
  weight_hh_l0: Tensor;
  bias_ih_l0: Tensor | null;
  bias_hh_l0: Tensor | null;
  readonly inputSize: number;
  readonly hiddenSize: number;

  constructor(layer: string, gates: number, inputSize: number, hiddenSize: number, options: RecurrentOptions) {
    super();
    const w = draw(layer, gates, inputSize, hiddenSize, checkOptions(layer, options));
    [this.weight_ih_l0, this.weight_hh_l0, this.bias_ih_l0, this.bias_hh_l0] = [w.wih, w.whh, w.bih, w.bhh];
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
  }

  protected get weights(): Weights {
    return { wih: this.weight_ih_l0, whh: this.weight_hh_l0, bih: this.bias_ih_l0, bhh: this.bias_hh_l0 };
  }

  /** x·W_ihᵀ + b_ih for every step at once, [N, L, G·H], then step t's slice as [N, G·H]. */
  protected inputs(x: Tensor): (t: number) => Tensor {
    const xi = affine(x, this.weight_ih_l0, this.bias_ih_l0);
    const [N, , G] = xi.shape;
    return (t) => reshape(slice(xi, [0, t, 0], [N, t + 1, G]), [N, G]);
  }

  /** A state given as PyTorch's [1, N, H] (one layer), or zeros. */
  protected initial(layer: string, arg: string, s: Tensor | null | undefined, x: Tensor): Tensor {
    return reshape(state(layer, arg, s, [1, x.shape[0], this.hiddenSize], x.dtype), [x.shape[0], this.hiddenSize]);
  }

  override describe(): string {
    return `${this.constructor.name}(${this.inputSize} → ${this.hiddenSize}${this.bias_ih_l0 === null ? ', no bias' : ''})`;
  }
}

/**
 * A one-layer GRU unrolled over a sequence, as PyTorch's `nn.GRU(inputSize, hiddenSize,
 * batch_first=True)`: `forward(x [N, L, I], h0 [1, N, H] = zeros)` gives [output [N, L, H], h_n [1, N, H]],
 * output holding h after every step. Parameters `weight_ih_l0`, `weight_hh_l0`, `bias_ih_l0`,
 * `bias_hh_l0`, as PyTorch's. Only one layer, one direction, no dropout.
 *
 * @example
 * const gru = new GRU(4, 3, { generator: new Generator(0) });
 * const [out, hN] = gru.forward(randn([2, 5, 4]));
 * out.shape; // [2, 5, 3]
 * hN.shape;  // [1, 2, 3]
 */
export class GRU extends Recurrent<[x: Tensor, h0?: Tensor | null], [output: Tensor, hN: Tensor]> {
  constructor(inputSize: number, hiddenSize: number, options: RecurrentOptions = {}) {
    super('GRU', 3, inputSize, hiddenSize, options);
  }

  forward(x: Tensor, h0: Tensor | null = null): [Tensor, Tensor] {
    checkX('GRU', x, 3, this.inputSize);
    const step = this.inputs(x), w = this.weights, hs: Tensor[] = [];
    let h = this.initial('GRU', 'h0', h0, x);
    for (let t = 0; t < x.shape[1]; t++) hs.push((h = gruStep(step(t), h, w)));
    return [stack(hs, 1), reshape(h, [1, ...h.shape])];
  }
}

/**
 * A one-layer LSTM unrolled over a sequence, as PyTorch's `nn.LSTM(inputSize, hiddenSize,
 * batch_first=True)`: `forward(x [N, L, I], [h0, c0] = zeros)` gives [output [N, L, H], [h_n, c_n]]
 * (states [1, N, H]). Parameters as PyTorch's (`weight_ih_l0`, …); one layer, one direction.
 *
 * @example
 * const lstm = new LSTM(4, 3, { generator: new Generator(0) });
 * const [out, [hN, cN]] = lstm.forward(randn([2, 5, 4]));
 * out.shape; // [2, 5, 3]
 * cN.shape;  // [1, 2, 3]
 */
export class LSTM extends Recurrent<[x: Tensor, state?: readonly [h0: Tensor, c0: Tensor] | null], [output: Tensor, state: [hN: Tensor, cN: Tensor]]> {
  constructor(inputSize: number, hiddenSize: number, options: RecurrentOptions = {}) {
    super('LSTM', 4, inputSize, hiddenSize, options);
  }

  forward(x: Tensor, hc: readonly [h0: Tensor, c0: Tensor] | null = null): [Tensor, [Tensor, Tensor]] {
    checkX('LSTM', x, 3, this.inputSize);
    const step = this.inputs(x), w = this.weights, hs: Tensor[] = [];
    let h = this.initial('LSTM', 'h0', hc?.[0], x), c = this.initial('LSTM', 'c0', hc?.[1], x);
    for (let t = 0; t < x.shape[1]; t++) {
      [h, c] = lstmStep(step(t), h, c, w);
      hs.push(h);
    }
    const layered = (s: Tensor) => reshape(s, [1, ...s.shape]);
    return [stack(hs, 1), [layered(h), layered(c)]];
  }
}
