import { Generator, astype, gradcheck, slice, type DType, type GradcheckReport, type Tensor } from '@tapegrad/core';
import { functionalCall, type Module } from '@tapegrad/nn';
import type { Task } from './tasks.js';

/**
 * The demo's gradient check: the loss of a trained network on a few examples, as a function of all its
 * parameters, in float64, differentiated by the tape and by central differences (`gradcheck` of
 * @tapegrad/core compares the two element by element).
 */

export interface GradientCheck {
  task: Task;
  /** What the report calls the model: 'network' (the mlp) or 'cnn'. */
  network: string;
  report: GradcheckReport;
  /** The parameters in the order gradcheck saw them (its `worst.input` indexes this). */
  names: string[];
  shapes: number[][];
  numParameters: number;
  examples: number;
  seconds: number;
}

/** The first `k` examples (columns) of x or y. */
const firstColumns = (t: Tensor, k: number): Tensor =>
  slice(t, new Array(t.ndim).fill(0), [...new Array(t.ndim - 1).fill(null), Math.min(k, t.shape[t.ndim - 1])]);

/** Makes a fresh model of the trained one's architecture (its parameters are then replaced). */
export type Rebuild = (options: { dtype?: DType; generator?: Generator }) => Module;

/**
 * Checks the full Jacobian (here a gradient: the loss is a scalar) of `task.loss` with respect to every
 * parameter of a float64 copy of `model` (made by `rebuild`), on the first `examples` test examples.
 * With `fast`, one random directional derivative vᵀJu instead (PyTorch's fast mode): two evaluations
 * of the loss instead of two per parameter, and the full check only if that fails.
 */
export function checkGradients(task: Task, model: Module, rebuild: Rebuild, options: { network?: string; examples?: number; fast?: boolean } = {}): GradientCheck {
  const { network = 'network', examples = 16, fast = false } = options;
  const model64 = rebuild({ dtype: 'float64', generator: new Generator(0) });
  model64.setParameters(model.parameters()); // cast to float64: the trained values, exactly
  const params = model64.parameters();
  const names = params.keySeq().toArray();
  const x = astype(firstColumns(task.test.x, examples), 'float64');
  const y = astype(firstColumns(task.test.y, examples), 'float64');
  const loss = (...ps: Tensor[]) => task.loss(functionalCall(model64, names.map((n, i) => [n, ps[i]] as const), x), y);
  const start = performance.now();
  const report = gradcheck(loss, params.valueSeq().toArray(), { fast });
  return {
    task,
    network,
    report,
    names,
    shapes: params.valueSeq().map((p) => [...p.shape]).toArray(),
    numParameters: model64.numParameters(),
    examples: x.shape[1],
    seconds: (performance.now() - start) / 1000,
  };
}

/** Row-major flat index → [i, j, …] in `shape`. */
function unravel(flat: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = flat % shape[d];
    flat = Math.floor(flat / shape[d]);
  }
  return idx;
}

/**
 * The report as a small table: what was checked, then the report's own lines (`GradcheckReport.format`,
 * which says what each figure measures), the worst element named by its parameter:
 *
 * ```text
 * gradcheck: digits network in float64, all 2410 parameters, loss on 16 test examples
 *   method       full gradient from the tape vs central differences, 1.20 s
 *   parameters   layers.0.W [32, 64], …
 *   ok           true   (all 2410 elements within |analytical − numerical| ≤ atol + rtol·|numerical| = …)
 *   worstRatio   4.79e-1   (largest |analytical − numerical| / (atol + rtol·|numerical|) …; ok needs ≤ 1)
 *   maxAbsError  3.12e-10
 *   …
 * ```
 */
export function formatGradientCheck(c: GradientCheck): string {
  const { report } = c;
  const params = c.names.map((n, i) => `${n} [${c.shapes[i].join(', ')}]`).join(', ');
  // fast mode compares one number, vᵀJu, which its report files as element [0, 0] of input 0
  const where = (w: { input: number; index: [number, number] }) =>
    report.mode === 'fast' ? 'vᵀJu' : `∂loss/∂${c.names[w.input]}[${unravel(w.index[1], c.shapes[w.input]).join(', ')}]`;
  const lines = [
    `gradcheck: ${c.task.title} ${c.network} in float64, all ${c.numParameters} parameters, loss on ${c.examples} test examples`,
    `  method       ${report.mode === 'full' ? 'full gradient from the tape' : 'vᵀJu for random u, v (fast mode)'} vs central differences, ${c.seconds.toFixed(2)} s`,
    `  parameters   ${params}`,
    ...report.format(where).split('\n').map((line) => `  ${line}`),
  ];
  return lines.join('\n');
}
