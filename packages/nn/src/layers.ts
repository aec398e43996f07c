import { Tensor, ShapeError, TapegradError, add, astype, expectTensor, fmtShape, isTensor, matmul, sameShape, type DType, type Generator } from '@tapegrad/core';
import { Module, type AnyModule } from './module.js';
import { activation, ACTIVATIONS, type ActivationFn, type ActivationName } from './activations.js';
import { initializer, type InitName, type Initializer } from './init.js';
import { Lambda } from './functional.js';
import { checkBoolean, checkOptions, describeValue } from './check.js';

/**
 * The most values one tensor may hold: what one typed array holds in Node 20's V8 (2³² elements). A
 * layer asking for more is refused before anything is allocated.
 */
const MAX_VALUES = 2 ** 32;

/**
 * Options of a `Dense` layer: its activation g, how W and b are initialised, whether it has a bias, its
 * dtype and the random stream. The defaults follow the notes (sigmoid), where PyTorch's `nn.Linear` has
 * no activation and a uniform ±1/√nIn init of both W and b.
 *
 * @example
 * const layer = new Dense(4, 3, { activation: 'relu', init: 'he', biasInit: 'zeros', bias: true, dtype: 'float64', generator: new Generator(7) });
 * layer.W.shape; // [3, 4]
 * layer.b!.shape; // [3, 1]
 */
export interface DenseOptions {
  /** A = g(Z): a name or a function (default 'sigmoid', the notes' choice). */
  activation?: ActivationName | ActivationFn;
  /** Initializer of W (default 'he' for relu, 'glorot' otherwise). */
  init?: InitName | Initializer;
  /** Initializer of b (default 'zeros'). */
  biasInit?: InitName | Initializer;
  /** Whether the layer has a bias b (default true). */
  bias?: boolean;
  /** 'float32' (default) or 'float64'. */
  dtype?: DType;
  /** The random stream for the initializers (default: the global one, see `manualSeed`). */
  generator?: Generator;
}

/**
 * A fully connected layer in the notes' layout: W is [nOut, nIn], b is [nOut, 1], and for an input
 * A_prev of shape [nIn, m] (one example per column) the output is
 *
 *   Z[l] = W[l]·A[l−1] + b[l],   A[l] = g(Z[l])   (both [nOut, m]),
 *
 * recorded as exactly three tape nodes, matmul → add → activation, whose outputs are named `Z[l]` and
 * `A[l]` (l is `layerIndex`, which Sequential sets; without it the names are `Z` and `A`). With the
 * 'linear' activation the output is Z itself.
 *
 * @example
 * const layer = new Dense(3, 2, { activation: 'tanh', generator: new Generator(0) });
 * const A = layer.forward(randn([3, 5]));   // shape [2, 5]
 * layer.parameters().keySeq().toArray();    // ['W', 'b']
 */
export class Dense extends Module {
  /** The weights, [nOut, nIn]. Declared first so that parameters() lists W before b. */
  W: Tensor;
  /** The bias, [nOut, 1], or null for a layer made with `{ bias: false }`. */
  b: Tensor | null;
  readonly nIn: number;
  readonly nOut: number;
  /** The activation's name ('custom' for a function that is not one of the named ones). */
  readonly activation: ActivationName | 'custom';
  /** The notes' layer number l (1-based) used to name outputs Z[l] and A[l]; set by Sequential. */
  layerIndex: number | null = null;
  readonly #g: ActivationFn;

  constructor(nIn: number, nOut: number, options: DenseOptions = {}) {
    super();
    for (const [arg, n] of [['nIn', nIn], ['nOut', nOut]] as const) {
      if (!Number.isInteger(n) || n < 1) throw new TapegradError('Dense', `${arg} must be a positive integer, got ${describeValue(n)}`, arg);
    }
    if (nIn * nOut > MAX_VALUES) {
      throw new TapegradError('Dense', `W would be [nOut, nIn] = [${nOut}, ${nIn}], ${nOut * nIn} values: more than one tensor holds (${MAX_VALUES})`, 'nIn');
    }
    checkOptions('Dense', options);
    const g = options.activation ?? 'sigmoid';
    this.#g = activation(g);
    const named = (Object.keys(ACTIVATIONS) as ActivationName[]).find((k) => ACTIVATIONS[k] === this.#g);
    this.activation = named ?? 'custom';
    const init = initializer(options.init ?? (g === 'relu' ? 'he' : 'glorot'));
    const opts = { dtype: options.dtype ?? 'float32', generator: options.generator };
    this.nIn = nIn;
    this.nOut = nOut;
    this.W = checkInit(init([nOut, nIn], opts), [nOut, nIn], opts.dtype, 'init').setRequiresGrad(true);
    this.b = !checkBoolean('Dense', 'bias', options.bias, true)
      ? null
      : checkInit(initializer(options.biasInit ?? 'zeros')([nOut, 1], opts), [nOut, 1], opts.dtype, 'biasInit').setRequiresGrad(true);
  }

  forward(A_prev: Tensor): Tensor {
    expectTensor('Dense', A_prev, 'x', `a Tensor of shape [${this.nIn}, m]`);
    if (A_prev.ndim !== 2 || A_prev.shape[0] !== this.nIn) {
      throw new ShapeError(
        'Dense',
        `input has shape ${fmtShape(A_prev.shape)} but this layer takes [${this.nIn}, m] (features in rows, one example per column; a single example is [${this.nIn}, 1])`,
        'x',
      );
    }
    const l = this.layerIndex === null ? '' : `[${this.layerIndex}]`;
    const WA = matmul(this.W, A_prev);
    const Z = (this.b === null ? WA : add(WA, this.b)).named(`Z${l}`);
    const A = this.#g(Z);
    return A === Z ? Z : A.named(`A${l}`);
  }

  override describe(): string {
    return `Dense(${this.nIn} → ${this.nOut}, ${this.activation}${this.b === null ? ', no bias' : ''})`;
  }
}

function checkInit(t: Tensor, shape: readonly number[], dtype: DType, arg: string): Tensor {
  if (!isTensor(t) || !sameShape(t.shape, shape)) {
    throw new ShapeError('Dense', `the initializer returned ${isTensor(t) ? `shape ${fmtShape(t.shape)}` : describeValue(t)}, expected a Tensor of shape ${fmtShape(shape)}`, arg);
  }
  // a fresh leaf of the layer's dtype (an initializer may return a tensor that is shared or recorded)
  return astype(t.detach(), dtype).detach();
}

/**
 * A layer that applies an activation: `new Activation('relu')` in a Sequential.
 *
 * @example
 * new Activation('relu').forward(tensor([[-1, 2]])).toArray(); // [[0, 2]]
 */
export class Activation extends Module {
  readonly name: ActivationName | 'custom';
  readonly #g: ActivationFn;

