import { GradcheckError, TapegradError } from './errors.js';
import { noGrad } from './tape.js';
import { Tensor } from './tensor.js';
import { Generator } from './random.js';
import { vjp } from './transforms.js';

/**
 * Options of `gradcheck` and `gradgradcheck`. The defaults are PyTorch's (eps 1e-6, atol 1e-5, rtol
 * 1e-3), meant for float64 inputs; float32 needs a larger eps and looser tolerances.
 *
 * @example
 * gradcheck((x: Tensor) => x.tanh().sum(), [tensor([0.5, -1], { dtype: 'float64' })], { eps: 1e-6, atol: 1e-5, rtol: 1e-3, fast: true, seed: 1 }).ok; // true
 */
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

/** One compared Jacobian element (in fast mode, the single number vᵀJu, reported as element [0, 0]). */
export interface GradcheckWorst {
  /** Which output of f (0 when f returns one tensor). */
  output: number;
  /** Which differentiated input. */
  input: number;
  /** [flat index in that output, flat index in that input]: the Jacobian element. */
  index: [number, number];
  numerical: number;
  analytical: number;
  /** |analytical − numerical| / (atol + rtol·|numerical|): the element passes when it is ≤ 1; NaN when it could not be compared. */
  ratio: number;
  /** Why the element fails or could not be compared (null when it passes). */
  reason: string | null;
}

/**
 * What gradcheck found. `ok` is true only when every element was compared (numerical and analytical
 * both finite) and every one passed |analytical − numerical| ≤ atol + rtol·|numerical|. The error
 * figures are taken over the compared elements, each maximum on its own (they may come from different
 * elements); `worstRatio` is the one the pass test uses.
 */
export interface GradcheckReport {
  ok: boolean;
  /** Largest |analytical − numerical|. */
  maxAbsError: number;
  /** Largest |analytical − numerical| / |numerical| (Infinity where numerical is 0 and analytical is not). Informative only: a large value passes when atol covers it. */
  maxRelError: number;
  /** Largest |analytical − numerical| / (atol + rtol·|numerical|): ok needs ≤ 1. */
  worstRatio: number;
  /** Elements looked at: Jacobian entries (full mode) or 1 (fast mode). */
  elements: number;
  /** Elements where the numerical or analytical value is NaN or ±Inf: they cannot be compared, and any one makes ok false. */
  nonFinite: number;
  /** Elements compared and outside the tolerance. */
  failed: number;
  /** The first element that could not be compared, if any; else the element with the largest ratio; null with no elements. */
  worst: GradcheckWorst | null;
  /** 'full' Jacobians, or 'fast' (vᵀJu) when that passed. */
  mode: 'full' | 'fast';
  /** The tolerances and step the check used. */
  eps: number;
  atol: number;
  rtol: number;
  /** Aligned lines saying what passed and what each figure measures; `where` names the worst element (default "output i, input j, element [e, k]"). */
  format(where?: (w: GradcheckWorst) => string): string;
  /** `format()`. */
  toString(): string;
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

/**
 * Why an element with a NaN or ±Inf value cannot be compared. Equal infinities are not a match (PyTorch's
 * allclose counts them as one): an infinite central difference says f overflowed or jumped within eps
 * of x, which confirms no derivative.
 */
function nonFiniteReason(numerical: number, analytical: number, fPlus: number, fMinus: number, eps: number): string {
  const why: string[] = [];
  if (!Number.isFinite(numerical)) {
    why.push(
      Number.isFinite(fPlus) && Number.isFinite(fMinus)
        ? `the central difference (f(x + eps) − f(x − eps)) / 2eps overflows at eps ${eps.toExponential()}`
        : `f(x + eps) = ${fPlus} and f(x − eps) = ${fMinus} at eps ${eps.toExponential()} (x within eps of a pole or the edge of f's domain, or f overflows)`,
    );
  }
  if (!Number.isFinite(analytical)) why.push(`the analytical derivative is ${analytical}`);
  return `cannot compare: ${why.join('; ')}`;
}

class Tally {
  maxAbs = 0;
  maxRel = 0;
  maxRatio = 0;
  elements = 0;
  nonFinite = 0;
  failed = 0;
  worst: GradcheckWorst | null = null;
  constructor(readonly eps: number, readonly atol: number, readonly rtol: number) {}

