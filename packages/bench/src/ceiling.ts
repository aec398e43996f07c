/**
 * The machine's WebAssembly SIMD ceiling: GFLOP/s of a WASM loop that does nothing but independent
 * 128-bit multiply-adds on registers, so W1 can be reported as a fraction of what the engine's SIMD
 * allows on this core (not of a C compiler's or of 256-bit AVX).
 *
 * The module is assembled here, byte by byte (a few hundred bytes; no compiler involved, so V8 sees
 * exactly these instructions). Each kernel keeps ACC accumulators in v128 locals and updates every one
 * UNROLL times per loop trip with acc = acc·m + c (lane-wise; `f32x4.mul` then `f32x4.add`, or one
 * `relaxed_madd`). The chains are independent; a mul then an add take 3 + 3 cycles on Zen, whose 2 mul
 * and 2 add pipes need 12 chains in flight, and 13 accumulators with m and c use all 15 xmm registers
 * V8 allocates on x64 (measured on Zen 3 with Node 20: 8 chains reach 70% of 13's, 16 spill and lose
 * 20%). acc·m + c with 0 < m < 1 converges, so no value overflows or goes subnormal, and every product
 * depends on the previous trip, so the engine can neither hoist nor merge any of them. A form whose
 * products are loop-invariant (acc += m·c) runs faster, but only because V8 merges the equal products.
 * On Zen 3 the relaxed_madd kernel runs ~10% faster than mul + add: one instruction instead of two.
 */

import type { Report } from './report.js';
import { ceilingRow } from './targets.js';

/** Independent accumulator chains (v128 locals) of the ceiling loop. */
export const ACC = 13;
/** Updates of every accumulator per loop trip, so the loop's own counter costs little. */
export const UNROLL = 2;

/** The ceiling kernels: `f32` is f32x4.mul + f32x4.add, `f32Relaxed` is f32x4.relaxed_madd. */
export type CeilingKernel = 'f32' | 'f64' | 'f32Relaxed' | 'f64Relaxed';
const KERNELS: readonly CeilingKernel[] = ['f32', 'f64', 'f32Relaxed', 'f64Relaxed'];

/** GFLOP/s of each kernel; the relaxed ones only where the engine validates relaxed SIMD. */
export interface Ceiling {
  f32: number;
  f64: number;
  f32Relaxed?: number;
  f64Relaxed?: number;
}

const uleb = (x: number): number[] => {
  const out: number[] = [];
  do {
    let byte = x & 0x7f;
    x >>>= 7;
    if (x !== 0) byte |= 0x80;
    out.push(byte);
  } while (x !== 0);
  return out;
};
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const name = (s: string): number[] => [...uleb(s.length), ...[...s].map((ch) => ch.charCodeAt(0))];

const I32 = 0x7f, F64 = 0x7c, V128 = 0x7b;
const LOCAL_GET = 0x20, LOCAL_SET = 0x21, LOCAL_TEE = 0x22;
const simd = (op: number, ...imm: number[]): number[] => [0xfd, ...uleb(op), ...imm];
/** Opcodes after the 0xfd prefix, per lane type (WebAssembly SIMD and relaxed-SIMD proposals). */
const OPS = {
  f32: { splat: 0x13, extract: 0x1f, lanes: 4, add: 0xe4, mul: 0xe6, madd: 0x105 },
  f64: { splat: 0x14, extract: 0x21, lanes: 2, add: 0xf0, mul: 0xf2, madd: 0x107 },
};

/**
 * kernel(trips: i32, m: f64, c: f64) → f64: runs `trips` ≥ 1 loop trips on ACC accumulators that
 * start at 1, 2, …, ACC in every lane, and returns the sum of all their lanes (in double, accumulator
 * by accumulator, lane by lane), so the work is observable and a test can redo it in JS.
 */
