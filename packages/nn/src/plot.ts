import { TapegradError } from '@tapegrad/core';

/**
 * Loss curves where a person can see them: an SVG document (open it in a browser) and a line plot in
 * the terminal drawn with braille characters (each character cell holds a 2 × 4 grid of dots). Both are
 * pure functions from numbers to a string; writing the string somewhere is the caller's business.
 *
 * Series are indexed by epoch: value i of a series is drawn at x = i + 1. Values that are not finite
 * (and values ≤ 0 on a log scale) leave a gap in their curve.
 */

/** Named curves, e.g. a `fit` history: `{ loss: [...], valLoss: [...] }`. Undefined entries are skipped. */
export type Series = Readonly<Record<string, readonly number[] | undefined>>;

/**
 * Options both plots take (`lossCurvesSvg`, `terminalPlot`).
 *
 * @example
 * const svg = lossCurvesSvg({ loss: [1, 0.1, 0.01] }, { logY: true }); // three decades, evenly spaced
 */
export interface PlotOptions {
  /** Plot log₁₀ of the values (loss curves often span decades). Default false. */
  logY?: boolean;
}

/**
 * Options of `lossCurvesSvg`: the image size, a title and axis titles.
 *
 * @example
 * const svg = lossCurvesSvg({ loss: [0.9, 0.5, 0.3], valLoss: [1, 0.6, 0.5] }, { width: 480, height: 300, title: 'digits', xLabel: 'epoch', yLabel: 'cross-entropy' });
 * svg.startsWith('<svg'); // true
 */
export interface SvgPlotOptions extends PlotOptions {
  /** Image size in pixels (default 640 × 400). */
  width?: number;
  /** Image height in pixels (default 400). */
  height?: number;
  /** Drawn above the plot (default none). */
  title?: string;
  /** Axis titles (default 'epoch' and 'loss'). */
  xLabel?: string;
  /** The y axis title (default 'loss'). */
  yLabel?: string;
}

/**
 * Options of `terminalPlot`: the plot area in character cells and whether to color the curves.
 *
 * @example
 * const plot = terminalPlot({ loss: [1, 0.5, 0.25, 0.2] }, { width: 40, height: 8, color: false, logY: false });
 * plot.split('\n').length; // 11  (8 rows, the x axis, its labels and the legend)
 */
export interface TerminalPlotOptions extends PlotOptions {
  /** Plot area in character cells (default 60 × 12), not counting the axes and labels. */
  width?: number;
  /** Plot area height in character rows (default 12). */
  height?: number;
  /** Color each series with ANSI escapes (default false: a plain string). */
  color?: boolean;
}

/** Line colors, in order (the Tableau 10 palette; ANSI approximations below). */
const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b'];
const ANSI = ['\x1b[34m', '\x1b[33m', '\x1b[32m', '\x1b[31m', '\x1b[35m', '\x1b[36m'];
const RESET = '\x1b[0m';

interface Prepared {
  names: string[];
  /** Values on the plotted scale (log₁₀ with logY); NaN marks a gap. */
  values: number[][];
  /** The longest series' length: x runs over 1..n. */
  n: number;
  lo: number;
  hi: number;
}

function prepare(op: string, series: Series, logY: boolean): Prepared {
  const entries = Object.entries(series).filter((e): e is [string, readonly number[]] => e[1] !== undefined);
  if (entries.length === 0) throw new TapegradError(op, 'no series to plot', 'series');
  const values = entries.map(([name, ys]) => {
    if (!Array.isArray(ys) && !ArrayBuffer.isView(ys)) throw new TapegradError(op, `series '${name}' must be an array of numbers`, 'series');
    return Array.from(ys, (v) => (logY ? (v > 0 ? Math.log10(v) : NaN) : Number.isFinite(v) ? v : NaN));
  });
  const finite = values.flat().filter(Number.isFinite);
  let lo = finite.length > 0 ? Math.min(...finite) : 0;
  let hi = finite.length > 0 ? Math.max(...finite) : 1;
  if (lo === hi) {
    lo -= 1; // a flat curve sits in the middle of a unit-wide band
    hi += 1;
  }
  return { names: entries.map(([name]) => name), values, n: Math.max(...values.map((v) => v.length)), lo, hi };
}

