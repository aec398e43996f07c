import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { explain, toDot } from '@tapegrad/core';
import type { Module, TrainingDiagnostics } from '@tapegrad/nn';
import { writeFileAtomic } from '@tapegrad/nn/node';
import type { Task } from './tasks.js';

/**
 * `--explain` and `--diagnostics`: the trained network's chain rule for its first layer's weights with
 * the graph it comes from (DOT, and SVG when Graphviz is installed), and the per-epoch gradient norms,
 * update ratios and saturated units that `TrainingDiagnostics` recorded during training.
 */

const write = (path: string, text: string) => writeFileAtomic(path, new TextEncoder().encode(text));

export interface Explained {
  task: Task;
  /** What `explain` printed: ∂L/∂layers.0.W as the chain-rule product, with the gradient norms. */
  text: string;
  dotPath: string;
  /** The SVG drawn by `dot`, or null when it could not be drawn (`note` says why). */
  svgPath: string | null;
  note: string | null;
}

/** Draws a DOT file as SVG with Graphviz; null when done, else why not. */
export function drawDot(dotPath: string, svgPath: string, command = 'dot'): string | null {
  const run = spawnSync(command, ['-Tsvg', '-o', svgPath, dotPath], { encoding: 'utf8' });
  if ((run.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') return `'${command}' is not on PATH: install Graphviz (Debian: apt-get install graphviz) to draw it`;
  if (run.error !== undefined) return `'${command}' failed: ${run.error.message}`;
  if (run.status !== 0) return `'${command}' exited with ${run.status}: ${run.stderr.trim()}`;
  return null;
}

/**
 * The training loss of the trained `model` (recorded, on the whole training set), explained for its
 * first layer's weights, and its graph written to `dir` as `tapegrad-demo-graph-<task>.dot` (and `.svg`).
 */
export function explainFirstLayer(task: Task, model: Module, dir: string, dotCommand = 'dot'): Explained {
  const L = task.loss(model.forward(task.train.x), task.train.y).named('L');
  const W = model.parameters().first()!;
  const text = explain(L, W, { params: model, maxPaths: 1 }); // binary cross-entropy uses A[L] on 6 paths that read alike
  const dotPath = join(dir, `tapegrad-demo-graph-${task.name}.dot`);
  write(dotPath, toDot(L, { params: model }));
  const svgPath = dotPath.replace(/\.dot$/, '.svg');
  const note = drawDot(dotPath, svgPath, dotCommand);
  return { task, text, dotPath, svgPath: note === null ? svgPath : null, note };
}

/** Where the diagnostics of a task's run are drawn. */
export const diagnosticsPath = (dir: string, task: Task) => join(dir, `tapegrad-demo-diagnostics-${task.name}.svg`);

/** Writes the diagnostics' SVG and returns the terminal plots. */
export function drawDiagnostics(diagnostics: TrainingDiagnostics, path: string, options: { color?: boolean; columns?: number }): string {
  write(path, diagnostics.svg());
  const width = Math.max(20, Math.min(72, (options.columns ?? 80) - 30)); // room for the curves' names after the rows
  return diagnostics.terminal({ width, height: 8, color: options.color ?? false });
}
