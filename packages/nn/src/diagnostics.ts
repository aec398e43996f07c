import { TapegradError, tapeOf, type Tensor, type TapeEntry } from '@tapegrad/core';
import type { OrderedMap } from 'immutable';
import type { Module } from './module.js';
import type { FitCallbacks } from './train.js';
import { lossCurvesSvg, terminalPlot, type Series } from './plot.js';
import { checkOptions, describeValue } from './check.js';

/**
 * Training diagnostics as a `fit` callback: per parameter, the gradient norm ‖∂L/∂θ‖ and the
 * update-to-weight ratio ‖Δθ‖/‖θ‖ of the optimizer's step; per layer, the fraction of saturated
 * sigmoid outputs and of dead ReLU units. A vanishing gradient shows as a norm that falls by decades
 * from the last layer to the first; a ratio far above 1e-3 a step is a learning rate too high for that
 * parameter, far below it one too low (the rule of thumb from Karpathy's CS231n notes).
 */

/**
 * A sigmoid output is saturated below `low` or above `high`: there σ′ = σ(1 − σ) < 0.0099, so the unit
 * hardly learns.
 *
 * @example
 * SATURATION.high; // 0.99
 */
export const SATURATION = Object.freeze({ low: 0.01, high: 0.99 });

/** Options of `TrainingDiagnostics`: how often to record. */
export interface DiagnosticsOptions {
  /** `'epoch'` (default): one record per epoch; a number k: one every k batches, and one at each epoch's end for the batches left over. */
  every?: 'epoch' | number;
}

/** One record: what the steps of one window (an epoch, or k batches) showed. */
export interface DiagnosticsRecord {
  /** The epoch, counted from 0 over every fit this object watched. */
  epoch: number;
  /** The last batch of the window (counted from 0 within the epoch). */
  batch: number;
  /** The optimizer steps the record covers. */
  steps: number;
  /** Per parameter (dotted name): the mean over the steps of ‖∂L/∂θ‖₂, before clipping (0 for a parameter with no gradient). */
  gradNorm: Record<string, number>;
  /** Per parameter: the mean over the steps of ‖θ_after − θ_before‖₂ / ‖θ_before‖₂; steps from θ = 0 are left out (NaN if all were). */
  updateRatio: Record<string, number>;
  /** Per layer with sigmoid outputs: the fraction of its outputs (units × examples, over the steps) below 0.01 or above 0.99. */
  saturated: Record<string, number>;
  /** Per layer with ReLU outputs: the fraction of its units (rows) that were positive for no example of any step. */
  dead: Record<string, number>;
}

/** The sum of squares of t, in float64. */
function sumSquares(t: Tensor): number {
  let s = 0;
  for (let i = 0; i < t.data.length; i++) s += t.data[i] * t.data[i];
  return s;
}

/** ‖a − b‖₂, in float64. */
function distance(a: Tensor, b: Tensor): number {
  let s = 0;
  for (let i = 0; i < a.data.length; i++) s += (a.data[i] - b.data[i]) ** 2;
  return Math.sqrt(s);
}

/** Running sums of one window. */
class Window {
  steps = 0;
  batch = 0;
  readonly grad = new Map<string, number>();
  readonly ratio = new Map<string, { sum: number; n: number }>();
  readonly saturation = new Map<string, { saturated: number; total: number }>();
  readonly alive = new Map<string, Uint8Array>();
}

/**
 * Records gradient norms, update ratios and saturated / dead units while `fit` trains `model`. Pass
 * it as `fit`'s `callbacks`; read `records`, or draw them with `terminal()` and `svg()`.
 *
 * Layers are found on each batch's recorded graph: every `sigmoid` and `relu` op, named by the module
 * of the first parameter found below it (`layers.0` for `layers.0.W`), so a `Dense` and an
 * `Activation` after a linear `Dense` are both covered. PyTorch and Keras have no built-in
 * counterpart (one writes hooks and logs to TensorBoard).
 *
 * @example
 * const diagnostics = new TrainingDiagnostics(model);
 * fit(model, data, { epochs: 20, loss: mse, optimizer: adam(), callbacks: diagnostics });
 * diagnostics.records[0].gradNorm['layers.0.W']; // ‖∂L/∂W[1]‖ in the first epoch
 * console.log(diagnostics.terminal());
 */
