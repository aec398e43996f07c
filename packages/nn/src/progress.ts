import { TapegradError } from '@tapegrad/core';

/**
 * A training progress bar. On a terminal it redraws one line in place (carriage return, then "erase to
 * end of line"), so an epoch shows as a moving bar; anywhere else (a file, a CI log, a pipe) it prints
 * one plain line when the epoch finishes, because a log full of carriage returns is unreadable.
 */

/** Where progress is written: `process.stdout` by default; anything with `write` works (tests pass a fake). */
export interface ProgressStream {
  write(chunk: string): unknown;
  /** True on a terminal (Node sets it on `process.stdout`). */
  isTTY?: boolean;
  /** The terminal width: lines fit it (the bar shrinks first; a redraw is cut, never wrapped; the final line wraps). */
  columns?: number;
}

/**
 * Options of a `ProgressBar`: how many steps fill it, its label, where and how it draws.
 *
 * @example
 * const lines: string[] = [];
 * const bar = new ProgressBar({ total: 2, label: 'epoch 1/1', stream: { write: (s) => lines.push(s) }, tty: false, width: 10, minIntervalMs: 0, now: () => 0 });
 * bar.update(2);
 * bar.finish({ loss: 0.25 });
 * lines; // ['epoch 1/1  2/2  loss 0.2500  0ms\n']  (tty: false, so one plain line and no bar)
 */
export interface ProgressBarOptions {
  /** The number of steps (batches) that make the bar full. */
  total: number;
  /** Shown before the bar, e.g. `epoch 3/100`. */
  label?: string;
  /** Default `process.stdout`. */
  stream?: ProgressStream;
  /** Force terminal or plain mode instead of reading `stream.isTTY`. */
  tty?: boolean;
  /** Width of the bar in characters (default 24). */
  width?: number;
  /** Milliseconds between redraws on a terminal (default 50; the final draw always happens). */
  minIntervalMs?: number;
  /** The clock, in milliseconds (default `performance.now`); injectable for tests. */
  now?: () => number;
}

/** `process.stdout` under Node; a console-backed plain stream elsewhere (browsers, workers). */
export function defaultStream(): ProgressStream {
  const proc = (globalThis as { process?: { stdout?: ProgressStream } }).process;
  if (proc?.stdout) return proc.stdout;
  return { write: (s: string) => console.log(s.replace(/\n$/, '')), isTTY: false };
}

/**
 * A metric value with four decimals, or in exponent form when it is very large or very small.
 *
 * @example
 * formatValue(0.123456); // '0.1235'
 * formatValue(2e-6);     // '2.000e-6'
 */
export function formatValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(3) : v.toFixed(4);
}

/** A bar narrower than this says nothing the count does not: it is dropped instead. */
const MIN_BAR = 5;

/** `parts` joined by two spaces into lines of at most `max` characters, continuation lines indented. */
function wrap(parts: readonly string[], max: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const part of parts) {
    const next = line === '' ? part : `${line}  ${part}`;
    if (next.length <= max || line === '') line = next;
    else (lines.push(line), (line = `  ${part}`));
  }
  lines.push(line);
  return lines;
}

const formatSeconds = (ms: number): string => (ms < 1000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(1)}s`);

/**
 * A progress bar over `total` steps.
 *
 * @example
 * const bar = new ProgressBar({ total: 23, label: 'epoch 1/10' });
 * for (let i = 1; i <= 23; i++) bar.update(i, { loss: 0.5 });
 * bar.finish({ loss: 0.41, accuracy: 0.93 });
 * // terminal: epoch 1/10 [========================] 23/23  loss 0.4100  accuracy 0.9300  1.2s
 */
export class ProgressBar {
  readonly total: number;
  readonly label: string;
  readonly stream: ProgressStream;
  readonly tty: boolean;
  readonly width: number;
  readonly #minInterval: number;
  readonly #now: () => number;
  readonly #start: number;
  #lastDraw = -Infinity;
  #current = 0;
  #finished = false;

  constructor(options: ProgressBarOptions) {
    const { total, label = '', stream = defaultStream(), width = 24, minIntervalMs = 50, now = () => performance.now() } = options;
    if (!Number.isInteger(total) || total < 0) throw new TapegradError('ProgressBar', `total must be an integer ≥ 0, got ${total}`, 'total');
    if (!Number.isInteger(width) || width < 1) throw new TapegradError('ProgressBar', `width must be a positive integer, got ${width}`, 'width');
    this.total = total;
    this.label = label;
    this.stream = stream;
    this.tty = options.tty ?? stream.isTTY === true;
    this.width = width;
    this.#minInterval = minIntervalMs;
    this.#now = now;
    this.#start = now();
  }

  /**
   * The line for `current` steps done: the bar on a terminal, without it in plain mode. On a terminal
   * the line fits its width (`stream.columns`): the bar is shortened, or dropped, before any figure
   * is; a redraw that still does not fit is cut (so it never wraps), and the final line (`final`)
   * is wrapped onto more lines instead, so that every figure shows.
   */
  render(current: number, values: Readonly<Record<string, number | undefined>> = {}, final = false): string {
    const label = this.label ? [this.label] : [];
    const count = `${current}/${this.total}`;
    const figures: string[] = [];
    for (const [k, v] of Object.entries(values)) if (v !== undefined) figures.push(`${k} ${formatValue(v)}`);
    figures.push(formatSeconds(this.#now() - this.#start));
    if (!this.tty) return [...label, count, ...figures].join('  ');
    const max = this.stream.columns ? this.stream.columns - 1 : Infinity;
    // the bar takes its width plus '[', ']' and a space; it gets what the rest leaves, up to `width`
    const room = max - [...label, count, ...figures].join('  ').length - 3;
    const width = Math.min(this.width, room);
    const bar = width >= MIN_BAR ? `${this.#bar(current, width)} ` : '';
    const parts = [...label, `${bar}${count}`, ...figures];
    const line = parts.join('  ');
    if (line.length <= max) return line;
    return final ? wrap(parts, max).join('\n') : line.slice(0, max);
  }

  /** `[====>   ]`, `width` characters between the brackets. */
  #bar(current: number, width: number): string {
    const filled = this.total === 0 ? width : Math.min(width, Math.floor((width * current) / this.total));
    const head = filled < width ? '>' : '';
    return `[${'='.repeat(filled)}${head}${' '.repeat(width - filled - head.length)}]`;
  }

  /** Sets the number of steps done; redraws on a terminal (at most every `minIntervalMs`), silent otherwise. */
  update(current: number, values: Readonly<Record<string, number | undefined>> = {}): void {
    this.#current = current;
    if (!this.tty || this.#finished) return;
    const t = this.#now();
    if (current < this.total && t - this.#lastDraw < this.#minInterval) return;
    this.#lastDraw = t;
    this.stream.write(`\r${this.render(current, values)}\x1b[K`);
  }

  /** Draws the final line and ends it with a newline (plain mode prints its only line here). */
  finish(values: Readonly<Record<string, number | undefined>> = {}): void {
    if (this.#finished) return;
    this.#finished = true;
    const line = this.render(this.#current, values, true);
    this.stream.write(this.tty ? `\r${line.replaceAll('\n', '\x1b[K\n')}\x1b[K\n` : `${line}\n`);
  }
}