  /** fPlus, fMinus: the output element at x ± eps (in fast mode, vᵀf), for the reason of a non-finite numerical value. */
  add(output: number, input: number, index: [number, number], numerical: number, analytical: number, fPlus: number, fMinus: number): void {
    this.elements++;
    const at = { output, input, index, numerical, analytical };
    if (!Number.isFinite(numerical) || !Number.isFinite(analytical)) {
      if (this.nonFinite++ === 0) this.worst = { ...at, ratio: NaN, reason: nonFiniteReason(numerical, analytical, fPlus, fMinus, this.eps) };
      return;
    }
    const err = Math.abs(numerical - analytical);
    const allowed = this.atol + this.rtol * Math.abs(numerical);
    const ratio = err === 0 ? 0 : err / allowed; // allowed is 0 only with atol = 0 at numerical = 0: Infinity
    this.maxAbs = Math.max(this.maxAbs, err);
    this.maxRel = Math.max(this.maxRel, err === 0 ? 0 : err / Math.abs(numerical));
    if (ratio > 1) this.failed++;
    if (this.nonFinite === 0 && (this.worst === null || ratio > this.maxRatio)) {
      const reason = ratio > 1 ? `|analytical − numerical| = ${fmt(err)} exceeds atol + rtol·|numerical| = ${fmt(allowed)}` : null;
      this.worst = { ...at, ratio, reason };
    }
    this.maxRatio = Math.max(this.maxRatio, ratio);
  }

  report(mode: 'full' | 'fast'): GradcheckReport {
    const { eps, atol, rtol } = this;
    const report: GradcheckReport = {
      ok: this.nonFinite === 0 && this.failed === 0,
      maxAbsError: this.maxAbs,
      maxRelError: this.maxRel,
      worstRatio: this.maxRatio,
      elements: this.elements,
      nonFinite: this.nonFinite,
      failed: this.failed,
      worst: this.worst,
      mode,
      eps,
      atol,
      rtol,
      format: (where) => formatReport(report, where),
      toString: () => formatReport(report),
    };
    return report;
  }
}

/** A figure in three significant digits, exact small integers and non-finite values as they are. */
const fmt = (v: number): string => (v === 0 || !Number.isFinite(v) || (Number.isInteger(v) && Math.abs(v) < 1e6) ? String(v) : v.toExponential(2));

/** v to 10 significant digits, printed as short as JavaScript prints it (6, not 6.000000000). */
const digits10 = (v: number): string => String(Number(v.toPrecision(10)));

function formatReport(r: GradcheckReport, where?: (w: GradcheckWorst) => string): string {
  const tolerance = `|analytical − numerical| ≤ atol + rtol·|numerical| = ${r.atol.toExponential()} + ${r.rtol.toExponential()}·|numerical|`;
  const status = r.nonFinite > 0
    ? `${r.nonFinite} of ${r.elements} elements could not be compared (NaN or ±Inf)${r.failed > 0 ? `, ${r.failed} outside the tolerance` : ''}`
    : r.failed > 0 ? `${r.failed} of ${r.elements} elements break ${tolerance}` : `all ${r.elements} elements within ${tolerance}`;
  const lines = [
    `ok           ${r.ok}   (${status}; ${r.mode === 'full' ? 'full Jacobians' : 'vᵀJu for random u, v'}, eps ${r.eps.toExponential()})`,
    `worstRatio   ${fmt(r.worstRatio)}   (largest |analytical − numerical| / (atol + rtol·|numerical|) over the compared elements; ok needs ≤ 1)`,
    `maxAbsError  ${fmt(r.maxAbsError)}`,
    `maxRelError  ${fmt(r.maxRelError)}   (largest |analytical − numerical| / |numerical|; informative only: atol covers small numerical values)`,
  ];
  const w = r.worst;
  if (w) {
    const name = where ? where(w) : `output ${w.output}, input ${w.input}, element [${w.index[0]}, ${w.index[1]}]`;
    const values = `analytical ${digits10(w.analytical)}, numerical ${digits10(w.numerical)}`;
    lines.push(`worst        ${name}: ${values}${w.reason ? ` — ${w.reason}` : `, ratio ${fmt(w.ratio)}`}`);
  }
  return lines.join('\n');
}

function fullCheck(op: string, s: ReturnType<typeof setup>): GradcheckReport {
  const { eps, atol, rtol, xs, call } = s;
  const [out, back] = vjp((...v: Tensor[]) => call(v), ...xs);
  const outs = toList(op, out);
  const tally = new Tally(eps, atol, rtol);
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
        for (let e = 0; e < o.size; e++) {
          tally.add(i, j, [e, k], (plus[i][e] - minus[i][e]) / (2 * eps), rows[i][e][j][k], plus[i][e], minus[i][e]);
        }
      });
    }
  });
  return tally.report('full');
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
  // vᵀf(x ± eps·u)
  const shifted = (sign: number) => {
    const ys = noGrad(() => toList(op, call(xs.map((x, j) => new Tensor(x.data.map((d, k) => d + sign * eps * us[j][k]) as Float64Array, x.shape)))));
    let dot = 0;
    ys.forEach((y, i) => y.data.forEach((p, e) => (dot += p * vs[i].data[e])));
    return dot;
  };
  const plus = shifted(1), minus = shifted(-1);
  const tally = new Tally(eps, atol, rtol);
  tally.add(0, 0, [0, 0], (plus - minus) / (2 * eps), analytical, plus, minus);
  return tally.report('fast');
}