export class TrainingDiagnostics implements FitCallbacks {
  readonly model: Module;
  readonly every: 'epoch' | number;
  readonly records: DiagnosticsRecord[] = [];
  #window = new Window();
  #before: OrderedMap<string, Tensor> | null = null;
  #epoch = 0;

  constructor(model: Module, options: DiagnosticsOptions = {}) {
    if (model === null || typeof model !== 'object' || typeof (model as Module).parameters !== 'function') {
      throw new TapegradError('TrainingDiagnostics', `expected a Module, got ${describeValue(model)}`, 'model');
    }
    const every = checkOptions('TrainingDiagnostics', options).every ?? 'epoch';
    if (every !== 'epoch' && !(Number.isInteger(every) && every >= 1)) {
      throw new TapegradError('TrainingDiagnostics', `every must be 'epoch' or a positive integer (batches), got ${describeValue(every)}`, 'every');
    }
    this.model = model;
    this.every = every;
  }

  onAfterBackward(_batch: number, loss: Tensor): void {
    const params = this.model.parameters();
    this.#before = params;
    const w = this.#window;
    for (const [name, p] of params) w.grad.set(name, (w.grad.get(name) ?? 0) + (p.grad === null ? 0 : Math.sqrt(sumSquares(p.grad))));
    const tape = tapeOf(loss).toArray();
    const layerOf = layerNamer(tape, params);
    for (const e of tape) {
      if (e.op === 'sigmoid') {
        const s = getOrSet(w.saturation, layerOf(e), () => ({ saturated: 0, total: 0 }));
        const a = e.output.data;
        for (let i = 0; i < a.length; i++) if (a[i] < SATURATION.low || a[i] > SATURATION.high) s.saturated++;
        s.total += a.length;
      } else if (e.op === 'relu') {
        const A = e.output;
        const units = A.ndim === 0 ? 1 : A.shape[0], m = A.size / units; // units in rows, examples in columns
        const alive = getOrSet(w.alive, layerOf(e), () => new Uint8Array(units));
        for (let u = 0; u < Math.min(units, alive.length); u++) {
          for (let j = u * m; j < (u + 1) * m && alive[u] === 0; j++) if (A.data[j] > 0) alive[u] = 1;
        }
      }
    }
  }

  onBatchEnd(batch: number): void {
    const before = this.#before;
    if (before === null) return;
    this.#before = null;
    const after = this.model.parameters(), w = this.#window;
    for (const [name, p0] of before) {
      const p1 = after.get(name);
      const r = getOrSet(w.ratio, name, () => ({ sum: 0, n: 0 }));
      const size = Math.sqrt(sumSquares(p0));
      if (p1 === undefined || size === 0) continue;
      r.sum += distance(p1, p0) / size;
      r.n++;
    }
    w.steps++;
    w.batch = batch;
    if (this.every !== 'epoch' && w.steps === this.every) this.#flush();
  }

  onEpochEnd(): void {
    if (this.#window.steps > 0) this.#flush();
    this.#epoch++;
  }

  #flush(): void {
    const w = this.#window;
    const per = <V>(m: Map<string, V>, f: (v: V) => number) => Object.fromEntries([...m].map(([k, v]) => [k, f(v)]));
    this.records.push({
      epoch: this.#epoch,
      batch: w.batch,
      steps: w.steps,
      gradNorm: per(w.grad, (s) => s / w.steps),
      updateRatio: per(w.ratio, (r) => (r.n === 0 ? NaN : r.sum / r.n)),
      saturated: per(w.saturation, (s) => s.saturated / s.total),
      dead: per(w.alive, (a) => a.reduce((n, x) => n + 1 - x, 0) / a.length),
    });
    this.#window = new Window();
  }

  /**
   * One curve per parameter (or layer) across the records, ready for `terminalPlot` / `lossCurvesSvg`.
   *
   * @example
   * terminalPlot(diagnostics.series('gradNorm'), { logY: true });
   */
  series(what: 'gradNorm' | 'updateRatio' | 'saturated' | 'dead'): Record<string, number[]> {
    const out: Record<string, number[]> = {};
    this.records.forEach((r, i) => {
      for (const [k, v] of Object.entries(r[what])) (out[k] ??= new Array(i).fill(NaN)).push(v);
      for (const k of Object.keys(out)) if (out[k].length === i) out[k].push(NaN); // absent in this record: a gap
    });
    return out;
  }

