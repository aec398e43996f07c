import { fmt, type Report } from './report.js';

/** Issue 4's targets, judged from one run's figures (single thread unless a row says otherwise). */
export interface TargetRow {
  target: string;
  measured: string;
  /** null when the run has no figure for it. */
  met: boolean | null;
}

type Figure = Report['figures'][number];

const PYTORCH_W4_SECONDS = 0.8; // issue 4's PyTorch time for W4 on this machine

export function targets(figures: readonly Figure[], sizes: readonly number[]): TargetRow[] {
  const find = (row: string, unit: string, lib: string): Figure | undefined => figures.find((f) => f.row === row && f.unit === unit && f.lib === lib);
  const rows: TargetRow[] = [];
  const judge = (target: string, parts: { text: string; ok: boolean }[]): void => {
    rows.push({ target, measured: parts.length ? parts.map((p) => p.text).join('; ') : 'no figure in this run', met: parts.length ? parts.every((p) => p.ok) : null });
  };
  const big = sizes.filter((n) => n >= 256);
  for (const [threads, want] of [[1, 1.0], [2, 1.8]] as const) {
    const label = (n: number): string => `W1 matmul n=${n} float32, tapegrad ${threads} thread${threads === 1 ? '' : 's'}`;
    judge(`W1 float32, n ≥ 256, ${threads} thread${threads === 1 ? '' : 's'}: ≥ ${want.toFixed(1)}× tfjs-wasm`,
      big.flatMap((n) => {
        const f = find(label(n), 'GFLOP/s', 'tfjs-wasm');
        return f?.speedRatio === undefined ? [] : [{ text: `n=${n} ×${fmt(f.speedRatio)}`, ok: f.speedRatio >= want }];
      }));
  }
  judge('W1 float64: ≥ 12 GFLOP/s (1 thread, n ≥ 256)', big.flatMap((n) => {
    const f = find(`W1 matmul n=${n} float64, tapegrad 1 thread`, 'GFLOP/s', 'tapegrad') ?? find(`W1 matmul n=${n} float64`, 'GFLOP/s', 'tapegrad');
    return f ? [{ text: `n=${n} ${fmt(f.value)}`, ok: f.value >= 12 }] : [];
  }));
  const w2 = find('W2 training step', 'ms/step', 'tapegrad');
  judge('W2: ≤ 6 ms/step', w2 ? [{ text: `${fmt(w2.value)} ms`, ok: w2.value <= 6 }] : []);
  for (const [peer, want] of [['jax-js-jit', 1], ['tfjs-wasm', 5]] as const) {
    const f = find('W2 training step', 'ms/step', peer);
    judge(`W2: ${want === 1 ? 'faster than' : `≥ ${want}× as fast as`} ${peer}`, f?.speedRatio === undefined ? [] : [{ text: `×${fmt(f.speedRatio)}`, ok: f.speedRatio >= want }]);
  }
  const w3 = figures.find((f) => f.row.startsWith('W3') && f.lib === 'tapegrad');
  judge('W3: ≤ 0.5 µs per op', w3 ? [{ text: `${fmt(w3.value)} µs`, ok: w3.value <= 0.5 }] : []);
  const w4 = find('W4 digits training', 's', 'tapegrad');
  judge(`W4: ≤ 1.5× PyTorch's ${PYTORCH_W4_SECONDS} s (${fmt(1.5 * PYTORCH_W4_SECONDS)} s)`, w4 ? [{ text: `${fmt(w4.value)} s`, ok: w4.value <= 1.5 * PYTORCH_W4_SECONDS }] : []);
  const acc = find('W4 digits test accuracy', '%', 'tapegrad');
  judge('W4: PyTorch\'s accuracy (about 97%; @tapegrad/nn\'s bar is 96.5%)', acc ? [{ text: `${fmt(acc.value)}%`, ok: acc.value >= 96.5 }] : []);
  rows.push({ target: 'Memory: peak RSS flat over 10,000 W2 steps', measured: 'not measured by the bench', met: null });
  return rows;
}

export function targetsMarkdown(rows: readonly TargetRow[]): string {
  const mark = (m: boolean | null): string => (m === null ? '—' : m ? 'met' : '**not met**');
  return ['| target | this run | |', '| --- | --- | --- |', ...rows.map((r) => `| ${r.target} | ${r.measured} | ${mark(r.met)} |`)].join('\n');
}
