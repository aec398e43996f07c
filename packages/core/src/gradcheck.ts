import { GradcheckError, TapegradError } from './errors.js';
import { noGrad } from './tape.js';
import { Tensor } from './tensor.js';
import { Generator } from './random.js';
import { vjp } from './transforms.js';

export interface GradcheckOptions {
  /** Central-difference step (default 1e-6). Must be finite and positive. */
  eps?: number;
  /** Absolute tolerance (default 1e-5). */
  atol?: number;
  /** Relative tolerance, against |numerical| (default 1e-3). */
  rtol?: number;
  /** Compare vᵀJu for random u, v instead of whole Jacobians; on failure the full check runs. */
  fast?: boolean;
  /** Throw a GradcheckError naming the worst element instead of returning a failing report. */
  throw?: boolean;
  /** Seed of the random u, v (fast mode) and cotangents (gradgradcheck). Default 0. */
  seed?: number;
}

export interface GradcheckWorst {
  /** Which output of f (0 when f returns one tensor). */
  output: number;
  /** Which differentiated input. */
  input: number;
  /** [flat index in that output, flat index in that input]: the Jacobian element. */
  index: [number, number];
  numerical: number;
  analytical: number;
}

export interface GradcheckReport {
  ok: boolean;
  maxAbsError: number;
  maxRelError: number;
  /** The element that breaks the tolerance the most (or comes closest to it); null with no elements. */
  worst: GradcheckWorst | null;
  /** 'full' Jacobians, or 'fast' (vᵀJu) when that passed. */
  mode: 'full' | 'fast';
}

type Fn = (...args: never[]) => Tensor | readonly Tensor[];

const toList = (op: string, out: unknown): Tensor[] => {
  const list = out instanceof Tensor ? [out] : out;
  if (!Array.isArray(list) || !list.every((t) => t instanceof Tensor)) {
    throw new TapegradError(op, 'the function must return a Tensor or an array of Tensors');
  }
  return list;
};

function setup(op: string, f: Fn, inputs: unknown, opts: GradcheckOptions) {
  const eps = opts.eps ?? 1e-6, atol = opts.atol ?? 1e-5, rtol = opts.rtol ?? 1e-3;
  for (const [name, v] of [['eps', eps], ['atol', atol], ['rtol', rtol]] as const) {
    if (!Number.isFinite(v) || v < 0 || (name === 'eps' && v === 0)) {
      throw new TapegradError(op, `${name} must be a finite ${name === 'eps' ? 'positive' : 'non-negative'} number, got ${v}`, name);
    }
  }
  const args = inputs instanceof Tensor ? [inputs] : inputs;
  if (!Array.isArray(args)) throw new TapegradError(op, 'inputs must be a Tensor or an array of arguments', 'inputs');
  // float32 inputs are checked in float64 copies; only tensors are differentiated (those with
  // requiresGrad when some have it, else all of them).
  const tensors = args.flatMap((a, i) => (a instanceof Tensor ? [i] : []));
  const marked = tensors.filter((i) => (args[i] as Tensor).requiresGrad);
  const diff = marked.length > 0 ? marked : tensors;
  if (diff.length === 0) throw new TapegradError(op, 'no tensor among the inputs to differentiate', 'inputs');
  const base = args.map((a) => (a instanceof Tensor ? new Tensor(Float64Array.from(a.data), a.shape) : a));
  const call = (xs: Tensor[]) => {
    const full = [...base];
    diff.forEach((i, j) => (full[i] = xs[j]));
    return (f as (...a: unknown[]) => unknown)(...full);
  };
  const xs = diff.map((i) => base[i] as Tensor);
  return { eps, atol, rtol, xs, call };
}

/** f's outputs, as float64 arrays, with input j's element k moved by `delta`. */
function perturbed(call: (xs: Tensor[]) => unknown, xs: Tensor[], j: number, k: number, delta: number): Float64Array[] {
  const data = Float64Array.from(xs[j].data);
  data[k] += delta;
  const moved = xs.map((x, i) => (i === j ? new Tensor(data, x.shape) : x));
  return noGrad(() => toList('gradcheck', call(moved)).map((t) => Float64Array.from(t.data)));
}

class Tally {
  maxAbs = 0;
  maxRel = 0;
  worst: GradcheckWorst | null = null;
  #score = -1;
  constructor(readonly atol: number, readonly rtol: number) {}
  add(output: number, input: number, index: [number, number], numerical: number, analytical: number): void {
    const err = Math.abs(numerical - analytical);
    const bad = Number.isNaN(err) && !(Number.isNaN(numerical) && Number.isNaN(analytical));
    const e = bad ? Infinity : Number.isNaN(err) ? 0 : err;
    this.maxAbs = Math.max(this.maxAbs, e);
    this.maxRel = Math.max(this.maxRel, e === 0 ? 0 : e / Math.max(Math.abs(numerical), Number.MIN_VALUE));
    const score = e / (this.atol + this.rtol * Math.abs(numerical));
    if (score > this.#score) {
      this.#score = score;
      this.worst = { output, input, index, numerical, analytical };
    }
  }
  get ok(): boolean {
    return this.#score <= 1;
  }
}