  /** What the x axis counts. */
  get xLabel(): string {
    return this.every === 'epoch' ? 'epoch' : `record (every ${this.every} batches)`;
  }

  /** The plots that have something to show: gradient norms and update ratios (log scale), then the layers' unit fractions. */
  #panels(): { title: string; series: Series; logY: boolean; yLabel: string }[] {
    if (this.records.length === 0) throw new TapegradError('TrainingDiagnostics', 'nothing recorded yet: pass it to fit as callbacks first', 'records');
    const panels = [
      { title: 'gradient norm ‖∂L/∂θ‖ per parameter', series: this.series('gradNorm'), logY: true, yLabel: '‖∂L/∂θ‖' },
      { title: 'update / weight ratio ‖Δθ‖/‖θ‖ per step', series: this.series('updateRatio'), logY: true, yLabel: '‖Δθ‖/‖θ‖' },
    ];
    const units: Record<string, number[]> = {};
    for (const [k, v] of Object.entries(this.series('saturated'))) units[`${k} saturated`] = v;
    for (const [k, v] of Object.entries(this.series('dead'))) units[`${k} dead`] = v;
    if (Object.keys(units).length > 0) panels.push({ title: 'saturated σ (<0.01 or >0.99) / dead ReLU units', series: units, logY: false, yLabel: 'fraction' });
    return panels;
  }

  /**
   * The plots as braille text with a heading each, for a terminal.
   *
   * @example
   * console.log(diagnostics.terminal({ color: process.stdout.isTTY }));
   */
  terminal(options: { width?: number; height?: number; color?: boolean } = {}): string {
    const { width = 60, height = 10, color = false } = options;
    return this.#panels()
      .map((p) => `${p.title}${p.logY ? ' (log scale)' : ''}, per ${this.xLabel}\n${terminalPlot(p.series, { width, height, color, logY: p.logY })}`)
      .join('\n\n');
  }

  /**
   * The plots as one SVG document, a panel each side by side.
   *
   * @example
   * writeFileSync('diagnostics.svg', diagnostics.svg());
   */
  svg(panel: { width?: number; height?: number } = {}): string {
    const { width = 560, height = 380 } = panel;
    const panels = this.#panels().map((p, i) =>
      lossCurvesSvg(p.series, { width, height, logY: p.logY, title: p.title, xLabel: this.xLabel, yLabel: p.yLabel })
        .trimEnd()
        .replace(/^<svg /, `<svg x="${i * width}" y="0" `), // a nested <svg> is placed by its x attribute
    );
    const total = width * panels.length;
    return [`<svg xmlns="http://www.w3.org/2000/svg" width="${total}" height="${height}" viewBox="0 0 ${total} ${height}">`, ...panels, '</svg>', ''].join('\n');
  }
}

function getOrSet<K, V>(m: Map<K, V>, k: K, make: () => V): V {
  let v = m.get(k);
  if (v === undefined) m.set(k, (v = make()));
  return v;
}

/**
 * Names an activation op by the module of the first parameter found below it, breadth first (`layers.0`
 * for `layers.0.W`); failing that by its output's name, or its op and its rank among ops of its kind.
 */
function layerNamer(tape: readonly TapeEntry[], params: OrderedMap<string, Tensor>): (e: TapeEntry) => string {
  const byOutput = new Map(tape.map((e) => [e.output, e]));
  const paramName = new Map([...params].map(([name, p]) => [p, name]));
  const rank = new Map<TapeEntry, number>();
  const seen = new Map<string, number>();
  for (const e of tape) rank.set(e, (seen.set(e.op, (seen.get(e.op) ?? 0) + 1), seen.get(e.op)!));
  return (e) => {
    const queue = [...e.inputs];
    for (let i = 0; i < queue.length && i < 64; i++) {
      const name = paramName.get(queue[i]);
      if (name !== undefined) return name.includes('.') ? name.slice(0, name.lastIndexOf('.')) : '(model)';
      const producer = byOutput.get(queue[i]);
      if (producer !== undefined) queue.push(...producer.inputs);
    }
    return e.output.name ?? `${e.op} ${rank.get(e)}`;
  };
}
