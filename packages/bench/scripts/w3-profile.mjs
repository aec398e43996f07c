// W3 (issue 13) split into its two halves: the per-op cost of recording (the forward chain of mul, add,
// sigmoid on a 16-element vector) and of the sweep (backward), next to the whole of W3 as the bench runs
// it (`grad(f)(x)`), all in µs per op. Run after a build:
//   pnpm --filter @tapegrad/bench exec node scripts/w3-profile.mjs [core ...]
// Each `core` is a path to a built core (its dist/index.js); with two or more (say a copy of main's build
// and this branch's), they are timed in turn in one process, round after round, so their ratio is fair on
// a shared machine. For hot spots: node --cpu-prof scripts/w3-profile.mjs, then open the .cpuprofile.
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { CHAIN_OPS, chainData, chainOp } from '../dist/data.js';

// --wall times wall-clock; by default CPU time (user + system of this process), which other processes
// on a shared machine disturb far less.
const wall = process.argv.includes('--wall');
const paths = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const now = wall ? () => performance.now() : cpuMs;
const cores = paths.length === 0
  ? [['@tapegrad/core', await import('@tapegrad/core')]]
  : await Promise.all(paths.map(async (p) => [p, await import(pathToFileURL(resolve(p)).href)]));
// --rounds=N: more rounds give a steadier minimum when the machine is busy.
const ROUNDS = Number(process.argv.find((a) => a.startsWith('--rounds='))?.slice(9) ?? 15), REP_MS = 100;
const d = chainData();
const ops = CHAIN_OPS + 1; // the chain and its final sum

function cases(tg) {
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
  // forward and backward on one recorded chain each: the forward alone, then a sweep of a fresh chain
  // (recorded untimed), so each half is timed without the other.
  let pending = null;
  return {
    forward: { run: () => f(tg.tensor(d.x, { requiresGrad: true })).data, setup: null },
    backward: { run: () => pending.backward(), setup: () => void (pending = f(tg.tensor(d.x, { requiresGrad: true }))) },
    W3: { run: () => g(x0).data, setup: null },
  };
}

/** Median µs per op over repetitions of at least REP_MS each (setup, when there is one, runs untimed). */
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

const all = cores.map(([name, tg]) => ({ name, cases: cases(tg), times: { forward: [], backward: [], W3: [] } }));
for (const c of all) for (const k of Object.keys(c.times)) time(c.cases[k], 2); // warm up
for (let round = 0; round < ROUNDS; round++) {
  for (const c of all) for (const k of Object.keys(c.times)) c.times[k].push(...time(c.cases[k], 1));
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const [load1] = (await import('node:os')).loadavg();
console.log(`W3: ${CHAIN_OPS}-op chain (+ sum) of mul/add/sigmoid on ${d.x.length} float32 elements; ${wall ? 'wall' : 'CPU'} µs per op over ${ROUNDS} rounds; load average ${load1.toFixed(2)}`);
// The minimum is shown beside the median: on a busy machine it is the steadier estimate of the cost.
const cols = ['forward', 'backward', 'W3'];
console.log(`${'core'.padEnd(36)} ${cols.map((k) => `${k} med/min`.padStart(18)).join('')}`);
for (const c of all) {
  const cells = cols.map((k) => `${median(c.times[k]).toFixed(3)} / ${Math.min(...c.times[k]).toFixed(3)}`.padStart(18));
  console.log(`${c.name.slice(-36).padEnd(36)} ${cells.join('')}`);
}
for (const c of all.slice(1)) {
  const ratio = (f) => cols.map((k) => `${k} ${(f(c.times[k]) / f(all[0].times[k])).toFixed(3)}`).join(', ');
  console.log(`${c.name} / ${all[0].name}: medians ${ratio(median)}; minima ${ratio((xs) => Math.min(...xs))}`);
}
