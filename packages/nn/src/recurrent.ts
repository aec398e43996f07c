import {
  ShapeError, Tensor, add, concat, fmtShape, matmul, mul, reshape, sigmoid, slice, split, stack, sub, tanh, transpose, zeros,
  type DType, type Generator,
} from '@tapegrad/core';
import { Module } from './module.js';
import { uniform } from './init.js';
import { checkBoolean, checkNumber, checkOptions } from './check.js';
import { dropout } from './norm.js';
import { checkInput, dtypeArg, parameter, positiveInt } from './layer-args.js';

/**
 * Recurrent cells and their unrolling over a sequence, as PyTorch's (`batch_first=True`): a step takes
 * x [N, I] and the state h [N, H] (and c for the LSTM), a sequence is [N, L, I]. The parameters are
 * PyTorch's — `weight_ih` [G·H, I], `weight_hh` [G·H, H], `bias_ih`, `bias_hh` [G·H], gates stacked in
 * PyTorch's order — with `_l{k}` (layer k) and `_reverse` (the backward direction) appended in `GRU`
 * and `LSTM`, as PyTorch names them.
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
  if (rank === 3 && x.shape[1] === 0) throw new ShapeError(layer, `input has shape ${fmtShape(x.shape)}: a sequence needs at least one step (L ≥ 1), as in PyTorch`, 'x');
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

/** Options of `GRU` and `LSTM`: the cells' options and PyTorch's stacking. */
export interface RecurrentLayerOptions extends RecurrentOptions {
  /** Layers stacked, each running over the previous one's output (default 1; PyTorch's `num_layers`). */
  numLayers?: number;
  /** Whether each layer also runs over the sequence backwards, its output beside the forward one (default false). */
  bidirectional?: boolean;
  /** Dropout probability on the output of every layer but the last, in train mode only (default 0). */
  dropout?: number;
}

/**
 * What the sequence layers share: the parameters of every layer and direction under PyTorch's names
 * (`weight_ih_l0`, `weight_ih_l0_reverse`, `weight_ih_l1`, …, in PyTorch's order) and the loops over
 * layers, directions and time steps.
 */
abstract class Recurrent<In extends unknown[], Out> extends Module<In, Out> {
  // layer 0's forward direction, always there; the others are fields added by name in the constructor
  weight_ih_l0: Tensor;
  weight_hh_l0: Tensor;
  bias_ih_l0: Tensor | null;
  bias_hh_l0: Tensor | null;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bidirectional: boolean;
  /** The dropout probability between layers (train mode only). */
  readonly dropout: number;
  readonly #generator: Generator | undefined;

  constructor(layer: string, gates: number, inputSize: number, hiddenSize: number, options: RecurrentLayerOptions) {
    super();
    const o = checkOptions(layer, options);
    this.numLayers = positiveInt(layer, 'numLayers', o.numLayers ?? 1);
    this.bidirectional = checkBoolean(layer, 'bidirectional', o.bidirectional, false);
    this.dropout = checkNumber(layer, 'dropout', o.dropout ?? 0, (v) => v >= 0 && v <= 1, 'a probability in [0, 1]');
    this.#generator = o.generator;
    const w = draw(layer, gates, inputSize, hiddenSize, o);
    [this.weight_ih_l0, this.weight_hh_l0, this.bias_ih_l0, this.bias_hh_l0] = [w.wih, w.whh, w.bih, w.bhh];
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    const self = this as unknown as Record<string, Tensor | null>;
    for (let l = 0; l < this.numLayers; l++) {
      for (let d = l === 0 ? 1 : 0; d < this.directions; d++) {
        // layers above the first take both directions' outputs side by side
        const v = draw(layer, gates, l === 0 ? inputSize : this.directions * hiddenSize, hiddenSize, o), k = suffix(l, d);
        [self[`weight_ih${k}`], self[`weight_hh${k}`], self[`bias_ih${k}`], self[`bias_hh${k}`]] = [v.wih, v.whh, v.bih, v.bhh];
      }
    }
  }

  /** 2 if bidirectional, else 1: PyTorch's num_directions. */
  get directions(): number {
    return this.bidirectional ? 2 : 1;
  }

