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
  /** The terminal width; lines are cut to fit so a redraw never wraps. */
  columns?: number;
}

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

  /** The line for `current` steps done: the bar on a terminal, without it in plain mode. */
  render(current: number, values: Readonly<Record<string, number | undefined>> = {}): string {
    const parts: string[] = [];
    if (this.label) parts.push(this.label);
    const count = `${current}/${this.total}`;
    if (this.tty) {
      const filled = this.total === 0 ? this.width : Math.min(this.width, Math.floor((this.width * current) / this.total));
      const head = filled < this.width ? '>' : '';
      parts.push(`[${'='.repeat(filled)}${head}${' '.repeat(this.width - filled - head.length)}] ${count}`);
    } else {
      parts.push(count);
    }
    for (const [k, v] of Object.entries(values)) if (v !== undefined) parts.push(`${k} ${formatValue(v)}`);
    parts.push(formatSeconds(this.#now() - this.#start));
    const line = parts.join('  ');
    const max = this.tty && this.stream.columns ? this.stream.columns - 1 : Infinity;
    return line.length > max ? line.slice(0, max) : line;
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
    const line = this.render(this.#current, values);
    this.stream.write(this.tty ? `\r${line}\x1b[K\n` : `${line}\n`);
  }
}
