// Where W2's and W4's time goes (issue 13): the bench's own step, timed whole, then again with every
// kernel entry (`kernels`, which all ops call through) wrapped in a timer and the step cut into phases.
//   W2: one SGD step of [784, 256, 128, 10], m = 128 — forward, the sweep, the SGD update; in each,
//       each gemm (NN = forward W·A, TN = backward Wᵀ·dZ, NT = backward dZ·Aᵀ) and each elementwise
//       kernel, and the rest: recording, tensors, allocation and the sweep's bookkeeping. Allocation is
//       estimated apart by replaying the step's output arrays (new Float32Array of each size, as garbage).
//   W4: the demo's digits training, [64, 32, 10], Adam, batch 64 — forward, loss, backward, Adam's
//       step, and fit's own per-batch work (batching, the non-finite checks, logs).
// Run after a build:
//   pnpm --filter @tapegrad/bench exec node scripts/w2-profile.mjs [w2|w4|both] [threads]
// and for a flame graph, `node --cpu-prof scripts/w2-profile.mjs w2 1` (the .cpuprofile opens in Chrome).
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import * as tg from '@tapegrad/core';
import * as nn from '@tapegrad/nn';

const which = process.argv[2] ?? 'both';
const threads = Number(process.argv[3] ?? 1);
tg.setNumThreads(threads);

// The bench's workloads and its tapegrad adapter, bundled from source so this script runs exactly them.
const src = fileURLToPath(new URL('../src/', import.meta.url));
const out = fileURLToPath(new URL('../dist/profile-entry.mjs', import.meta.url));
const bundled = await build({
  stdin: {
    contents: `export { mlpData } from './data.ts'; export { digitsData } from './digits.ts'; export { tapegrad } from './libs/tapegrad.ts';`,
    resolveDir: src, loader: 'ts',
  },
  bundle: true, format: 'esm', platform: 'node', write: false, external: ['@tapegrad/*'],
});
mkdirSync(fileURLToPath(new URL('../dist/', import.meta.url)), { recursive: true });
writeFileSync(out, bundled.outputFiles[0].text);
const bench = await import(out);
const lib = bench.tapegrad('profile');

const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');

// ---- timers ----------------------------------------------------------------------------------------
/** ms by label, in the current phase; calls by label. */
const spent = new Map();
const calls = new Map();
let phase = 'other';
let sizes = null; // output array lengths of the kernels of one step, when recording them
const charge = (label, ms) => {
  const key = `${phase}\t${label}`;
  spent.set(key, (spent.get(key) ?? 0) + ms);
  calls.set(key, (calls.get(key) ?? 0) + 1);
};
const gemmName = (tA, tB) => (!tA && !tB ? 'NN' : tA && !tB ? 'TN' : !tA && tB ? 'NT' : 'TT');
const labelOf = (name, args) => {
  if (name === 'gemm') return `gemm ${gemmName(args[0], args[1])} ${args[2]}×${args[3]}×${args[4]}`;
  if (name === 'unary' || name === 'binary' || name === 'reduce') return `${name} ${args[0]}`;
  return name;
};
/** The index of each kernel's `out` argument (for the allocation replay). */
const OUT_ARG = { gemm: 9, unary: 2, binary: 5, reduce: 4, sigmoidGrad: 2, broadcast: 2, transpose: 3, take: 4, softmaxCrossEntropy: 4, softmaxCrossEntropyGrad: 5 };
let depth = 0;
function instrument() {
  const wrapped = {};
  for (const [name, fn] of Object.entries(tg.kernels)) {
    wrapped[name] = (...args) => {
      if (depth > 0) return fn(...args); // a kernel calling another through `kernels` is charged once
      depth++;
      const t0 = performance.now();
      try {
        return fn(...args);
      } finally {
        charge(labelOf(name, args), performance.now() - t0);
        depth--;
        const o = args[OUT_ARG[name]];
        if (sizes !== null && o && typeof o.length === 'number') sizes.push([o.constructor, o.length]);
      }
    };
  }
  return tg.setKernels(wrapped);
}
const inPhase = (name, fn) => (...args) => {
  const saved = phase;
  const t0 = performance.now();
  phase = name;
  try {
    return fn(...args);
  } finally {
    phase = saved;
    const key = `${name}\t(wall)`;
    spent.set(key, (spent.get(key) ?? 0) + performance.now() - t0);
    calls.set(key, (calls.get(key) ?? 0) + 1);
  }
};

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}
/** ms per call of `run`, median of `reps` repetitions of `inner` calls: wall time, and this process's
 * CPU time (all threads), which other processes on a busy machine disturb less. */
