import { describe, expect, it } from 'vitest';
import { disagreement, referenceFor, references } from './check.js';
import { parseArgs, SMOKE } from './config.js';
import { chainReference, type ChainData } from './data.js';
import { BEGIN, END, benchmarksDoc, generatedSection } from './docs.js';
import { machine } from './machine.js';
import { bestOf, buildReport, markdownTable, textTable, type Column } from './report.js';
import { runLibrary } from './run.js';
import { targets, targetsMarkdown } from './targets.js';
import { measure, OverBudget } from './timing.js';

// One repetition of every workload at tiny sizes, tapegrad only, in this process: the whole path from
// the shared data to the table works and tapegrad agrees with the float64 references. No timing is
// asserted (CI machines are noisy); only that each figure exists.
describe('bench smoke (tapegrad, tiny sizes)', () => {
  const cfg = { ...SMOKE, lib: 'tapegrad' as const };
  const refs = references(cfg);
  const opts = { m: cfg.mlp.m, chainOps: cfg.chainOps };

  it('runs every workload, agrees with the references and prints a table', async () => {
    const result = await runLibrary(cfg);
    const keys = result.cases.map((c) => c.key);
    expect(keys).toContain('W2');
    expect(keys).toContain('W3');
    expect(keys).toContain('W4');
    for (const n of cfg.matmulSizes) expect(keys.some((k) => k.startsWith(`W1 n=${n} float32`))).toBe(true);
    for (const c of result.cases) {
      expect(c.error, c.key).toBeUndefined();
      expect(c.skipped, c.key).toBeUndefined();
      expect(c.time!.median, c.key).toBeGreaterThan(0);
      expect(disagreement(c, referenceFor(refs, c.key)), c.key).toBeNull();
    }
    const report = buildReport([{ lib: 'tapegrad', result }], refs, opts);
    expect(report.mismatches).toEqual([]);
    const w2 = report.rows.find((r) => r[0] === 'W2 training step, ms/step')!;
    expect(Number(w2[1])).toBeGreaterThan(0);
    expect(textTable(report)).toContain('W3 tape overhead (30 ops), µs/op');
    // one epoch of the digits from the shared start: accuracy well above chance (10%)
    const acc = report.rows.find((r) => r[0] === 'W4 digits test accuracy, %')!;
    expect(Number(acc[1])).toBeGreaterThan(30);
    expect(markdownTable(report).split('\n')[1]).toBe('| --- | --- |');
  });

  it('shows a disagreement instead of a figure, and a failed peer as failed', async () => {
    const result = await runLibrary({ ...cfg, workloads: ['W2'] });
    const peer = structuredClone(result);
    peer.lib = 'tfjs-cpu';
    peer.cases[0].check![1] *= 1.01; // the loss after one step 1% off: a broken backward pass
    const columns: Column[] = [{ lib: 'tapegrad', result }, { lib: 'tfjs-cpu', result: peer }, { lib: 'jax-js', failed: 'Error: no wasm' }];
    const report = buildReport(columns, refs, opts);
    expect(report.mismatches).toHaveLength(1);
    expect(report.mismatches[0]).toMatch(/^tfjs-cpu, W2: DISAGREES .* value 1 is/);
    const row = report.rows.find((r) => r[0] === 'W2 training step, ms/step')!;
    expect(row[2]).toMatch(/^MISMATCH \[\d\]$/);
    expect(row[3]).toMatch(/^failed \[\d\]$/);
    expect(report.notes.some((n) => n === 'jax-js: Error: no wasm')).toBe(true);

    const other = structuredClone(result);
    other.cases[0].checksum! += 1; // a child that built different data is caught too
    expect(disagreement(other.cases[0], refs.get('W2'))).toMatch(/input data differ/);
  });

  it('bestOf keeps the fastest round, unless a round failed or disagreed', async () => {
    const a = await runLibrary({ ...cfg, workloads: ['W3'] });
    const fast = structuredClone(a), wrong = structuredClone(a);
    fast.cases[0].time!.median = a.cases[0].time!.median / 2;
    expect(bestOf([{ lib: 'tapegrad', result: a }, { lib: 'tapegrad', result: fast }], refs)).toEqual({ lib: 'tapegrad', result: fast });
    wrong.cases[0].check![0] = -wrong.cases[0].check![0];
    const kept = bestOf([{ lib: 'tapegrad', result: fast }, { lib: 'tapegrad', result: wrong }], refs);
    expect('result' in kept && kept.result.cases[0]).toBe(wrong.cases[0]);
  });

  it('writes the docs section between its markers and keeps the text around them', async () => {
    const result = await runLibrary({ ...cfg, workloads: ['W3'] });
    const report = buildReport([{ lib: 'tapegrad', result }], refs, opts);
    const section = generatedSection(report, machine(), cfg, { tapegrad: result.info });
    const fresh = benchmarksDoc(null, section);
    expect(fresh).toContain('pnpm bench --write-docs');
    expect(fresh).toContain('| W3 tape overhead (30 ops), µs/op |');
    const edited = `# Title\n\nintro\n\n${BEGIN}\nold table\n${END}\n\n## Gaps\nhand-written\n`;
    const again = benchmarksDoc(edited, section);
    expect(again).not.toContain('old table');
    expect(again.startsWith('# Title\n\nintro\n\n')).toBe(true);
    expect(again.endsWith('## Gaps\nhand-written\n')).toBe(true);
  });
});