  constructor(g: ActivationName | ActivationFn) {
    super();
    this.#g = activation(g);
    this.name = typeof g === 'string' ? g : 'custom';
  }

  forward(Z: Tensor): Tensor {
    return this.#g(Z);
  }

  override describe(): string {
    return `Activation(${this.name})`;
  }
}

/**
 * Modules applied one after another: forward(x) = layers[n−1](…layers[0](x)). Plain functions are wrapped
 * in `Lambda`. Every Dense layer in it (nested ones too, depth first) gets its notes' number l = 1, 2, …
 * as `layerIndex`, so the tape names the outputs Z[1], A[1], Z[2], A[2], … Parameters are named
 * `layers.0.W`, `layers.0.b`, `layers.1.W`, … Differs from PyTorch, whose `nn.Sequential` names them
 * `0.weight`, …: loading takes PyTorch's names as well, and `saveBytes(model, { names: 'pytorch' })`
 * writes them (see `pytorchNames`); ours stay, as the names every saved file and optimizer state has.
 *
 * @example
 * // the notes' network: 4 sigmoid layers
 * const net = new Sequential(new Dense(5, 4), new Dense(4, 3), new Dense(3, 2), new Dense(2, 1));
 * net.forward(randn([5, 10])).name; // 'A[4]'
 */
export class Sequential extends Module {
  readonly layers: Module[];
  /** The Dense layers under this Sequential, depth first, each once: the ones it numbers. */
  readonly #dense: Dense[];
  /** True while `forward` runs, so a Sequential that contains itself is an error, not a stack overflow. */
  #running = false;

  constructor(...layers: (Module | ((x: Tensor) => Tensor))[]) {
    super();
    this.layers = layers.map((m, i) => {
      if (m instanceof Module) return m;
      if (typeof m === 'function') return new Lambda(m);
      throw new TapegradError('Sequential', `layer ${i} is ${m === null ? 'null' : typeof m}, expected a Module or a function`, `layers[${i}]`);
    });
    this.#dense = Sequential.#denseUnder(this.layers);
    this.#dense.forEach((d, i) => (d.layerIndex = i + 1));
  }

  /**
   * The Dense layers under `roots`, in the depth-first order of `modules()`, each once. A nested
   * Sequential's own list is reused instead of walking its descendants again, so building n nested
   * Sequentials costs O(n), not O(n²).
   */
  static #denseUnder(roots: readonly AnyModule[]): Dense[] {
    const out: Dense[] = [];
    const seen = new Set<AnyModule>();
    const stack = [...roots].reverse();
    while (stack.length > 0) {
      const m = stack.pop()!;
      if (seen.has(m)) continue;
      seen.add(m);
      if (m instanceof Dense) out.push(m);
      else if (m instanceof Sequential) {
        for (const d of m.#dense) if (!seen.has(d)) (seen.add(d), out.push(d));
      } else stack.push(...[...m.children().values()].reverse());
    }
    return out;
  }

  /**
   * Runs the layers in order. Nested Sequentials (those that keep this forward) are entered on a stack
   * of our own rather than by calling their forward, so 20,000 levels cannot overflow the call stack.
   */
  forward(x: Tensor): Tensor {
    const open: { seq: Sequential; next: number }[] = [];
    const enter = (seq: Sequential) => {
      if (seq.#running) {
        throw new TapegradError('Sequential', 'this Sequential contains itself (it is one of its own layers, or nested in one), so its forward would never end', 'layers');
      }
      seq.#running = true;
      open.push({ seq, next: 0 });
    };
    let a = x;
    try {
      enter(this);
      while (open.length > 0) {
        const top = open[open.length - 1];
        if (top.next === top.seq.layers.length) {
          top.seq.#running = false;
          open.pop();
          continue;
        }
        const layer = top.seq.layers[top.next++];
        if (layer instanceof Sequential && layer.forward === Sequential.prototype.forward) enter(layer);
        else a = layer.forward(a);
      }
      return a;
    } finally {
      for (const { seq } of open) seq.#running = false;
    }
  }

  override describe(): string {
    return 'Sequential';
  }
}