function finish(op: string, report: GradcheckReport, opts: GradcheckOptions): GradcheckReport {
  if (!report.ok && opts.throw && report.worst) {
    const w = report.worst;
    const order = op === 'gradgradcheck' ? 'second-order ' : '';
    const what = w.ratio > 1 ? `${order}Jacobian mismatch` : `${order}Jacobian element not checked`;
    throw new GradcheckError(
      `${what} for output ${w.output} with respect to input ${w.input}, element [${w.index[0]}, ${w.index[1]}]: ` +
        `numerical ${w.numerical} vs analytical ${w.analytical}: ${w.reason} ` +
        `(${report.nonFinite} of ${report.elements} elements not comparable, ${report.failed} outside the tolerance; ` +
        `max abs error ${report.maxAbsError}, max rel error ${report.maxRelError}, worst ratio ${report.worstRatio})`,
      report,
    );
  }
  return report;
}

/**
 * Checks the gradients of `f` at `inputs` against central differences in float64, in the manner of
 * PyTorch's gradcheck: each element passes when |analytical − numerical| ≤ atol + rtol·|numerical|.
 *
 * A numerical or analytical value that is NaN or ±Inf cannot be compared, so it fails the check: the
 * report counts such elements in `nonFinite`, and `worst` is the first of them, with the reason (f is
 * NaN at x − eps, the difference overflows, the tape's derivative is infinite…). Unlike PyTorch, whose
 * allclose passes two equal infinities, tapegrad fails them too (both NaN fails in both). In fast mode a
 * failing or non-finite vᵀJu runs the full check, which names the element.
 *
 * @example
 * const report = gradcheck((x: Tensor) => x.sigmoid().sum(), [randn([3, 2], { dtype: 'float64' })]);
 * report.ok; // true
 * console.log(String(report)); // ok, worstRatio, maxAbsError, maxRelError and the worst element, each explained
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
 * so every VJP rule is itself checked as a differentiable function (PyTorch's gradgradcheck). Non-finite
 * values fail as in `gradcheck`.
 *
 * @example
 * gradgradcheck((x: Tensor) => x.tanh().sum(), [randn([3], { dtype: 'float64' })]).ok; // true
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
