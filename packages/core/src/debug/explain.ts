/**
 * `explain(L, W)`: the chain-rule product the notes write for ∂L/∂W, for the user's own graph — one
 * factor per named tensor on each path, with its op, shape, the VJP the sweep applies, and the norm of
 * the gradient that reaches it — so a vanishing or exploding step shows where it happens.
 */
import { SWEEP_OPS } from '../backward.js';
import { ones } from '../creation.js';
import { ShapeError, TapegradError, fmtShape, fmtValue } from '../errors.js';
import { gradients } from '../sweep.js';
import { Tensor } from '../tensor.js';
import { PASS_THROUGH, formulaOf } from './formulas.js';
import { displayName, paramNameMap, userName, type ParamNames } from './names.js';
import { findPaths, type Step } from './paths.js';

/** One factor ∂from/∂to of a chain-rule product. */
export interface Factor {
  /** The tensor differentiated (nearer the loss), by name: `A[2]`, or `sigmoid#7` when unnamed. */
  readonly from: string;
  /** The tensor differentiated with respect to (nearer the parameter). */
  readonly to: string;
  /** The op(s) between them, outermost first (`add∘matmul` for Z = W·A + b with W·A unnamed). */
  readonly op: string;
  readonly fromShape: readonly number[];
  /** The shape of `to`, which is the shape of ∂L/∂to. */
  readonly shape: readonly number[];
  /** The VJP(s) the sweep applies to get from ∂L/∂from to ∂L/∂to (`dZ = dA ⊙ σ(Z)(1 − σ(Z))`). */
  readonly formula: string;
  /** ‖∂L/∂to‖ (Frobenius), the whole gradient reaching `to` (every path summed); 0 if none flows. */
  readonly gradNorm: number;
}

/** Options of `explain` and `explainPaths`: parameter names, and how many paths to list. */
export interface ExplainOptions {
  /** Names parameters (a Map<Tensor, string>, nn's `model.parameters()`, or a module). */
  params?: ParamNames;
  /** At most this many paths are listed (default 16): paths multiply through fan-out. */
  maxPaths?: number;
}

/**
 * The chain-rule products for ∂L/∂param, one array of factors per path from `loss` back to `param`
 * (first inputs first), each factor ∂from/∂to with its op, shapes, VJP formula and ‖∂L/∂to‖. The
 * norms come from one backward sweep of its own, with every tensor on the paths as a target: `.grad`
 * is neither read nor changed. Name the tensors you want to see as factors (`named('Z[1]')`); unnamed
 * ones are folded into their neighbours, and when none on a path is named each op is a factor, called
 * `op#id`. The loss must be a scalar.
 *
 * @example
 * const x = tensor([1, 2], { dtype: 'float64', requiresGrad: true }).named('x');
 * const L = x.sigmoid().named('s').sum().named('L');
 * explainPaths(L, x)[0].map((f) => `∂${f.from}/∂${f.to}`); // ['∂L/∂s', '∂s/∂x']
 */
export function explainPaths(loss: Tensor, param: Tensor, options: ExplainOptions = {}): Factor[][] {
  return explainAll('explainPaths', loss, param, options).paths;
}

/**
 * `explainPaths` as text: for each path the product in the notes' notation
 * (`∂L/∂W[1] = ∂L/∂A[2] · ∂A[2]/∂Z[2] · … · ∂Z[1]/∂W[1]`), then one line per factor with its op,
 * shapes (from → to), the VJP the sweep applies and ‖∂L/∂to‖. With several paths (fan-out)
 * the sum is spelt out, and ‖∂L/∂param‖ is given for the sum. Paths that read as the same product
 * (they differ only inside a folded factor, or in which operand of `x·x` they take) are listed once,
 * as `paths 1–3: …`, with a row for each way a factor is taken. No library we know prints this;
 * PyTorch's closest is walking `grad_fn.next_functions` by hand.
 *
 * @example
 * const x = tensor([1, 2], { dtype: 'float64', requiresGrad: true }).named('x');
 * explain(x.sigmoid().named('s').sum().named('L'), x).split('\n')[0]; // '∂L/∂x = ∂L/∂s · ∂s/∂x'
 */