function time(run, reps, inner) {
  const wall = [], cpu = [];
  for (let r = 0; r < reps; r++) {
    const c0 = process.cpuUsage(), t0 = performance.now();
    for (let i = 0; i < inner; i++) run();
    wall.push((performance.now() - t0) / inner);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000 / inner);
  }
  return { wall: median(wall), cpu: median(cpu) };
}
const fmtTime = (t) => `${t.wall.toFixed(3)} ms (cpu ${t.cpu.toFixed(3)})`;

/** The table: per phase, its wall time, its kernels and the rest (ms per step and share of the step). */
function table(title, steps, stepMs, extra = []) {
  const byPhase = new Map();
  for (const [key, ms] of spent) {
    const [ph, label] = key.split('\t');
    if (!byPhase.has(ph)) byPhase.set(ph, []);
    byPhase.get(ph).push({ label, ms: ms / steps, n: calls.get(key) / steps });
  }
  const rows = [];
  const pct = (ms) => `${((100 * ms) / stepMs).toFixed(1).padStart(5)}%`;
  const row = (label, ms, n = '') => rows.push(`  ${label.padEnd(44)} ${ms.toFixed(3).padStart(8)} ms ${pct(ms)} ${String(n).padStart(6)}`);
  let walls = 0;
  for (const [ph, items] of byPhase) {
    const wall = items.find((i) => i.label === '(wall)')?.ms ?? 0;
    walls += wall;
    const kernels = items.filter((i) => i.label !== '(wall)').sort((a, b) => b.ms - a.ms);
    const inKernels = kernels.reduce((s, i) => s + i.ms, 0);
    rows.push(`${ph}`);
    row('  (whole phase)', wall);
    for (const k of kernels) row(`  ${k.label}`, k.ms, k.n.toFixed(k.n % 1 ? 1 : 0));
    row('  outside kernels (recording, tensors, bookkeeping)', wall - inKernels);
  }
  for (const [label, ms] of extra) row(label, ms);
  console.log(`\n${title}: ${stepMs.toFixed(3)} ms a step${' '.repeat(21)}share  calls/step`);
  console.log(rows.join('\n'));
  console.log(`  ${'unaccounted (between phases, timer overhead)'.padEnd(44)} ${(stepMs - walls).toFixed(3).padStart(8)} ms ${pct(stepMs - walls)}`);
}

