// W3 (issue 13) split into its two halves: the per-op cost of recording (the forward chain of mul, add,
// sigmoid on a 16-element vector) and of the sweep (backward), next to the whole of W3 as the bench runs
// it (`grad(f)(x)`), all in µs per op. Run after a build:
//   pnpm --filter @tapegrad/bench exec node scripts/w3-profile.mjs [core ...] [--rounds=N] [--wall]
// Each `core` is a path to a built core (its dist/index.js; the workspace's core by default). With two
// or more (say a copy of main's build and this branch's) each is timed in a child process of its own —
// two copies in one process would share the chain's call sites and slow each other down — taking turns,
// round after round, so their ratio is fair on a shared machine.
// CPU time (user + system) by default, which other processes on a busy machine disturb far less than
// wall time; --wall for wall-clock. For hot spots: node --cpu-prof scripts/w3-profile.mjs.
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CHAIN_OPS, chainData, chainOp } from '../dist/data.js';

const flag = (name) => process.argv.find((a) => a.startsWith(`--${name}`));
const wall = flag('wall') !== undefined;
const child = flag('child') !== undefined;
const ROUNDS = Number(flag('rounds=')?.slice(9) ?? 15), REP_MS = 100;
const paths = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const CASES = ['forward', 'backward', 'W3'];
const ops = CHAIN_OPS + 1; // the chain and its final sum

function cases(tg) {
  const d = chainData();
  const c = tg.tensor(d.c), dd = tg.tensor(d.d);
  const f = (x) => {
    for (let i = 0; i < d.ops; i++) {
      const op = chainOp(i);
      x = op === 'mul' ? x.mul(c) : op === 'add' ? x.add(dd) : x.sigmoid();
    }
    return x.sum();
  };
  const g = tg.grad(f);
  const x0 = tg.tensor(d.x);
  // The forward alone; the sweep of a chain recorded untimed just before; the whole of W3.
  let pending = null;
  return {
    forward: { run: () => f(tg.tensor(d.x, { requiresGrad: true })).data, setup: null },
    backward: { run: () => pending.backward(), setup: () => void (pending = f(tg.tensor(d.x, { requiresGrad: true }))) },
    W3: { run: () => g(x0).data, setup: null },
  };
}

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const now = wall ? () => performance.now() : cpuMs;

/** µs per op of repetitions of at least REP_MS each (setup, when there is one, runs untimed). */
function time({ run, setup }, reps) {
  const out = [];
  for (let r = 0; r < reps; r++) {
    let spent = 0, calls = 0;
    while (spent < REP_MS) {
      if (setup) setup();
      const t0 = now();
      run();
      spent += now() - t0;
      calls++;
    }
    out.push((spent * 1000) / calls / ops);
  }
  return out;
}

/** Times of each case for `core` in this process: a warm-up, then `rounds` repetitions of each in turn. */
async function measureHere(core, rounds) {
  const tg = await (core === '@tapegrad/core' ? import(core) : import(pathToFileURL(resolve(core)).href));
  const cs = cases(tg);
  for (const k of CASES) time(cs[k], 2);
  const times = Object.fromEntries(CASES.map((k) => [k, []]));
  for (let r = 0; r < rounds; r++) for (const k of CASES) times[k].push(...time(cs[k], 1));
  return times;
}

if (child) {
  process.stdout.write(JSON.stringify(await measureHere(paths[0], ROUNDS)));
  process.exit(0);
}

const cores = paths.length === 0 ? ['@tapegrad/core'] : paths;
const all = cores.map((name) => ({ name, times: Object.fromEntries(CASES.map((k) => [k, []])) }));
const load0 = loadavg()[0];
if (all.length === 1) all[0].times = await measureHere(cores[0], ROUNDS);
else {
  // Rounds of 3 repetitions, one child process per core per round, the cores taking turns.
  const script = fileURLToPath(import.meta.url);
  for (let round = 0; round < Math.ceil(ROUNDS / 3); round++) {
    for (const c of all) {
      const args = [script, c.name, '--child', '--rounds=3', ...(wall ? ['--wall'] : [])];
      const t = JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8' }));
      for (const k of CASES) c.times[k].push(...t[k]);
    }
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
console.log(
  `W3: ${CHAIN_OPS}-op chain (+ sum) of mul/add/sigmoid on 16 float32 elements; ${wall ? 'wall' : 'CPU'} µs per op, ` +
    `${all[0].times.W3.length} repetitions each; load average ${load0.toFixed(2)} → ${loadavg()[0].toFixed(2)}`,
);
console.log(`${'core'.padEnd(36)} ${CASES.map((k) => `${k} med/min`.padStart(18)).join('')}`);
for (const c of all) {
  const cells = CASES.map((k) => `${median(c.times[k]).toFixed(3)} / ${Math.min(...c.times[k]).toFixed(3)}`.padStart(18));
  console.log(`${c.name.slice(-36).padEnd(36)} ${cells.join('')}`);
}
for (const c of all.slice(1)) {
  const ratio = (f) => CASES.map((k) => `${k} ${(f(c.times[k]) / f(all[0].times[k])).toFixed(3)}`).join(', ');
  console.log(`${c.name} ÷ ${all[0].name}:\n  medians ${ratio(median)}\n  minima  ${ratio((xs) => Math.min(...xs))}`);
}
