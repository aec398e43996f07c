import { lossCurvesSvg, terminalPlot, type History } from '@tapegrad/nn';

/** The loss curves of the demo's runs: one SVG panel per data set, side by side, and terminal plots. */

export interface Curves {
  title: string;
  lossName: string;
  history: History;
}

const PANEL = { width: 560, height: 380 };

/** Train and test loss per epoch; the test curve is absent when there was no validation. */
const series = (h: History) => ({ train: h.loss, test: h.valLoss });

/**
 * One SVG document with a panel per run (each a `lossCurvesSvg` chart, log-scaled loss: the curves fall
 * by decades, and the gap between train and test only shows on a log scale).
 */
export function lossFigureSvg(runs: readonly Curves[]): string {
  const panels = runs.map((r, i) =>
    lossCurvesSvg(series(r.history), { ...PANEL, logY: true, title: `${r.title}: loss per epoch`, yLabel: r.lossName })
      .trimEnd()
      // a nested <svg> is placed by its x attribute: panel i starts at i × the panel width
      .replace(/^<svg /, `<svg x="${i * PANEL.width}" y="0" `),
  );
  const width = PANEL.width * runs.length, height = PANEL.height;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    ...panels,
    '</svg>',
    '',
  ].join('\n');
}

/** A braille plot of one run's train and test loss (log scale), sized to fit `columns` characters. */
export function terminalLossPlot(run: Curves, options: { color?: boolean; columns?: number } = {}): string {
  const width = Math.max(20, Math.min(72, (options.columns ?? 80) - 16));
  return terminalPlot(series(run.history), { logY: true, width, height: 10, color: options.color ?? false });
}
