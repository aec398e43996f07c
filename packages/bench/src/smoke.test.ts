import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { disagreement, referenceFor, references } from './check.js';
import { parseArgs, SMOKE } from './config.js';
import { convCheck, convData } from './conv.js';
import { chainReference, type ChainData } from './data.js';
import { BEGIN, END, benchmarksDoc, generatedSection } from './docs.js';
import { pythonCandidates, runPytorch } from './libs/pytorch.js';
import { machine } from './machine.js';
import { hasRelaxedSimd } from './ceiling.js';
import { bestOf, buildReport, markdownTable, reportOptions, textTable, type Column } from './report.js';
import { runLibrary } from './run.js';
import { ceilingRow, targets, targetsMarkdown } from './targets.js';
import { measure, OverBudget } from './timing.js';

// One repetition of every workload at tiny sizes, tapegrad only, in this process: the whole path from
// the shared data to the table works and tapegrad agrees with the float64 references. No timing is
// asserted (CI machines are noisy); only that each figure exists.
describe('bench smoke (tapegrad, tiny sizes)', () => {
  const cfg = { ...SMOKE, lib: 'tapegrad' as const };
  const refs = references(cfg);
  const opts = reportOptions(cfg);

  it('runs every workload, agrees with the references and prints a table', async () => {
    const result = await runLibrary(cfg);
    const keys = result.cases.map((c) => c.key);
    for (const key of ['mem', 'W2 threads=1', 'W2 threads=2', 'W3', 'W4', 'W5 threads=1', 'W6 solve n=12', 'W6 cholesky n=5', 'W6 einsum bi,ij,bj->b batch=4 n=6']) {
      expect(keys).toContain(key);
    }
    for (const n of cfg.matmulSizes) expect(keys.some((k) => k.startsWith(`W1 n=${n} float32`))).toBe(true);
    for (const c of result.cases) {
      expect(c.error, c.key).toBeUndefined();
      expect(c.skipped, c.key).toBeUndefined();
      expect(c.time!.median, c.key).toBeGreaterThan(0);
      expect(disagreement(c, referenceFor(refs, c.key)), c.key).toBeNull();
    }
    // every reference-checked case was checked: mem alone has nothing to compare
    expect(result.cases.filter((c) => !referenceFor(refs, c.key)).map((c) => c.key)).toEqual(['mem']);
    const mem = result.cases.find((c) => c.key === 'mem')!.extra!;
    expect(mem.peakMiB).toBeGreaterThanOrEqual(mem.lastMiB);
    expect(mem.growthMiB).toBeGreaterThanOrEqual(0);
    const report = buildReport([{ lib: 'tapegrad', result }], refs, opts);
    expect(report.mismatches).toEqual([]);
    const w2 = report.rows.find((r) => r[0] === 'W2 training step, tapegrad 1 thread, ms/step')!;
    expect(Number(w2[1])).toBeGreaterThan(0);
    expect(report.rows.at(-1)![0]).toBe('Memory: RSS growth after the first 5 of 50 W2 steps, MiB');
    expect(textTable(report)).toContain('W5 Conv2d 3→4, 3×3, batch 2 of 6×6, forward + backward, tapegrad 1 thread, ms');
    expect(textTable(report)).toContain('W3 tape overhead (30 ops), µs/op');
    // one epoch of the digits from the shared start: accuracy well above chance (10%)
    const acc = report.rows.find((r) => r[0] === 'W4 digits test accuracy, %')!;
    expect(Number(acc[1])).toBeGreaterThan(30);
    expect(markdownTable(report).split('\n')[1]).toBe('| --- | --- |');
  });

  it('runs the fused-gemm column on W1, W2 and W5 only, or says the engine has no relaxed SIMD', async () => {
    const result = await runLibrary({ ...cfg, lib: 'tapegrad-fma' });
    const byKey = new Map(result.cases.map((c) => [c.key, c]));
    expect(byKey.has('mem')).toBe(false);
    expect(result.info.threads).toBe('1');
    const relaxed = hasRelaxedSimd();
    expect(result.info.relaxedSimd).toBe(String(relaxed));
    expect(byKey.get('W3')!.skipped).toMatch(relaxed ? /runs W1, W2 and W5 only/ : /no relaxed SIMD/);
    for (const key of ['W1 n=16 float32', 'W2', 'W5']) {
      const c = byKey.get(key)!;
      if (relaxed) expect(disagreement(c, referenceFor(refs, key)), key).toBeNull();
      else expect(c.skipped, key).toMatch(/no relaxed SIMD/);
    }
  });

  it('shows a disagreement instead of a figure, and a failed peer as failed', async () => {
    const result = await runLibrary({ ...cfg, workloads: ['W2'] });
    // a peer has no thread rows: its plain W2 goes into each of tapegrad's
    const peer = { ...structuredClone(result), lib: 'tfjs-cpu' as const, cases: [{ ...structuredClone(result.cases[0]), key: 'W2' }] };
    peer.cases[0].check![1] *= 1.01; // the loss after one step 1% off: a broken backward pass
    const columns: Column[] = [{ lib: 'tapegrad', result }, { lib: 'tfjs-cpu', result: peer }, { lib: 'jax-js', failed: 'Error: no wasm' }];
    const report = buildReport(columns, refs, opts);
    expect(report.mismatches).toHaveLength(1);
    expect(report.mismatches[0]).toMatch(/^tfjs-cpu, W2: DISAGREES .* value 1 is/);
    const row = report.rows.find((r) => r[0] === 'W2 training step, tapegrad 2 threads, ms/step')!;
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

  it('a case whose first call takes over half its budget is timed by that call alone', async () => {
    const [c] = (await runLibrary({ ...cfg, workloads: ['W3'], caseBudget: 1e-9 })).cases;
    expect(c.time).toEqual({ median: c.extra!.firstCallSeconds, min: c.extra!.firstCallSeconds, reps: 1, inner: 1 });
    expect(c.note).toMatch(/^the first call took .* s, over half the budget of 1e-9 s a case: the figure is that one call/);
    expect(disagreement(c, refs.get('W3'))).toBeNull();
  });

  it('writes the docs section between its markers and keeps the text around them', async () => {
    const result = await runLibrary({ ...cfg, workloads: ['W3'] });
    const report = buildReport([{ lib: 'tapegrad', result }], refs, opts);
    const section = generatedSection(report, machine(), cfg, { tapegrad: result.info });
    const fresh = benchmarksDoc(null, section);
    expect(fresh).toContain('pnpm bench --write-docs');
    expect(fresh).toContain('| W3 tape overhead (30 ops), µs/op |');
    expect(fresh).toContain('### Targets (issues 13, 10 and 11), judged from this run');
    expect(fresh).toContain('| W3: at or below jax-js-jit per op | no figure in this run | — |');
    expect(fresh).toContain('- **W5** one `Conv2d` layer, forward and backward: x [2, 3, 6, 6]');
    expect(fresh).toContain('- **pytorch** (optional)');
    const edited = `# Title\n\nintro\n\n${BEGIN}\nold table\n${END}\n\n## Gaps\nhand-written\n`;
    const again = benchmarksDoc(edited, section);
    expect(again).not.toContain('old table');
    expect(again.startsWith('# Title\n\nintro\n\n')).toBe(true);
    expect(again.endsWith('## Gaps\nhand-written\n')).toBe(true);
  });
});

describe('bench pieces', () => {
  it('targets: judged from the same run\'s figures, not judged where the run has none', () => {
    type F = Parameters<typeof targets>[0][number];
    const fig = (row: string, unit: string, lib: F['lib'], value: number, speedRatio?: number): F => ({ row, unit, lib, value, speedRatio });
    const w5 = 'W5 Conv2d 16→32, 3×3, batch 64 of 16×16, forward + backward, tapegrad 1 thread';
    const figures = [
      fig(ceilingRow('float32'), 'GFLOP/s', 'tapegrad', 50),
      fig('W1 matmul n=512 float32, tapegrad 1 thread', 'GFLOP/s', 'tapegrad', 42),
      fig('W1 matmul n=1024 float32, tapegrad 1 thread', 'GFLOP/s', 'tapegrad', 38),
      fig('W2 training step, tapegrad 1 thread', 'ms/step', 'tapegrad', 5),
      fig('W2 training step, tapegrad 1 thread', 'ms/step', 'pytorch', 2, 0.4),
      fig('W2 training step, tapegrad 2 threads', 'ms/step', 'tapegrad', 3.5),
      fig('W3 tape overhead (2000 ops)', 'µs/op', 'tapegrad', 0.3),
      fig('W3 tape overhead (2000 ops)', 'µs/op', 'jax-js-jit', 0.31, 1.03),
      fig(w5, 'ms', 'tapegrad', 30),
      fig(w5, 'ms', 'jax-js', 90, 3),
      fig(w5, 'ms', 'tfjs-cpu', 20, 0.667),
      fig(w5, 'ms', 'pytorch', 12, 0.4),
      fig('W6 solve n=64 float64', 'ms', 'tapegrad', 1),
      fig('W6 solve n=64 float64', 'ms', 'jax-js', 4, 4),
      fig('W6 cholesky n=64 float64', 'ms', 'tapegrad', 1),
      fig('W6 cholesky n=64 float64', 'ms', 'jax-js-jit', 2, 2),
      fig('Memory: RSS growth after the first 1,000 of 10,000 W2 steps', 'MiB', 'tapegrad', 0.5),
    ];
    const rows = targets(figures, [128, 512, 1024]);
    const row = (prefix: string) => rows.find((r) => r.target.startsWith(prefix))!;
    // 42/50 = 84% and 38/50 = 76%: one size short of 80% fails the target
    expect(row('W1 float32')).toMatchObject({ measured: 'n=512 84% of 50 GFLOP/s; n=1024 76% of 50 GFLOP/s', met: false });
    expect(row('W1 float64')).toMatchObject({ measured: 'no ceiling measured in this run', met: null });
    expect(row('W2, 1 thread')).toMatchObject({ measured: '5 vs 2 ms/step (2.5× pytorch\'s time)', met: false });
    expect(row('W2: 2 threads')).toMatchObject({ met: true });
    expect(row('W3')).toMatchObject({ met: true });
    expect(row('W4')).toMatchObject({ measured: 'no PyTorch figure in this run', met: null });
    expect(row('W5: faster')).toMatchObject({ measured: '×0.667 tfjs-cpu; ×3 jax-js; no figure: tfjs-wasm, jax-js-jit', met: false });
    expect(row('W5: within 3×')).toMatchObject({ measured: '30 vs 12 ms (2.5× pytorch\'s time)', met: true });
    expect(row('W6: faster than jax-js ')).toMatchObject({ measured: 'solve n=64 ×4; no figure: cholesky n=64', met: true });
    expect(row('W6: faster than jax-js-jit')).toMatchObject({ measured: 'cholesky n=64 ×2; no figure: solve n=64', met: true });
    expect(row('W6: speed ratio')).toMatchObject({ measured: 'no PyTorch figure in this run', met: null });
    expect(row('Memory')).toMatchObject({ met: true });
    expect(targetsMarkdown(rows)).toContain('| W2: 2 threads faster than 1 | 3.5 vs 5 ms/step | met |');
    // a peer's figure that is one call with its compile (jit) is no steady state: not judged
    const cold = figures.map((f) => (f.lib === 'jax-js-jit' && f.row.startsWith('W3') ? { ...f, value: 27917, cold: true as const } : f));
    expect(targets(cold, [512]).find((r) => r.target.startsWith('W3'))).toMatchObject({
      measured: 'jax-js-jit\'s only figure is one call including its compile (27,917 µs/op): no steady state to compare with', met: null });
  });

  it('convCheck reads tfjs\'s NHWC / HWIO outputs at the same entries as NCHW / OIHW', () => {
    const d = convData({ batch: 2, cin: 3, cout: 4, size: 5, kernel: 3, padding: 1 });
    const iota = (n: number): Float64Array => Float64Array.from({ length: n }, (_, i) => i);
    // the NCHW outputs, each entry its own flat index, then the same arrays permuted to tfjs's layouts
    const nchw = { layout: 'NCHW' as const, y: iota(2 * 4 * 25), dx: iota(2 * 3 * 25), dW: iota(4 * 3 * 9), db: iota(4) };
    const permute = (a: Float64Array, [A, B, C, D]: number[], to: (i: number[]) => number): Float64Array => {
      const out = new Float64Array(a.length);
      for (let i = 0; i < A; i++) for (let j = 0; j < B; j++) for (let k = 0; k < C; k++) for (let l = 0; l < D; l++) out[to([i, j, k, l])] = a[((i * B + j) * C + k) * D + l];
      return out;
    };
    const nhwc = (c: number) => ([n, ch, h, w]: number[]): number => ((n * 5 + h) * 5 + w) * c + ch;
    const hwio = ([o, c, i, j]: number[]): number => ((i * 3 + j) * 3 + c) * 4 + o;
    const tfjs = {
      layout: 'NHWC' as const, db: nchw.db,
      y: permute(nchw.y, [2, 4, 5, 5], nhwc(4)), dx: permute(nchw.dx, [2, 3, 5, 5], nhwc(3)), dW: permute(nchw.dW, [4, 3, 3, 3], hwio),
    };
    expect(convCheck(d, tfjs)).toEqual(convCheck(d, nchw));
    const [n, o, h, w] = d.samples.y[0];
    expect(convCheck(d, nchw)[0]).toBe(((n * 4 + o) * 5 + h) * 5 + w);
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

// PyTorch's column runs only where a Python can import torch (never installed by CI); whether one can
// is found out here independently of the bench's own search, so a search that wrongly gives up fails.
const torchPython = pythonCandidates().find((py) => spawnSync(py, ['-c', 'import torch']).status === 0);

describe('bench smoke (pytorch, tiny sizes)', () => {
  const cfg = { ...SMOKE, lib: 'pytorch' as const };
  const refs = references(cfg);

  it(torchPython ? `runs every workload in ${torchPython} and agrees with the references` : 'is skipped, with the reason, without torch', async () => {
    const result = await runLibrary(cfg);
    const keys = result.cases.map((c) => c.key);
    // the JavaScript children's rows, without tapegrad's thread counts
    const tapegradKeys = (await runLibrary({ ...cfg, lib: 'tapegrad', workloads: ['mem', 'W2', 'W5', 'W6'] })).cases.map((c) => c.key.replace(/ threads=\d+$/, ''));
    expect(keys).toEqual(expect.arrayContaining([...new Set(tapegradKeys)]));
    expect(keys).toEqual(expect.arrayContaining(['W1 n=16 float64', 'W3', 'W4']));
    for (const c of result.cases) {
      if (!torchPython) {
        expect(c.skipped, c.key).toMatch(/^no Python that can import torch: tried /);
        continue;
      }
      expect(c.error, c.key).toBeUndefined();
      expect(c.skipped, c.key).toBeUndefined();
      expect(c.time!.median, c.key).toBeGreaterThan(0);
      if (c.key !== 'mem') expect(c.check, c.key).toBeDefined();
      expect(disagreement(c, referenceFor(refs, c.key)), c.key).toBeNull();
    }
    if (torchPython) expect(result.info).toMatchObject({ threads: expect.stringMatching(/^1 /), version: expect.any(String) });
    const report = buildReport([{ lib: 'pytorch', result }], refs, reportOptions(cfg));
    expect(report.mismatches).toEqual([]);
  }, 120_000);

  it('without a Python that has torch, every case is skipped with what was tried', async () => {
    const result = await runPytorch({ ...cfg, workloads: ['W2', 'W6'] }, undefined, ['/nonexistent/python3']);
    expect(result.cases.map((c) => c.key)).toEqual(['W2', 'W6 solve n=5', 'W6 cholesky n=5', 'W6 solve n=12', 'W6 cholesky n=12', 'W6 einsum bi,ij,bj->b batch=4 n=6']);
    for (const c of result.cases) expect(c.skipped).toBe('no Python that can import torch: tried /nonexistent/python3 (ENOENT); set TAPEGRAD_PYTHON to one that can');
    expect(pythonCandidates({ TAPEGRAD_PYTHON: '/opt/py/bin/python' })).toEqual(['/opt/py/bin/python', '/usr/bin/python3', 'python3']);
  });
});
