import { disagreement, referenceFor, type Reference } from './check.js';
import type { CaseResult, ChildResult, ConvSizes, LibId, RunConfig } from './protocol.js';

/** A column's outcome: its child's result, or why the child produced none. */
export type Column = { lib: LibId; result: ChildResult } | { lib: LibId; failed: string };

/**
 * One column from several rounds of the same library: each case from the round with the lowest median
 * time, except that a case any round got wrong (an error, or values that disagree with the reference)
 * is the one kept, so no failure is hidden by another round's success.
 */
export function bestOf(rounds: Column[], refs: Map<string, Reference>): Column {
  const ok = rounds.filter((c): c is Extract<Column, { result: ChildResult }> => 'result' in c);
  if (ok.length === 0) return rounds[0];
  const cases = ok[0].result.cases.map((c) => {
    const all = ok.map((r) => r.result.cases.find((x) => x.key === c.key)).filter((x): x is CaseResult => x !== undefined);
    const wrong = all.find((x) => x.error !== undefined || disagreement(x, referenceFor(refs, x.key)) !== null);
    if (wrong) return wrong;
    const timed = all.filter((x) => x.time !== undefined);
    return timed.length ? timed.reduce((a, b) => (b.time!.median < a.time!.median ? b : a)) : c;
  });
  return { lib: ok[0].lib, result: { ...ok[0].result, cases } };
}

interface Metric {
  label: string;
  unit: string;
  /** The figure from seconds per call (and the case, for W4's extras). */
  value: (c: CaseResult) => number | undefined;
  higherIsBetter: boolean;
}

/** What the table's labels need to know of the run. */
export interface ReportOptions {
  m: number;
  chainOps: number;
  conv: ConvSizes;
  memSteps: number;
}

export const reportOptions = (cfg: Omit<RunConfig, 'lib'>): ReportOptions => ({ m: cfg.mlp.m, chainOps: cfg.chainOps, conv: cfg.conv, memSteps: cfg.memSteps });

const threadsOf = (t: string | undefined): string => (t ? `, tapegrad ${t} thread${t === '1' ? '' : 's'}` : '');
const ms = (c: CaseResult): number | undefined => c.time && c.time.median * 1e3;

/** Rows of the table for a case key; one key can give several rows (W2: ms/step and samples/s). */
function metrics(key: string, opts: ReportOptions): Metric[] {
  const w1 = /^W1 n=(\d+) (float\d+)( threads=(\d+))?$/.exec(key);
  if (w1) {
    const n = Number(w1[1]);
    const label = `W1 matmul n=${n} ${w1[2]}${threadsOf(w1[4])}`;
    return [{ label, unit: 'GFLOP/s', value: (c) => c.time && (2 * n ** 3) / c.time.median / 1e9, higherIsBetter: true }];
  }
  const w2 = /^W2( threads=(\d+))?$/.exec(key);
  if (w2) {
    const label = `W2 training step${threadsOf(w2[2])}`;
    return [
      { label, unit: 'ms/step', value: ms, higherIsBetter: false },
      { label, unit: 'samples/s', value: (c) => c.time && opts.m / c.time.median, higherIsBetter: true },
    ];
  }
  if (key === 'W3') {
    return [{ label: `W3 tape overhead (${opts.chainOps} ops)`, unit: 'µs/op', value: (c) => c.time && (c.time.median * 1e6) / opts.chainOps, higherIsBetter: false }];
  }
  if (key === 'W4') {
    return [
      { label: 'W4 digits training', unit: 's', value: (c) => c.time?.median, higherIsBetter: false },
      { label: 'W4 digits test accuracy', unit: '%', value: (c) => (c.check?.[2] === undefined ? undefined : 100 * c.check[2]), higherIsBetter: true },
    ];
  }
  const w5 = /^W5( threads=(\d+))?$/.exec(key);
  if (w5) {
    const { batch, cin, cout, size, kernel } = opts.conv;
    return [{ label: `W5 Conv2d ${cin}→${cout}, ${kernel}×${kernel}, batch ${batch} of ${size}×${size}, forward + backward${threadsOf(w5[2])}`, unit: 'ms', value: ms, higherIsBetter: false }];
  }
  const w6 = /^W6 (solve|cholesky) n=(\d+)$/.exec(key);
  if (w6) return [{ label: `W6 ${w6[1]} n=${w6[2]} float64`, unit: 'ms', value: ms, higherIsBetter: false }];
  const einsum = /^W6 einsum (\S+) batch=(\d+) n=(\d+)$/.exec(key);
  if (einsum) return [{ label: `W6 einsum '${einsum[1]}' batch=${einsum[2]} n=${einsum[3]} float64`, unit: 'ms', value: ms, higherIsBetter: false }];
  if (key === 'mem') {
    // no ratio on these rows: the figures are the process's, the library's runtime included
    const steps = opts.memSteps.toLocaleString('en-US');
    return [
      { label: `Memory: peak RSS over ${steps} W2 steps`, unit: 'MiB', value: (c) => c.extra?.peakMiB, higherIsBetter: false },
      { label: `Memory: RSS growth after the first ${(opts.memSteps / 10).toLocaleString('en-US')} of ${steps} W2 steps`, unit: 'MiB', value: (c) => c.extra?.growthMiB, higherIsBetter: false },
    ];
  }
  return [{ label: key, unit: 's', value: (c) => c.time?.median, higherIsBetter: false }];
}

/** Units whose cells carry no speed ratio. */
const NO_RATIO = new Set(['%', 'MiB']);

/** Three significant digits (whole numbers with thousands separators from 1000 up). */
export const fmt = (x: number): string => {
  if (!Number.isFinite(x)) return String(x);
  if (Math.abs(x) >= 1000) return Math.round(x).toLocaleString('en-US');
  return String(Number(x.toPrecision(3)));
};