describe('bench pieces', () => {
  it('targets: judged from the figures, "no figure" where the run has none', () => {
    const figures = [
      { row: 'W1 matmul n=256 float32, tapegrad 1 thread', unit: 'GFLOP/s', lib: 'tfjs-wasm' as const, value: 20, speedRatio: 1.2 },
      { row: 'W1 matmul n=512 float32, tapegrad 1 thread', unit: 'GFLOP/s', lib: 'tfjs-wasm' as const, value: 20, speedRatio: 0.9 },
      { row: 'W2 training step', unit: 'ms/step', lib: 'tapegrad' as const, value: 5.5 },
      { row: 'W3 tape overhead (2000 ops)', unit: 'µs/op', lib: 'tapegrad' as const, value: 0.7 },
    ];
    const rows = targets(figures, [128, 256, 512]);
    const row = (prefix: string) => rows.find((r) => r.target.startsWith(prefix))!;
    expect(row('W1 float32, n ≥ 256, 1 thread')).toEqual({ target: expect.any(String), measured: 'n=256 ×1.2; n=512 ×0.9', met: false });
    expect(row('W1 float32, n ≥ 256, 2 threads').met).toBeNull();
    expect(row('W2: ≤ 6 ms')).toMatchObject({ measured: '5.5 ms', met: true });
    expect(row('W3')).toMatchObject({ measured: '0.7 µs', met: false });
    expect(targetsMarkdown(rows)).toContain('| W2: ≤ 6 ms/step | 5.5 ms | met |');
  });

  it('chainReference: one mul, add, sigmoid at the fixed point x = 1/2, c = 4 has slope c·σ′(0) = 1', () => {
    const d: ChainData = { ops: 3, x: new Float32Array([0.5, 0]), c: new Float32Array([4, 2]), d: new Float32Array([-2, 0]) };
    // second element: σ(2·0 + 0) = 1/2, d/dx = 2·σ′(0) = 2·1/4
    expect(chainReference(d).grad).toEqual([1, 0.5]);
  });

  it('measure: repetitions over the budget give way to the warm-up calls\' median', () => {
    const busy = (): void => {
      const t0 = performance.now();
      while (performance.now() - t0 < 2);
    };
    expect(measure(busy, { reps: 3, warmup: 1, minRepMs: 0 })).toMatchObject({ reps: 3, inner: 1 });
    try {
      measure(busy, { reps: 1000, warmup: 2, minRepMs: 0, budget: 0.5 });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(OverBudget);
      expect((e as OverBudget).warmups.reps).toBe(2);
      expect((e as OverBudget).warmups.median).toBeGreaterThanOrEqual(0.002);
    }
  });

  it('parseArgs: defaults, flags and errors', () => {
    const full = parseArgs([], '/x.json');
    expect(full.config.reps).toBe(10);
    expect(full.config.matmulSizes).toEqual([128, 256, 512, 1024]);
    expect(full.json).toBe('/x.json');
    const o = parseArgs(['--', '--reps', '3', '--only', 'tapegrad,tfjs-wasm', '--workloads', 'W1', '--sizes', '64', '--write-docs'], '/x.json');
    expect(o).toMatchObject({ libs: ['tapegrad', 'tfjs-wasm'], writeDocs: true, config: { reps: 3, workloads: ['W1'], matmulSizes: [64] } });
    expect(parseArgs(['--smoke'], '/x.json')).toMatchObject({ smoke: true, json: null, config: { reps: 1 } });
    expect(() => parseArgs(['--only', 'torch'], '/x.json')).toThrow(/unknown 'torch'/);
    expect(() => parseArgs(['--reps', '0'], '/x.json')).toThrow(/positive integer/);
  });
});
