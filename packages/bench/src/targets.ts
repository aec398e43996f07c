import type { LibId } from './protocol.js';
import { fmt, type Report } from './report.js';

/**
 * The targets of issues 13 (W1–W4, memory), 10 (W5) and 11 (W6), judged from one run's figures:
 * every comparison is with a peer's figure from the same run, never with a figure written down
 * earlier. A target whose figures the run lacks (PyTorch skipped, a workload left out) is not judged.
 */
export interface TargetRow {
  target: string;
  measured: string;
  /** null when the run has no figure for it. */
  met: boolean | null;
}

type Figure = Report['figures'][number];

/**
 * The row of the WebAssembly SIMD ceiling (GFLOP/s, tapegrad's column): a WASM kernel of independent
 * f32x4 (f64x2) multiply-adds on registers only, which issue 13 asks the bench to measure. It comes
 * from ceiling.ts; until a run has that row, the W1 targets are reported as not judged.
 */
export const ceilingRow = (dtype: 'float32' | 'float64'): string => `W1 WebAssembly SIMD ceiling ${dtype}`;

const JS_PEERS: readonly LibId[] = ['tfjs-cpu', 'tfjs-wasm', 'jax-js', 'jax-js-jit'];
/** RSS growth after the first tenth of the steps below which memory counts as flat. */
export const FLAT_MIB = 10;