// ---- W2 --------------------------------------------------------------------------------------------
function w2() {
  const d = bench.mlpData(128);
  const plain = lib.mlpStep(d);
  for (let i = 0; i < 30; i++) plain();
  // The step as libs/tapegrad.ts writes it, with phase marks (forward = the loss function, sweep = the
  // rest of valueAndGrad, sgd = the noGrad update).
  const { sizes: S, m, lr } = d;
  const L = S.length - 1;
  const X = tg.tensor(d.X, { shape: [S[0], m] }), Y = tg.tensor(d.Y, { shape: [S[L], m] });
  let params = d.W.map((W, l) => ({ W: tg.tensor(W, { shape: [S[l + 1], S[l]] }), b: tg.tensor(d.b[l], { shape: [S[l + 1], 1] }) }));
  const loss = inPhase('forward', (ps) => {
    let A = X;
    ps.forEach((p, l) => {
      const Z = tg.matmul(p.W, A).add(p.b);
      A = l < L - 1 ? tg.sigmoid(Z) : Z;
    });
    return Y.mul(tg.logSoftmax(A, 0)).sum().mul(-1 / m);
  });
  const vg = tg.valueAndGrad(loss);
  const sweepAndForward = inPhase('sweep', (ps) => vg(ps));
  const update = inPhase('sgd', (grads) => tg.noGrad(() => params.map((p, l) => ({ W: p.W.sub(grads[l].W.mul(lr)), b: p.b.sub(grads[l].b.mul(lr)) }))));
  const step = () => {
    const [value, grads] = sweepAndForward(params);
    params = update(grads);
    return value.item();
  };
  for (let i = 0; i < 30; i++) step();
  // whole-step times, uninstrumented: the bench's step and the marked copy, alternating
  const plainT = [], markedT = [];
  for (let r = 0; r < 5; r++) {
    plainT.push(time(plain, 3, 20));
    markedT.push(time(step, 3, 20));
  }
  const med2 = (ts) => ({ wall: median(ts.map((t) => t.wall)), cpu: median(ts.map((t) => t.cpu)) });
  const restore = instrument();
  const steps = 200;
  for (let i = 0; i < 20; i++) step();
  spent.clear();
  calls.clear();
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) step();
  const instrumentedMs = (performance.now() - t0) / steps;
  // The sweep's wall time includes the forward (valueAndGrad runs it): take it out.
  const fwd = spent.get('forward\t(wall)');
  spent.set('sweep\t(wall)', spent.get('sweep\t(wall)') - fwd);
  sizes = [];
  step();
  const outs = sizes;
  sizes = null;
  restore();
  const allocMs = time(() => {
    for (const [C, n] of outs) new C(n);
  }, 9, 200).cpu;
  console.log(`W2 (threads ${threads}, backend ${JSON.stringify(tg.backend())}, load ${load()})`);
  console.log(`  bench step ${fmtTime(med2(plainT))}, marked copy ${fmtTime(med2(markedT))} (uninstrumented, alternating), instrumented ${instrumentedMs.toFixed(3)} ms`);
  table('W2 instrumented', steps, instrumentedMs, [[`allocation of the ${outs.length} kernel outputs (replayed)`, allocMs]]);
}

// ---- W4 --------------------------------------------------------------------------------------------
function w4(epochs = 100) {
  const d = bench.digitsData();
  const run = lib.digits(d, epochs);
  run();
  const plain = [];
  for (let r = 0; r < 3; r++) plain.push(time(run, 1, 1));
  const plainT = { wall: median(plain.map((t) => t.wall)), cpu: median(plain.map((t) => t.cpu)) };
  // Phases by wrapping the methods fit calls (the same classes the adapter uses).
  const patches = [
    [nn.Sequential.prototype, 'forward', 'forward'],
    [tg.Tensor.prototype, 'backward', 'backward'],
    [nn.Optimizer.prototype, 'step', 'adam step'],
    [nn.Optimizer.prototype, 'zeroGrad', 'zeroGrad'],
  ];
  const saved = patches.map(([obj, key]) => obj[key]);
  patches.forEach(([obj, key, name], i) => (obj[key] = function (...args) { return inPhase(name, (...a) => saved[i].apply(this, a))(...args); }));
  const restore = instrument();
  spent.clear();
  calls.clear();
  const fitWrapped = inPhase('fit', () => run());
  const t0 = performance.now();
  fitWrapped();
  const totalMs = performance.now() - t0;
  restore();
  patches.forEach(([obj, key], i) => (obj[key] = saved[i]));
  const batches = epochs * Math.ceil(d.mTrain / d.batch);
  // fit's own work = its wall time minus the phases inside it
  let inner = 0;
  for (const [k, ms] of spent) if (k.endsWith('\t(wall)') && !k.startsWith('fit\t')) inner += ms;
  spent.set('fit\t(wall)', spent.get('fit\t(wall)') - inner);
  console.log(`\nW4 (threads ${threads}, load ${load()}): ${epochs} epochs, ${batches} batches; uninstrumented ${(plainT.wall / 1000).toFixed(3)} s (cpu ${(plainT.cpu / 1000).toFixed(3)} s), instrumented ${(totalMs / 1000).toFixed(3)} s`);
  const perBatch = totalMs / batches;
  table('W4 instrumented, per batch ("fit": its own work, the batching, the loss, the final predict)', batches, perBatch);
}

if (which === 'w2' || which === 'both') w2();
if (which === 'w4' || which === 'both') w4();