function kernelBody(kind: CeilingKernel): number[] {
  const lane = kind.startsWith('f32') ? 'f32' : 'f64';
  const op = OPS[lane];
  const relaxed = kind.endsWith('Relaxed');
  const toLane = lane === 'f32' ? [0xb6] : []; // f32.demote_f64
  // params: 0 trips, 1 m, 2 c; v128 locals: 3 m, 4 c, 5… accumulators
  const M = 3, C = 4, acc = (j: number) => 5 + j;
  const code: number[] = [];
  code.push(LOCAL_GET, 1, ...toLane, ...simd(op.splat), LOCAL_SET, M);
  code.push(LOCAL_GET, 2, ...toLane, ...simd(op.splat), LOCAL_SET, C);
  for (let j = 0; j < ACC; j++) {
    const init = new Uint8Array(new Float64Array([j + 1]).buffer);
    code.push(0x44, ...init, ...toLane, ...simd(op.splat), LOCAL_SET, acc(j)); // f64.const j+1
  }
  code.push(0x03, 0x40); // loop
  for (let u = 0; u < UNROLL; u++) {
    for (let j = 0; j < ACC; j++) {
      code.push(LOCAL_GET, acc(j), LOCAL_GET, M);
      if (relaxed) code.push(LOCAL_GET, C, ...simd(op.madd));
      else code.push(...simd(op.mul), LOCAL_GET, C, ...simd(op.add));
      code.push(LOCAL_SET, acc(j));
    }
  }
  // trips -= 1; continue while trips ≠ 0
  code.push(LOCAL_GET, 0, 0x41, 1, 0x6b, LOCAL_TEE, 0, 0x0d, 0, 0x0b);
  code.push(0x44, ...new Array(8).fill(0)); // f64.const 0
  for (let j = 0; j < ACC; j++) {
    for (let l = 0; l < op.lanes; l++) {
      code.push(LOCAL_GET, acc(j), ...simd(op.extract, l));
      if (lane === 'f32') code.push(0xbb); // f64.promote_f32
      code.push(0xa0); // f64.add
    }
  }
  code.push(0x0b);
  const locals = vec([[...uleb(2 + ACC), V128]]);
  return [...uleb(locals.length + code.length), ...locals, ...code];
}

/** The module exporting the given kernels under their names. */
export function ceilingModule(kinds: readonly CeilingKernel[]): Uint8Array<ArrayBuffer> {
  const type = [0x60, ...vec([[I32], [F64], [F64]]), ...vec([[F64]])];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([type])),
    ...section(3, vec(kinds.map(() => [0]))),
    ...section(7, vec(kinds.map((k, i) => [...name(k), 0x00, ...uleb(i)]))),
    ...section(10, vec(kinds.map(kernelBody))),
  ]);
}

/** Whether the engine validates relaxed SIMD (f32x4.relaxed_madd): Chromium ≥ 114, Node ≥ 22, or an
 * older Node run with --experimental-wasm-relaxed-simd. */
export function hasRelaxedSimd(): boolean {
  return typeof WebAssembly === 'object' && WebAssembly.validate(ceilingModule(['f32Relaxed']));
}

export type CeilingFn = (trips: number, m: number, c: number) => number;

/** The compiled kernels: the plain ones always, the relaxed ones where the engine has relaxed SIMD. */
export function ceilingKernels(): Partial<Record<CeilingKernel, CeilingFn>> {
  const kinds = KERNELS.filter((k) => !k.endsWith('Relaxed') || hasRelaxedSimd());
  const { exports } = new WebAssembly.Instance(new WebAssembly.Module(ceilingModule(kinds)));
  return exports as unknown as Partial<Record<CeilingKernel, CeilingFn>>;
}

/** Floating-point operations of one loop trip (a multiply-add counts two per lane). */
export function flopsPerTrip(kind: CeilingKernel): number {
  return 2 * OPS[kind.startsWith('f32') ? 'f32' : 'f64'].lanes * ACC * UNROLL;
}