export function explain(loss: Tensor, param: Tensor, options: ExplainOptions = {}): string {
  const e = explainAll('explain', loss, param, options);
  const lhs = `∂${e.loss}/∂${e.param}`;
  const product = (p: Factor[]) => p.map((f) => `∂${f.from}/∂${f.to}`).join(' · ');
  const lines: string[] = [];
  if (e.paths.length === 1 && e.count === 1) lines.push(`${lhs} = ${product(e.paths[0])}`, ...table([e.paths[0]], e.loss));
  else {
    lines.push(`${lhs} = Σ over ${e.count} paths (the sweep adds their contributions where the paths meet)`);
    // Paths that differ only inside a folded factor (which operand of x·x, which unnamed route to Z)
    // read as the same product: it is listed once, under all their numbers, with a row per way it is taken.
    const alike = new Map<string, number[]>();
    e.paths.forEach((p, i) => alike.set(product(p), [...(alike.get(product(p)) ?? []), i]));
    for (const [text, at] of alike) {
      lines.push(`${at.length === 1 ? 'path' : 'paths'} ${numbers(at)}: ${text}`, ...table(at.map((i) => e.paths[i]), e.loss));
    }
    if (e.count > e.paths.length) lines.push(`… and ${e.count - e.paths.length} more paths (raise maxPaths to list them)`);
    lines.push(`‖${lhs}‖ = ${fmtNorm(e.gradNorm)} (all paths summed)`);
  }
  return lines.join('\n');
}

/** A norm to 4 significant digits, in exponent form when very small or large. */
export function fmtNorm(x: number): string {
  if (x === 0 || !Number.isFinite(x)) return String(x);
  return Math.abs(x) >= 1e-3 && Math.abs(x) < 1e5 ? String(Number(x.toPrecision(4))) : x.toExponential(3);
}

/** Path indices as 1-based numbers, runs shortened: [0, 1, 2, 4] → '1–3, 5'. */
function numbers(at: number[]): string {
  const runs: string[] = [];
  for (let i = 0; i < at.length; ) {
    let j = i;
    while (j + 1 < at.length && at[j + 1] === at[j] + 1) j++;
    runs.push(j === i ? `${at[i] + 1}` : `${at[i] + 1}–${at[j] + 1}`);
    i = j + 1;
  }
  return runs.join(', ');
}

/** One aligned row per factor of paths that read alike (one path, or several), each distinct row once, under a header. */
function table(paths: Factor[][], loss: string): string[] {
  const cells = (f: Factor) => [`∂${f.from}/∂${f.to}`, f.op, `${fmtShape(f.fromShape)} → ${fmtShape(f.shape)}`, f.formula, fmtNorm(f.gradNorm)];
  const distinct = new Map<string, string[]>();
  for (let k = 0; k < paths[0].length; k++) {
    for (const p of paths) distinct.set(`${k}\u0000${cells(p[k]).join('\u0000')}`, cells(p[k]));
  }
  const rows = [['factor', 'op', 'shape', 'VJP the sweep applies', `‖∂${loss}/∂to‖`], ...distinct.values()];
  const width = (s: string) => [...s].length;
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => width(r[c]))));
  return rows.map((r) => `  ${r.map((cell, c) => (c === r.length - 1 ? cell : cell + ' '.repeat(widths[c] - width(cell)))).join('  ')}`);
}

/** The paths, with the total count and ‖∂L/∂param‖; what `explainPaths` and `explain` share. */
interface Explained {
  readonly paths: Factor[][];
  readonly count: number;
  readonly loss: string;
  readonly param: string;
  readonly gradNorm: number;
}

const norm = (g: Tensor | undefined): number => {
  if (g === undefined) return 0;
  let s = 0;
  for (let i = 0; i < g.data.length; i++) s += g.data[i] * g.data[i];
  return Math.sqrt(s);
};