export function targets(figures: readonly Figure[], sizes: readonly number[]): TargetRow[] {
  const find = (row: string, unit: string, lib: LibId): Figure | undefined => figures.find((f) => f.row === row && f.unit === unit && f.lib === lib);
  const rows: TargetRow[] = [];
  const judge = (target: string, parts: { text: string; ok: boolean }[], missing = 'no figure in this run'): void => {
    rows.push({ target, measured: parts.length ? parts.map((p) => p.text).join('; ') : missing, met: parts.length ? parts.every((p) => p.ok) : null });
  };
  // tapegrad's time against a peer's on the same row: within `factor` × the peer's time
  const within = (row: string, unit: string, peer: LibId, factor: number): { text: string; ok: boolean }[] => {
    const mine = find(row, unit, 'tapegrad'), theirs = find(row, unit, peer);
    if (!mine || !theirs) return [];
    if (theirs.cold) return []; // one call with its compile: not the steady state a target compares with
    return [{ text: `${fmt(mine.value)} vs ${fmt(theirs.value)} ${unit} (${fmt(mine.value / theirs.value)}× ${peer}'s time)`, ok: mine.value <= factor * theirs.value }];
  };
  const noTorch = 'no PyTorch figure in this run';

  const big = sizes.filter((n) => n >= 512);
  for (const dtype of ['float32', 'float64'] as const) {
    const ceiling = find(ceilingRow(dtype), 'GFLOP/s', 'tapegrad');
    judge(`W1 ${dtype}, 1 thread, n ≥ 512: ≥ 80% of the WebAssembly SIMD ceiling`, ceiling ? big.flatMap((n) => {
      const f = find(`W1 matmul n=${n} ${dtype}, tapegrad 1 thread`, 'GFLOP/s', 'tapegrad');
      return f ? [{ text: `n=${n} ${fmt((100 * f.value) / ceiling.value)}% of ${fmt(ceiling.value)} GFLOP/s`, ok: f.value >= 0.8 * ceiling.value }] : [];
    }) : [], ceiling ? 'no W1 figure at n ≥ 512 in this run' : 'no ceiling measured in this run');
    // The fused gemm (tapegrad-fma's column, one thread) against the relaxed_madd ceiling.
    const fused = find(`${ceilingRow(dtype)}, relaxed_madd`, 'GFLOP/s', 'tapegrad');
    judge(`W1 ${dtype} with relaxed SIMD (fused multiply-add), 1 thread, n ≥ 512: ≥ 80% of the relaxed_madd ceiling`, fused ? big.flatMap((n) => {
      const f = find(`W1 matmul n=${n} ${dtype}, tapegrad 1 thread`, 'GFLOP/s', 'tapegrad-fma');
      return f ? [{ text: `n=${n} ${fmt((100 * f.value) / fused.value)}% of ${fmt(fused.value)} GFLOP/s`, ok: f.value >= 0.8 * fused.value }] : [];
    }) : [], fused ? 'no tapegrad-fma W1 figure at n ≥ 512 in this run' : 'no relaxed SIMD in this run');
  }

  const w2 = (t: number): string => `W2 training step, tapegrad ${t} thread${t === 1 ? '' : 's'}`;
  judge('W2, 1 thread: within 2× PyTorch\'s time', within(w2(1), 'ms/step', 'pytorch', 2), noTorch);
  const [one, two] = [find(w2(1), 'ms/step', 'tapegrad'), find(w2(2), 'ms/step', 'tapegrad')];
  judge('W2: 2 threads faster than 1', one && two ? [{ text: `${fmt(two.value)} vs ${fmt(one.value)} ms/step`, ok: two.value < one.value }] : []);

  const w3 = figures.find((f) => f.row.startsWith('W3') && f.lib === 'tapegrad');
  const w3Peer = w3 && find(w3.row, 'µs/op', 'jax-js-jit');
  judge('W3: at or below jax-js-jit per op', w3 ? within(w3.row, 'µs/op', 'jax-js-jit', 1) : [],
    w3Peer?.cold ? `jax-js-jit's only figure is one call including its compile (${fmt(w3Peer.value)} µs/op): no steady state to compare with` : 'no figure in this run');
  judge('W4: at or below PyTorch\'s time', within('W4 digits training', 's', 'pytorch', 1), noTorch);

  const w5 = figures.find((f) => f.row.startsWith('W5') && f.row.endsWith('tapegrad 1 thread') && f.lib === 'tapegrad')
    ?? figures.find((f) => f.row.startsWith('W5') && f.lib === 'tapegrad');
  // a peer that has no figure (it cannot run the case, or failed) is named, not counted
  const absent = (names: string[]): { text: string; ok: boolean }[] => (names.length ? [{ text: `no figure: ${names.join(', ')}`, ok: true }] : []);
  const w5Peers = w5 ? JS_PEERS.map((peer) => ({ peer, f: find(w5.row, 'ms', peer) })) : [];
  const w5Ratios = w5Peers.flatMap(({ peer, f }) => (f?.speedRatio === undefined ? [] : [{ text: `×${fmt(f.speedRatio)} ${peer}`, ok: f.speedRatio >= 1 }]));
  judge('W5: faster than every JavaScript peer', w5Ratios.length ? [...w5Ratios, ...absent(w5Peers.filter(({ f }) => !f).map(({ peer }) => peer))] : []);
  judge('W5: within 3× PyTorch\'s time', w5 ? within(w5.row, 'ms', 'pytorch', 3) : [], noTorch);

  const w6 = figures.filter((f) => f.row.startsWith('W6') && f.lib === 'tapegrad');
  const short = (row: string): string => row.replace(/^W6 /, '').replace(/ float64$/, '');
  for (const peer of ['jax-js', 'jax-js-jit'] as const) {
    const cases = w6.map((t) => ({ name: short(t.row), f: find(t.row, 'ms', peer) }));
    const ratios = cases.flatMap(({ name, f }) => (f?.speedRatio === undefined ? [] : [{ text: `${name} ×${fmt(f.speedRatio)}`, ok: f.speedRatio >= 1 }]));
    judge(`W6: faster than ${peer} on every case`, ratios.length ? [...ratios, ...absent(cases.filter(({ f }) => !f).map(({ name }) => name))] : []);
  }
  const torch6 = w6.flatMap((t) => {
    const f = find(t.row, 'ms', 'pytorch');
    return f?.speedRatio === undefined ? [] : [`${short(t.row)} ×${fmt(f.speedRatio)}`];
  });
  rows.push({ target: 'W6: speed ratio to PyTorch (issue 11 sets no bar; reported)', measured: torch6.length ? torch6.join('; ') : noTorch, met: null });

  const growth = figures.find((f) => f.row.startsWith('Memory: RSS growth') && f.lib === 'tapegrad');
  judge(`Memory: RSS flat over the W2 steps (growth after the first tenth < ${FLAT_MIB} MiB)`,
    growth ? [{ text: `${fmt(growth.value)} MiB (${growth.row.replace(/^Memory: RSS growth /, '')})`, ok: growth.value < FLAT_MIB }] : []);
  return rows;
}

export function targetsMarkdown(rows: readonly TargetRow[]): string {
  const mark = (m: boolean | null): string => (m === null ? '—' : m ? 'met' : '**not met**');
  return ['| target | this run | |', '| --- | --- | --- |', ...rows.map((r) => `| ${r.target} | ${r.measured} | ${mark(r.met)} |`)].join('\n');
}