/**
 * Measures each kernel: after warm-up calls (V8 first runs WASM in its baseline compiler and swaps in
 * optimized code for later calls), trips are doubled until a call takes at least `minMs`, then the best
 * of `reps` calls counts. The best, not the median: a ceiling is what the core can do, and on a shared
 * machine only the least disturbed call shows that.
 */
export function measureCeiling(opts: { reps?: number; minMs?: number } = {}): Ceiling {
  const { reps = 5, minMs = 20 } = opts;
  const out: Partial<Record<CeilingKernel, number>> = {};
  for (const [kind, fn] of Object.entries(ceilingKernels()) as [CeilingKernel, CeilingFn][]) {
    const warm = performance.now();
    while (performance.now() - warm < minMs) fn(1024, 0.75, 0.5);
    let trips = 1024;
    for (;;) {
      const t0 = performance.now();
      fn(trips, 0.75, 0.5);
      if (performance.now() - t0 >= minMs || trips >= 2 ** 30) break;
      trips *= 2;
    }
    let best = Infinity;
    for (let r = 0; r < reps; r++) {
      const t0 = performance.now();
      fn(trips, 0.75, 0.5);
      best = Math.min(best, performance.now() - t0);
    }
    out[kind] = (trips * flopsPerTrip(kind)) / (best * 1e6);
  }
  return out as Ceiling;
}

type Figure = Report['figures'][number];

/**
 * Lines for the bench's output: the ceiling, then each single-thread W1 figure of tapegrad as a
 * fraction of the ceiling of its type (and of the relaxed one, where the engine has relaxed SIMD).
 */
export function ceilingLines(ceiling: Ceiling, figures: readonly Figure[]): string[] {
  const g = (x: number): string => x.toFixed(1);
  const pct = (x: number): string => `${Math.round(100 * x)}%`;
  const relaxed = (t: 'f32' | 'f64'): string => {
    const r = ceiling[`${t}Relaxed`];
    return r === undefined ? '' : `, relaxed_madd ${g(r)}`;
  };
  const lines = [`WebAssembly SIMD ceiling (GFLOP/s, one thread, mul + add): f32x4 ${g(ceiling.f32)}${relaxed('f32')}; f64x2 ${g(ceiling.f64)}${relaxed('f64')}`];
  for (const f of figures) {
    const w1 = /^W1 matmul n=(\d+) float(32|64)(, tapegrad 1 thread)?$/.exec(f.row);
    if (!w1 || f.lib !== 'tapegrad' || f.unit !== 'GFLOP/s') continue;
    const t = w1[2] === '32' ? 'f32' : 'f64';
    const r = ceiling[`${t}Relaxed`];
    lines.push(`  ${f.row}: ${g(f.value)} GFLOP/s = ${pct(f.value / ceiling[t])} of the ceiling${r === undefined ? '' : `, ${pct(f.value / r)} of relaxed_madd's`}`);
  }
  return lines;
}

/** The ceiling as figures of the run (tapegrad's column, GFLOP/s), under the rows targets.ts judges W1 against. */
export function ceilingFigures(ceiling: Ceiling): Figure[] {
  const rows: Figure[] = [
    { row: ceilingRow('float32'), unit: 'GFLOP/s', lib: 'tapegrad', value: ceiling.f32 },
    { row: ceilingRow('float64'), unit: 'GFLOP/s', lib: 'tapegrad', value: ceiling.f64 },
  ];
  if (ceiling.f32Relaxed !== undefined) rows.push({ row: `${ceilingRow('float32')}, relaxed_madd`, unit: 'GFLOP/s', lib: 'tapegrad', value: ceiling.f32Relaxed });
  if (ceiling.f64Relaxed !== undefined) rows.push({ row: `${ceilingRow('float64')}, relaxed_madd`, unit: 'GFLOP/s', lib: 'tapegrad', value: ceiling.f64Relaxed });
  return rows;
}