function check(op: string, loss: unknown, param: unknown, maxPaths: unknown): asserts loss is Tensor {
  if (!(loss instanceof Tensor)) throw new TapegradError(op, `expected a Tensor, got ${fmtValue(loss)}`, 'loss');
  if (!(param instanceof Tensor)) throw new TapegradError(op, `expected a Tensor, got ${fmtValue(param)}`, 'param');
  if (!loss.requiresGrad) throw new TapegradError(op, 'the loss does not require grad and has no recorded ops: nothing to explain', 'loss');
  if (loss.size !== 1) throw new ShapeError(op, `the loss has shape ${fmtShape(loss.shape)}, not a scalar: reduce it first (sum or mean)`, 'loss');
  if (loss === param) throw new TapegradError(op, 'the parameter is the loss itself: ∂L/∂L = 1 has no chain to show', 'param');
  if (maxPaths !== undefined && !(Number.isInteger(maxPaths) && (maxPaths as number) > 0)) {
    throw new TapegradError(op, `expected a positive integer, got ${fmtValue(maxPaths)}`, 'maxPaths');
  }
}

function explainAll(op: string, loss: Tensor, param: Tensor, options: ExplainOptions): Explained {
  check(op, loss, param, options.maxPaths);
  const params = paramNameMap(op, options.params);
  // Only param can be a leaf on a path (every other tensor on it was computed by an op).
  const name = (t: Tensor): string => displayName(t, params, 'param');
  const { paths, count } = findPaths(loss, param, options.maxPaths ?? 16);
  if (count === 0) throw new TapegradError(op, `${name(loss)} does not depend on ${name(param)} through recorded ops: no path to explain`, 'param');
  // One sweep, with every tensor on the listed paths a target, gives ∂L/∂T for each of them.
  const targets = new Set<Tensor>([param]);
  for (const p of paths) for (const s of p) targets.add(s.to);
  const grads = gradients([loss], [ones(loss.shape, { dtype: loss.dtype })], targets, false, SWEEP_OPS);
  const factorsOf = (steps: Step[]): Factor[] => fold(steps, params).map(([a, b]) => factor(steps, a, b, name, grads));
  return { paths: paths.map(factorsOf), count, loss: name(loss), param: name(param), gradNorm: norm(grads.get(param)) };
}

/**
 * Where a path's factors begin and end, as [a, b] step ranges. Named tensors are the factors'
 * boundaries and unnamed ones are folded into them (Z = W·A + b with W·A unnamed is one factor, as
 * in the notes); on a path with no named tensor every op but a pass-through (reshape, astype,
 * identity) is a factor of its own.
 */
function fold(steps: Step[], params: ReadonlyMap<Tensor, string>): [number, number][] {
  const inner = steps.slice(0, -1).map((s) => s.to);
  const anyNamed = inner.some((t) => userName(t, params) !== null);
  const bounds = [0];
  inner.forEach((t, i) => {
    const stop = userName(t, params) !== null || (!anyNamed && !PASS_THROUGH.has(t.node!.rule.name));
    if (stop) bounds.push(i + 1);
  });
  bounds.push(steps.length);
  return bounds.slice(1).map((b, i) => [bounds[i], b]);
}

function factor(steps: Step[], a: number, b: number, name: (t: Tensor) => string, grads: Map<Tensor, Tensor>): Factor {
  const span = steps.slice(a, b);
  const from = span[0].node.output;
  const to = span[span.length - 1].to;
  const formulas = span.map((s) => formulaOf(s.node, s.input));
  const kept = formulas.filter((f) => !f.identity);
  return {
    from: name(from),
    to: name(to),
    op: span.map((s) => s.node.rule.name).join('∘'),
    fromShape: from.shape,
    shape: to.shape,
    formula: (kept.length > 0 ? kept : formulas).map((f) => f.text).join('; then '),
    gradNorm: norm(grads.get(to)),
  };
}