export interface Report {
  header: string[];
  rows: string[][];
  /** Numbered footnotes: errors, disagreements, skips, compile times. */
  notes: string[];
  /** Disagreements with the references (also in notes); the bench reports them loudly. */
  mismatches: string[];
  /** Machine-readable figures: row label → lib → { value, ratio }. */
  /** `cold`: the figure is one call that includes compiling (jit) and warming up, not a steady state. */
  figures: { row: string; unit: string; lib: LibId; value: number; speedRatio?: number; cold?: true }[];
}

/**
 * The table: one row per workload figure, one column per library; each peer's cell has its figure and
 * the speed ratio tapegrad ÷ peer (×2 = tapegrad does it twice as fast), taken against tapegrad's
 * figure on the same row. A case that disagrees with its float64 reference shows no figure.
 */
export function buildReport(columns: Column[], refs: Map<string, Reference>, opts: ReportOptions): Report {
  const notes: string[] = [];
  const mismatches: string[] = [];
  const figures: Report['figures'] = [];
  const note = (text: string): string => {
    let i = notes.indexOf(text);
    if (i < 0) i = notes.push(text) - 1;
    return `[${i + 1}]`;
  };
  const caseOf = (col: Column, key: string): CaseResult | undefined => ('result' in col ? col.result.cases.find((c) => c.key === key) : undefined);
  const keys: string[] = [];
  for (const col of columns) if ('result' in col) for (const c of col.result.cases) if (!keys.includes(c.key)) keys.push(c.key);
  // A key measured at set thread counts (`W1 n=256 float32 threads=1`) replaces its plain row: the
  // peers' figures go into each thread row.
  const threaded = new Set(keys.filter((k) => / threads=\d+$/.test(k)).map((k) => k.replace(/ threads=\d+$/, '')));
  keys.splice(0, keys.length, ...keys.filter((k) => !threaded.has(k)));
  if (keys.includes('mem')) keys.push(...keys.splice(keys.indexOf('mem'), 1)); // memory last, after the timings

  // A case's usable figure, or the cell text that explains why there is none.
  const figure = (col: Column, key: string, metric: Metric): number | string => {
    if ('failed' in col) return `failed ${note(`${col.lib}: ${col.failed}`)}`;
    const c = caseOf(col, key);
    if (!c) return '—';
    if (c.skipped) return `n/a ${note(`${col.lib}: ${c.skipped}`)}`;
    if (c.error) return `error ${note(`${col.lib}, ${key}: ${c.error}`)}`;
    const bad = disagreement(c, referenceFor(refs, key));
    if (bad) {
      const text = `${col.lib}, ${key}: DISAGREES with the reference: ${bad}`;
      if (!mismatches.includes(text)) mismatches.push(text);
      return `MISMATCH ${note(text)}`;
    }
    const v = metric.value(c);
    return v === undefined ? '—' : v;
  };
  // Notes a figure carries (e.g. "from the warm-up calls only"), as a marker after it.
  const marker = (col: Column, key: string): string => {
    const c = caseOf(col, key);
    return c?.note ? ` ${note(`${col.lib}, ${key}: ${c.note}`)}` : '';
  };

  const rows: string[][] = [];
  for (const key of keys) {
    const peerKey = key.replace(/ threads=\d+$/, ''); // peers' own figure for tapegrad's thread rows
    for (const metric of metrics(key, opts)) {
      const mine = columns.find((col) => col.lib === 'tapegrad');
      const base = mine ? figure(mine, key, metric) : '—';
      const row = [`${metric.label}, ${metric.unit}`];
      for (const col of columns) {
        const v = col.lib === 'tapegrad' ? base : figure(col, peerKey, metric);
        if (typeof v === 'string') {
          row.push(v);
          continue;
        }
        let cell = fmt(v);
        let speedRatio: number | undefined;
        if (col.lib !== 'tapegrad' && typeof base === 'number' && !NO_RATIO.has(metric.unit)) {
          speedRatio = metric.higherIsBetter ? base / v : v / base;
          cell += ` (×${fmt(speedRatio)})`;
        }
        cell += marker(col, col.lib === 'tapegrad' ? key : peerKey);
        const cold = caseOf(col, col.lib === 'tapegrad' ? key : peerKey)?.extra?.coldCall === 1;
        figures.push({ row: metric.label, unit: metric.unit, lib: col.lib, value: v, speedRatio, ...(cold ? { cold: true as const } : {}) });
        row.push(cell);
      }
      rows.push(row);
    }
  }
  // First calls much slower than the median are compiles (jit) or warm-ups worth knowing about.
  for (const col of columns) {
    if (!('result' in col)) continue;
    for (const c of col.result.cases) {
      const first = c.extra?.firstCallSeconds;
      if (first !== undefined && c.time && first > 1 && first > 10 * c.time.median) {
        note(`${col.lib}, ${c.key}: the first call took ${fmt(first)} s (compile and warm-up; not in the median)`);
      }
    }
  }
  return { header: ['workload', ...columns.map((c) => c.lib)], rows, notes, mismatches, figures };
}

export function markdownTable(r: Report): string {
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  return [line(r.header), line(r.header.map(() => '---')), ...r.rows.map(line)].join('\n');
}

/** The table as aligned plain text for the terminal. */
export function textTable(r: Report): string {
  const all = [r.header, ...r.rows];
  const widths = r.header.map((_, j) => Math.max(...all.map((row) => row[j].length)));
  const line = (cells: string[]): string => cells.map((c, j) => (j === 0 ? c.padEnd(widths[j]) : c.padStart(widths[j]))).join('  ');
  return [line(r.header), widths.map((w) => '-'.repeat(w)).join('  '), ...r.rows.map(line)].join('\n');
}