/**
 * "Nice" tick values covering [lo, hi] with a step of 1, 2 or 5 × 10^k, about `count` of them.
 *
 * @example
 * niceTicks(0.13, 0.92); // [0, 0.2, 0.4, 0.6, 0.8, 1]
 */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo) || !Number.isFinite(lo) || !Number.isFinite(hi)) throw new TapegradError('niceTicks', `expected finite lo < hi, got [${lo}, ${hi}]`, 'lo/hi');
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  const step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
  const ticks: number[] = [];
  const first = Math.floor(lo / step + 1e-9), last = Math.ceil(hi / step - 1e-9);
  for (let k = first; k <= last; k++) ticks.push(Number((k * step).toPrecision(12)));
  return ticks;
}

const fmtNumber = (v: number): string => String(Number(v.toPrecision(6)));
/** A short label: 3 significant digits, plain between 1e-4 and 1e6 (0.00386, 2.03, 100), else 1e-5, 2.5e7. */
function fmtShort(v: number): string {
  const r = Number(v.toPrecision(3)); // rounded first: 10 ** −4 is 0.00009999999999999999
  const a = Math.abs(r);
  return a === 0 || (a >= 1e-4 && a < 1e6) ? String(r) : r.toExponential().replace('e+', 'e');
}
/** A value on the plotted scale (log₁₀ of it with logY) as a label. */
const fmtTick = (v: number, logY: boolean): string => (logY ? fmtShort(10 ** v) : fmtNumber(v));

/**
 * Ticks of a log axis, as log₁₀ values, for data spanning log₁₀ values [lo, hi]: the axis runs from the
 * nearest 1-2-5 value below the data to the nearest one above, with ticks at those two ends and at every
 * decade between them (1, 2 and 5 × 10^k when the data spans under 2.5 decades). Under half a decade a
 * log axis looks linear, so the ticks are `niceTicks` of the values themselves.
 */
function logTicks(lo: number, hi: number): { ticks: number[]; lo: number; hi: number } {
  const span = hi - lo;
  if (span < 0.5) {
    const ticks = niceTicks(10 ** lo, 10 ** hi).filter((t) => t > 0).map(Math.log10);
    return { ticks, lo: Math.min(lo, ticks[0] ?? lo), hi: Math.max(hi, ticks[ticks.length - 1] ?? hi) };
  }
  const lattice = (mantissas: readonly number[]) => {
    const out: number[] = [];
    for (let k = Math.floor(lo) - 1; k <= Math.ceil(hi); k++) for (const m of mantissas) out.push(k + Math.log10(m));
    return out;
  };
  const tiny = 1e-9; // a value exactly on the lattice is its own end
  const ends = lattice([1, 2, 5]);
  const first = ends.filter((t) => t <= lo + tiny).at(-1)!, last = ends.find((t) => t >= hi - tiny)!;
  const step = Math.max(1, Math.ceil(span / 6)); // at most about six decades labelled
  const inner = span < 2.5 ? lattice([1, 2, 5]) : lattice([1]).filter((k) => Math.round(k) % step === 0);
  const ticks = [first, ...inner.filter((t) => t > first + tiny && t < last - tiny), last];
  return { ticks, lo: first, hi: last };
}
const escapeXml = (s: string): string =>
  s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] as string);
const px = (v: number): string => String(Math.round(v * 100) / 100);

/** Runs of consecutive finite values: [[i, v], ...] per run. */
function segments(ys: readonly number[]): [number, number][][] {
  const runs: [number, number][][] = [];
  let run: [number, number][] = [];
  ys.forEach((v, i) => {
    if (Number.isFinite(v)) run.push([i, v]);
    else if (run.length > 0) (runs.push(run), (run = []));
  });
  if (run.length > 0) runs.push(run);
  return runs;
}

/**
 * An SVG document with one polyline per series, axes with "nice" ticks, grid lines and a legend.
 *
 * @example
 * const svg = lossCurvesSvg({ loss: history.loss, valLoss: history.valLoss }, { title: 'digits' });
 * writeFileSync('loss.svg', svg);
 */
