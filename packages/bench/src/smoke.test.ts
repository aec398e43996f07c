import { describe, expect, it } from 'vitest';
import { disagreement, referenceFor, references } from './check.js';
import { parseArgs, SMOKE } from './config.js';
import { chainReference, type ChainData } from './data.js';
import { BEGIN, END, benchmarksDoc, generatedSection } from './docs.js';
import { machine } from './machine.js';
import { buildReport, markdownTable, textTable, type Column } from './report.js';
import { runLibrary } from './run.js';

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
  it('chainReference: one mul, add, sigmoid at the fixed point x = 1/2, c = 4 has slope c·σ′(0) = 1', () => {
    const d: ChainData = { ops: 3, x: new Float32Array([0.5, 0]), c: new Float32Array([4, 2]), d: new Float32Array([-2, 0]) };
    // second element: σ(2·0 + 0) = 1/2, d/dx = 2·σ′(0) = 2·1/4
    expect(chainReference(d).grad).toEqual([1, 0.5]);
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