  /** The weights of layer l, direction d (0 forward, 1 reverse), read from the fields each time (setParameters replaces them). */
  #weights(l: number, d: number): Weights {
    const self = this as unknown as Record<string, Tensor | null>, k = suffix(l, d);
    return { wih: self[`weight_ih${k}`]!, whh: self[`weight_hh${k}`]!, bih: self[`bias_ih${k}`] ?? null, bhh: self[`bias_hh${k}`] ?? null };
  }

  /**
   * Runs every layer and direction over x [N, L, I]: `init(k)` is the state of layer·direction k at the
   * start, `step` one time step. Returns the last layer's output [N, L, D·H] (forward then reverse
   * along the last axis, as PyTorch) and the final state of each layer·direction, in PyTorch's order.
   */
  protected unroll<S>(x: Tensor, init: (k: number) => S, step: (xi: Tensor, s: S, w: Weights) => S, hOf: (s: S) => Tensor): [Tensor, S[]] {
    const [N, L] = x.shape, finals: S[] = [];
    let input = x;
    for (let l = 0; l < this.numLayers; l++) {
      const outs: Tensor[] = [];
      for (let d = 0; d < this.directions; d++) {
        const w = this.#weights(l, d);
        const xi = affine(input, w.wih, w.bih); // x·W_ihᵀ + b_ih for every step at once: [N, L, G·H]
        const G = xi.shape[2], hs: Tensor[] = new Array<Tensor>(L);
        let s = init(l * this.directions + d);
        for (let i = 0; i < L; i++) {
          const t = d === 0 ? i : L - 1 - i;
          s = step(reshape(slice(xi, [0, t, 0], [N, t + 1, G]), [N, G]), s, w);
          hs[t] = hOf(s);
        }
        outs.push(stack(hs, 1));
        finals.push(s);
      }
      input = outs.length === 1 ? outs[0] : concat(outs, 2);
      if (l < this.numLayers - 1 && this.training) input = dropout(input, this.dropout, this.#generator);
    }
    return [input, finals];
  }

  /** Layer·direction k's slice [N, H] of a state given as PyTorch's [numLayers·D, N, H], or zeros. */
  protected initial(layer: string, arg: string, s: Tensor | null | undefined, x: Tensor): (k: number) => Tensor {
    const [N, H, K] = [x.shape[0], this.hiddenSize, this.numLayers * this.directions];
    const all = state(layer, arg, s, [K, N, H], x.dtype);
    return (k) => reshape(slice(all, [k, 0, 0], [k + 1, N, H]), [N, H]);
  }

  override describe(): string {
    const extras = [
      this.numLayers > 1 ? `${this.numLayers} layers` : '', this.bidirectional ? 'bidirectional' : '',
      this.dropout > 0 ? `dropout ${this.dropout}` : '', this.bias_ih_l0 === null ? 'no bias' : '',
    ].filter((e) => e !== '');
    return `${this.constructor.name}(${this.inputSize} → ${this.hiddenSize}${extras.map((e) => `, ${e}`).join('')})`;
  }
}

/** PyTorch's parameter suffix of layer l, direction d: `_l0`, `_l0_reverse`, `_l1`, … */
const suffix = (l: number, d: number) => `_l${l}${d === 1 ? '_reverse' : ''}`;

/**
 * A GRU unrolled over a sequence, as PyTorch's `nn.GRU(inputSize, hiddenSize, num_layers, bias,
 * batch_first=True, dropout, bidirectional)`: `forward(x [N, L, I], h0 [K, N, H] = zeros)` gives
 * [output [N, L, D·H], h_n [K, N, H]], where D is 2 if bidirectional (else 1) and K = numLayers·D;
 * output holds the last layer's h after every step (the forward direction's, then the reverse one's,
 * along the last axis), h_n each layer's and direction's final h in PyTorch's order. Parameters are
 * named as PyTorch's (`weight_ih_l0`, `weight_ih_l0_reverse`, `weight_ih_l1`, …), so a PyTorch state
 * dict loads as it is. Dropout masks come from `options.generator` (the global stream if none), so a
 * run is reproducible; they differ from PyTorch's, whose generator differs.
 *
 * @example
 * const gru = new GRU(4, 3, { numLayers: 2, bidirectional: true, generator: new Generator(0) });
 * const [out, hN] = gru.forward(randn([2, 5, 4]));
 * out.shape; // [2, 5, 6]: both directions side by side
 * hN.shape;  // [4, 2, 3]: 2 layers × 2 directions
 */
export class GRU extends Recurrent<[x: Tensor, h0?: Tensor | null], [output: Tensor, hN: Tensor]> {
  constructor(inputSize: number, hiddenSize: number, options: RecurrentLayerOptions = {}) {
    super('GRU', 3, inputSize, hiddenSize, options);
  }

  forward(x: Tensor, h0: Tensor | null = null): [Tensor, Tensor] {
    checkX('GRU', x, 3, this.inputSize);
    const [out, hs] = this.unroll(x, this.initial('GRU', 'h0', h0, x), gruStep, (h) => h);
    return [out, stack(hs, 0)];
  }
}

/**
 * An LSTM unrolled over a sequence, as PyTorch's `nn.LSTM(inputSize, hiddenSize, num_layers, bias,
 * batch_first=True, dropout, bidirectional)` (no `proj_size`): `forward(x [N, L, I], [h0, c0] = zeros)`
 * gives [output [N, L, D·H], [h_n, c_n]], states [numLayers·D, N, H], laid out as in `GRU`. Parameters
 * as PyTorch's (`weight_ih_l0`, `weight_ih_l0_reverse`, …).
 *
 * @example
 * const lstm = new LSTM(4, 3, { numLayers: 2, generator: new Generator(0) });
 * const [out, [hN, cN]] = lstm.forward(randn([2, 5, 4]));
 * out.shape; // [2, 5, 3]
 * cN.shape;  // [2, 2, 3]: one state a layer
 */
export class LSTM extends Recurrent<[x: Tensor, state?: readonly [h0: Tensor, c0: Tensor] | null], [output: Tensor, state: [hN: Tensor, cN: Tensor]]> {
  constructor(inputSize: number, hiddenSize: number, options: RecurrentLayerOptions = {}) {
    super('LSTM', 4, inputSize, hiddenSize, options);
  }

  forward(x: Tensor, hc: readonly [h0: Tensor, c0: Tensor] | null = null): [Tensor, [Tensor, Tensor]] {
    checkX('LSTM', x, 3, this.inputSize);
    const h0 = this.initial('LSTM', 'h0', hc?.[0], x), c0 = this.initial('LSTM', 'c0', hc?.[1], x);
    const step = (xi: Tensor, [h, c]: [Tensor, Tensor], w: Weights) => lstmStep(xi, h, c, w);
    const [out, states] = this.unroll(x, (k): [Tensor, Tensor] => [h0(k), c0(k)], step, ([h]) => h);
    return [out, [stack(states.map(([h]) => h), 0), stack(states.map(([, c]) => c), 0)]];
  }
}