export function lossCurvesSvg(series: Series, options: SvgPlotOptions = {}): string {
  const { width = 640, height = 400, title, xLabel = 'epoch', yLabel = 'loss', logY = false } = options;
  const { names, values, n, lo: dataLo, hi: dataHi } = prepare('lossCurvesSvg', series, logY);
  let yTicks: number[], lo: number, hi: number;
  if (logY) ({ ticks: yTicks, lo, hi } = logTicks(dataLo, dataHi));
  else {
    yTicks = niceTicks(dataLo, dataHi);
    lo = Math.min(dataLo, yTicks[0]);
    hi = Math.max(dataHi, yTicks[yTicks.length - 1]);
  }
  const xTicks = n > 1 ? niceTicks(1, n).filter((t) => Number.isInteger(t) && t >= 1 && t <= n) : [1];
  // room on the left for the widest tick label (about 7 px a character) and the rotated axis title
  const labelChars = Math.max(...yTicks.map((t) => fmtTick(t, logY).length));
  const m = { top: title ? 36 : 16, right: 120, bottom: 44, left: Math.max(64, 34 + 7 * labelChars) };
  const pw = width - m.left - m.right, ph = height - m.top - m.bottom;
  if (pw <= 0 || ph <= 0) throw new TapegradError('lossCurvesSvg', `a ${width} × ${height} image leaves no room for the plot`, 'width/height');
  const X = (i: number) => m.left + (n > 1 ? (i / (n - 1)) * pw : pw / 2); // i is the 0-based index: epoch i + 1
  const Y = (v: number) => m.top + ((hi - v) / (hi - lo)) * ph;

  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
  ];
  if (title) out.push(`<text x="${px(m.left + pw / 2)}" y="22" text-anchor="middle" font-size="15">${escapeXml(title)}</text>`);
  for (const t of yTicks) {
    const y = px(Y(t));
    out.push(`<line x1="${m.left}" y1="${y}" x2="${m.left + pw}" y2="${y}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${m.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${fmtTick(t, logY)}</text>`);
  }
  for (const t of xTicks) {
    out.push(`<text x="${px(X(t - 1))}" y="${m.top + ph + 16}" text-anchor="middle">${t}</text>`);
  }
  out.push(`<path d="M${m.left},${m.top}V${m.top + ph}H${m.left + pw}" fill="none" stroke="black"/>`);
  out.push(`<text x="${px(m.left + pw / 2)}" y="${height - 8}" text-anchor="middle">${escapeXml(xLabel)}</text>`);
  out.push(`<text transform="translate(14 ${px(m.top + ph / 2)}) rotate(-90)" text-anchor="middle">${escapeXml(yLabel + (logY ? ' (log scale)' : ''))}</text>`);
  values.forEach((ys, s) => {
    const color = PALETTE[s % PALETTE.length];
    for (const run of segments(ys)) {
      if (run.length === 1) out.push(`<circle cx="${px(X(run[0][0]))}" cy="${px(Y(run[0][1]))}" r="2" fill="${color}"/>`);
      else out.push(`<polyline points="${run.map(([i, v]) => `${px(X(i))},${px(Y(v))}`).join(' ')}" fill="none" stroke="${color}" stroke-width="2"/>`);
    }
    const ly = m.top + 10 + 18 * s;
    out.push(`<line x1="${width - m.right + 12}" y1="${ly}" x2="${width - m.right + 32}" y2="${ly}" stroke="${color}" stroke-width="2"/>`);
    out.push(`<text x="${width - m.right + 38}" y="${ly}" dominant-baseline="middle">${escapeXml(names[s])}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/** Braille dot bits by [column][row] within a cell (Unicode's numbering of the 8 dots). */
const BRAILLE_BITS = [
  [0x01, 0x02, 0x04, 0x40],
  [0x08, 0x10, 0x20, 0x80],
];

/**
 * A line plot in braille characters, with the y range on the left and the epochs below. Without
 * color, when there are several series, each one's name follows the row its curve ends on (`← test`).
 *
 * ```text
 * 4 ┤⠑⢄
 *   │  ⠑⢄
 * 0 ┤    ⠑⢄
 *   └──────
 *    1    4
 *    ⣿ loss
 * ```
 *
 * @example
 * console.log(terminalPlot({ loss: history.loss, valLoss: history.valLoss }, { color: process.stdout.isTTY }));
 */
export function terminalPlot(series: Series, options: TerminalPlotOptions = {}): string {
  const { width = 60, height = 12, color = false, logY = false } = options;
  if (!Number.isInteger(width) || width < 1 || !Number.isInteger(height) || height < 1) {
    throw new TapegradError('terminalPlot', `width and height must be positive integers, got ${width} × ${height}`, 'width/height');
  }
  const { names, values, n, lo, hi } = prepare('terminalPlot', series, logY);
  const cols = 2 * width, rows = 4 * height;
  // owner[r][c]: the series that drew dot (c, r) last, or −1
  const owner = Array.from({ length: rows }, () => new Int32Array(cols).fill(-1));
  const dotX = (i: number) => (n > 1 ? Math.round((i * (cols - 1)) / (n - 1)) : Math.floor((cols - 1) / 2));
  const dotY = (v: number) => Math.round(((hi - v) / (hi - lo)) * (rows - 1));
  values.forEach((ys, s) => {
    for (const run of segments(ys)) {
      let prev: [number, number] | null = null;
      for (const [i, v] of run) {
        const p: [number, number] = [dotX(i), dotY(v)];
        if (prev === null) owner[p[1]][p[0]] = s;
        else for (const [c, r] of bresenham(prev, p)) owner[r][c] = s;
        prev = p;
      }
    }
  });

  const label = (v: number) => (logY ? fmtShort(10 ** v) : fmtNumber(v));
  const labels = new Map([[height - 1, label(lo)]]);
  labels.set(0, label(hi)); // with a single row, the top value wins
  if (height > 2) labels.set(Math.floor((height - 1) / 2), label(hi - ((hi - lo) * (4 * Math.floor((height - 1) / 2) + 1.5)) / (rows - 1)));
  // Without color, braille curves look alike: each series' name is written after the row its curve ends on.
  const ends = new Map<number, string[]>();
  if (!color && values.length > 1) {
    values.forEach((ys, s) => {
      const lastRun = segments(ys).at(-1);
      if (lastRun) {
        const row = Math.floor(dotY(lastRun[lastRun.length - 1][1]) / 4);
        ends.set(row, [...(ends.get(row) ?? []), names[s]]);
      }
    });
  }
  const labelWidth = Math.max(...[...labels.values()].map((l) => l.length));
  const paint = (s: number, text: string) => (color && s >= 0 ? `${ANSI[s % ANSI.length]}${text}${RESET}` : text);
  const lines: string[] = [];
  for (let row = 0; row < height; row++) {
    let cells = '';
    for (let cx = 0; cx < width; cx++) {
      let bits = 0, who = -1;
      for (let dc = 0; dc < 2; dc++) {
        for (let dr = 0; dr < 4; dr++) {
          const s = owner[4 * row + dr][2 * cx + dc];
          if (s >= 0) (bits |= BRAILLE_BITS[dc][dr]), (who = Math.max(who, s)); // the series drawn last is on top
        }
      }
      cells += bits === 0 ? ' ' : paint(who, String.fromCharCode(0x2800 + bits));
    }
    const text = labels.get(row);
    const end = ends.has(row) ? ` ← ${ends.get(row)!.join(', ')}` : '';
    lines.push(`${(text ?? '').padStart(labelWidth)} ${text !== undefined ? '┤' : '│'}${cells}${end}`.trimEnd());
  }
  const pad = ' '.repeat(labelWidth + 1);
  lines.push(`${pad}└${'─'.repeat(width)}`);
  const last = String(n);
  lines.push(`${pad} 1${n > 1 ? last.padStart(width - 1) : ''}`);
  lines.push(`${pad} ${names.map((name, s) => `${paint(s, '⣿')} ${name}`).join('  ')}`);
  return lines.join('\n');
}

/** The dots of a straight line from a to b, both ends included (Bresenham's algorithm). */
function bresenham([x0, y0]: [number, number], [x1, y1]: [number, number]): [number, number][] {
  const dots: [number, number][] = [];
  const dx = Math.abs(x1 - x0), dy = -Math.abs(y1 - y0);
  const sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
  let err = dx + dy, x = x0, y = y0;
  for (;;) {
    dots.push([x, y]);
    if (x === x1 && y === y1) return dots;
    const e2 = 2 * err;
    if (e2 >= dy) (err += dy), (x += sx);
    if (e2 <= dx) (err += dx), (y += sy);
  }
}