function fullCheck(op: string, s: ReturnType<typeof setup>): GradcheckReport {
  const { eps, atol, rtol, xs, call } = s;
  const [out, back] = vjp((...v: Tensor[]) => call(v), ...xs);
  const outs = toList(op, out);
  const tally = new Tally(atol, rtol);
  // Analytical rows (one VJP per output element), numerical columns (two evaluations per input element).
  const rows: Float64Array[][][] = outs.map((o, i) => {
    const perElement: Float64Array[][] = [];
    for (let e = 0; e < o.size; e++) {
      const cts = outs.map((p, pi) => {
        const c = new Tensor(new Float64Array(p.size), p.shape);
        if (pi === i) c.data[e] = 1;
        return c;
      });
      const gs = back(out instanceof Tensor ? cts[0] : cts) as Tensor[];
      perElement.push(gs.map((g) => Float64Array.from(g.data)));
    }
    return perElement;
  });
  xs.forEach((x, j) => {
    for (let k = 0; k < x.size; k++) {
      const plus = perturbed(call, xs, j, k, eps), minus = perturbed(call, xs, j, k, -eps);
      outs.forEach((o, i) => {
        for (let e = 0; e < o.size; e++) tally.add(i, j, [e, k], (plus[i][e] - minus[i][e]) / (2 * eps), rows[i][e][j][k]);
      });
    }
  });
  return { ok: tally.ok, maxAbsError: tally.maxAbs, maxRelError: tally.maxRel, worst: tally.worst, mode: 'full' };
}

function fastCheck(op: string, s: ReturnType<typeof setup>, seed: number): GradcheckReport {
  const { eps, atol, rtol, xs, call } = s;
  const g = new Generator(seed);
  const us = xs.map((x) => Float64Array.from({ length: x.size }, () => g.normal()));
  const [out, back] = vjp((...v: Tensor[]) => call(v), ...xs);
  const outs = toList(op, out);
  const vs = outs.map((o) => new Tensor(Float64Array.from({ length: o.size }, () => g.normal()), o.shape));
  const grads = back(out instanceof Tensor ? vs[0] : vs) as Tensor[];
  let analytical = 0;
  grads.forEach((gr, j) => gr.data.forEach((d, k) => (analytical += d * us[j][k])));
  const shifted = (sign: number) =>
    noGrad(() => toList(op, call(xs.map((x, j) => new Tensor(x.data.map((d, k) => d + sign * eps * us[j][k]) as Float64Array, x.shape)))));
  const plus = shifted(1), minus = shifted(-1);
  let numerical = 0;
  outs.forEach((_, i) => plus[i].data.forEach((p, e) => (numerical += ((p - minus[i].data[e]) / (2 * eps)) * vs[i].data[e])));
  const tally = new Tally(atol, rtol);
  tally.add(0, 0, [0, 0], numerical, analytical);
  return { ok: tally.ok, maxAbsError: tally.maxAbs, maxRelError: tally.maxRel, worst: tally.worst, mode: 'fast' };
}

function finish(op: string, report: GradcheckReport, opts: GradcheckOptions): GradcheckReport {
  if (!report.ok && opts.throw && report.worst) {
    const w = report.worst;
    throw new GradcheckError(
      `${op === 'gradgradcheck' ? 'second-order ' : ''}Jacobian mismatch for output ${w.output} with respect to input ${w.input}, ` +
        `element [${w.index[0]}, ${w.index[1]}]: numerical ${w.numerical} vs analytical ${w.analytical} ` +
        `(max abs error ${report.maxAbsError}, max rel error ${report.maxRelError})`,
      report,
    );
  }
  return report;
}

/**
 * Checks the gradients of `f` at `inputs` against central differences in float64, in the manner of
 * PyTorch's gradcheck: each element passes when |analytical − numerical| ≤ atol + rtol·|numerical|.
 *
 * @example
 * const report = gradcheck((x: Tensor) => x.sigmoid().sum(), [randn([3, 2], { dtype: 'float64' })]);
 * report.ok; // true
 */
export function gradcheck(f: Fn, inputs: unknown, opts: GradcheckOptions = {}): GradcheckReport {
  const s = setup('gradcheck', f, inputs, opts);
  if (opts.fast) {
    const quick = fastCheck('gradcheck', s, opts.seed ?? 0);
    if (quick.ok) return quick;
  }
  return finish('gradcheck', fullCheck('gradcheck', s), opts);
}

/**
 * Checks second derivatives: gradcheck of (inputs, v) ↦ vjp(f, inputs)(v) for random cotangents v,
 * so every VJP rule is itself checked as a differentiable function (PyTorch's gradgradcheck).
 */
export function gradgradcheck(f: Fn, inputs: unknown, opts: GradcheckOptions = {}): GradcheckReport {
  const s = setup('gradgradcheck', f, inputs, opts);
  const outs = noGrad(() => toList('gradgradcheck', s.call(s.xs)));
  const g = new Generator(opts.seed ?? 0);
  const vs = outs.map((o) => new Tensor(Float64Array.from({ length: o.size }, () => g.normal()), o.shape));
  const n = s.xs.length;
  const vjpOf = (...args: Tensor[]): Tensor[] => {
    const [out, back] = vjp((...v: Tensor[]) => s.call(v), ...args.slice(0, n));
    return back(out instanceof Tensor ? args[n] : args.slice(n)) as Tensor[];
  };
  const inner = { ...opts, throw: false };
  const report = gradcheck(vjpOf, [...s.xs, ...vs], inner);
  return finish('gradgradcheck', report, opts);
}
