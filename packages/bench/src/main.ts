/**
 * `pnpm bench`: runs every library in a child process of its own, one after another (the machine's
 * cores are not shared between them), collects their JSON, checks every figure against the float64
 * references, prints one table, writes the JSON and, with --write-docs, docs/benchmarks.md.
 */
import { fork, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { references } from './check.js';
import { parseArgs, type Options } from './config.js';
import { benchmarksDoc, generatedSection } from './docs.js';
import { machine } from './machine.js';
import { targets } from './targets.js';
import type { CaseResult, ChildResult, LibId } from './protocol.js';
import { bestOf, buildReport, fmt, reportOptions, textTable, type Column } from './report.js';
import { ceilingFigures, ceilingLines, hasRelaxedSimd, measureCeiling } from './ceiling.js';

/** Node 20's V8 has relaxed SIMD behind this flag (later Nodes ship it). */
const RELAXED_FLAG = '--experimental-wasm-relaxed-simd';
const RELAXED_BY_DEFAULT = hasRelaxedSimd() && !process.execArgv.includes(RELAXED_FLAG);

const here = path.dirname(fileURLToPath(import.meta.url)); // packages/bench/dist
const benchDir = path.resolve(here, '..');
const root = path.resolve(benchDir, '..', '..');

/** Node flags a column needs: jax-js's eager tape recurses deeper than Node's default stack allows (W3). */
const execArgv = (lib: LibId): string[] => {
  if (lib.startsWith('jax-js')) return ['--stack-size=4000'];
  if (lib === 'tapegrad-fma' && !RELAXED_BY_DEFAULT) return [RELAXED_FLAG];
  return [];
};

const describe = (c: CaseResult): string => {
  if (c.skipped) return `skipped: ${c.skipped}`;
  if (c.error) return `ERROR: ${c.error}`;
  if (!c.time) return '';
  return `median ${fmt(c.time.median * 1e3)} ms (${c.time.reps} reps × ${c.time.inner} calls)`;
};

/** Runs one column's child; resolves with its result or the reason it gave none. */
function runChild(lib: LibId, opts: Options): Promise<Column> {
  return new Promise((resolve) => {
    const child = fork(path.join(here, 'child.js'), [JSON.stringify({ ...opts.config, lib })], {
      execArgv: execArgv(lib),
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    let stderr = '';
    let result: ChildResult | null = null;
    let failure: string | null = null;
    child.stderr!.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-4000)));
    child.stdout!.resume(); // libraries' banners are not the bench's output
    const timer = setTimeout(() => {
      failure = `timed out after ${opts.timeout} s`;
      child.kill('SIGKILL');
    }, opts.timeout * 1000);
    child.on('message', (msg: { type: string; case?: CaseResult; result?: ChildResult; error?: string }) => {
      if (msg.type === 'case') console.log(`  ${lib.padEnd(11)} ${msg.case!.key.padEnd(26)} ${describe(msg.case!)}`);
      else if (msg.type === 'done') result = msg.result!;
      else if (msg.type === 'failed') failure = msg.error!;
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (result) return resolve({ lib, result });
      const tail = stderr.trim().split('\n').slice(-3).join(' / ');
      resolve({ lib, failed: failure ?? `child exited with ${signal ?? `code ${code}`}${tail ? `: ${tail}` : ''}` });
    });
  });
}

async function main(): Promise<void> {
  // The parent measures the ceiling of both kinds of multiply-add, so on an engine that has relaxed SIMD
  // only behind the flag it runs itself again with the flag (its children get their own flags).
  if (!hasRelaxedSimd() && !process.execArgv.includes(RELAXED_FLAG)) {
    const again = spawnSync(process.execPath, [...process.execArgv, RELAXED_FLAG, ...process.argv.slice(1)], { stdio: 'inherit' });
    if (again.error === undefined && again.status !== 9) process.exit(again.status ?? 1); // 9: Node refused the flag
  }
  let opts: Options;
  try {
    opts = parseArgs(process.argv.slice(2), path.join(benchDir, 'results', 'latest.json'));
  } catch (e) {
    console.error((e as Error).message);
    process.exit(2);
  }
  const m = machine();
  console.log(`tapegrad bench${opts.smoke ? ' (smoke: tiny sizes, one repetition)' : ''} — ${m.cpu}, ${m.cores} cores, Node ${m.node}, load ${m.load[0].toFixed(1)}`);
  const ceiling = measureCeiling(); // here, before the children: this process idles while they run
  // Rounds run the libraries in turn, so a burst of load from elsewhere hits them alike; each figure is
  // then the best of its rounds' medians.
  const rounds: Column[][] = [];
  for (let r = 0; r < opts.rounds; r++) {
    const round: Column[] = [];
    for (const lib of opts.libs) {
      console.log(`${lib}${opts.rounds > 1 ? ` (round ${r + 1} of ${opts.rounds})` : ''}:`);
      const col = await runChild(lib, opts);
      if ('failed' in col) console.log(`  ${lib} FAILED: ${col.failed}`);
      round.push(col);
    }
    rounds.push(round);
  }
  m.load.push(os.loadavg()[0]);
  const refs = references(opts.config);
  const columns = opts.libs.map((_, i) => bestOf(rounds.map((round) => round[i]), refs));
  const report = buildReport(columns, refs, reportOptions(opts.config));
  console.log(`\n${textTable(report)}\n`);
  report.notes.forEach((n, i) => console.log(`[${i + 1}] ${n}`));
  console.log('(×r = speed ratio tapegrad ÷ peer on the same row: above 1, tapegrad is faster)');
  ceilingLines(ceiling, report.figures).forEach((line) => console.log(line));
  report.figures.push(...ceilingFigures(ceiling)); // the W1 targets are fractions of it
  const judged = targets(report.figures, opts.config.matmulSizes);
  console.log('\ntargets (issues 13, 10, 11), from this run:');
  for (const t of judged) console.log(`  ${t.met === null ? '—  ' : t.met ? 'met' : 'NOT'}  ${t.target}: ${t.measured}`);
  console.log(`load average ${m.load.map((l) => l.toFixed(1)).join(' → ')} on ${m.cores} cores`);
  const infos: Record<string, Record<string, string>> = {};
  for (const col of columns) if ('result' in col) infos[col.lib] = col.result.info;
  for (const [lib, info] of Object.entries(infos)) console.log(`${lib}: ${Object.entries(info).map(([k, v]) => `${k} ${v}`).join(', ')}`);

  if (opts.json) {
    mkdirSync(path.dirname(opts.json), { recursive: true });
    const json = { machine: m, config: opts.config, rounds: opts.rounds, libraries: infos, figures: report.figures, targets: judged, mismatches: report.mismatches, notes: report.notes, columns };
    writeFileSync(opts.json, JSON.stringify(json, null, 1) + '\n');
    console.log(`wrote ${path.relative(process.cwd(), opts.json)}`);
  }
  if (opts.writeDocs) {
    const file = path.join(root, 'docs', 'benchmarks.md');
    const previous = existsSync(file) ? readFileSync(file, 'utf8') : null;
    writeFileSync(file, benchmarksDoc(previous, generatedSection(report, m, opts.config, infos, opts.rounds)));
    console.log(`wrote ${path.relative(process.cwd(), file)}`);
  }
  if (report.mismatches.length) {
    console.error(`\n!!! ${report.mismatches.length} DISAGREEMENT(S) WITH THE FLOAT64 REFERENCES — those figures are not reported:`);
    for (const s of report.mismatches) console.error(`!!! ${s}`);
    process.exitCode = 1;
  }
}

await main();
