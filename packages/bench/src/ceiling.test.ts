import { describe, expect, it } from 'vitest';
import { ACC, UNROLL, ceilingFigures, ceilingKernels, ceilingLines, ceilingModule, flopsPerTrip, hasRelaxedSimd, measureCeiling } from './ceiling.js';
import type { Report } from './report.js';
import { targets } from './targets.js';

type Figure = Report['figures'][number];

// m and c are not exact in binary, so every mul and add rounds, and float32 rounding differs from float64's.
const m = 0.9, c = 0.3;

/** What a kernel returns after `trips` trips, redone in JS: `round` rounds to the lane type. */
function reference(trips: number, lanes: number, round: (x: number) => number): number {
  const [mm, cc] = [round(m), round(c)];
  let sum = 0;
  for (let j = 0; j < ACC; j++) {
    let acc = j + 1;
    for (let t = 0; t < trips * UNROLL; t++) acc = round(round(acc * mm) + cc);
    for (let l = 0; l < lanes; l++) sum += acc;
  }
  return sum;
}

describe('the SIMD ceiling kernels', () => {
  const kernels = ceilingKernels();

  it('compute acc·m + c on every accumulator, rounding as float32 and float64 lanes do', () => {
    for (const trips of [1, 2, 7]) {
      expect(kernels.f32!(trips, m, c)).toBe(reference(trips, 4, Math.fround));
      expect(kernels.f64!(trips, m, c)).toBe(reference(trips, 2, (x) => x));
    }
    // the float32 lanes really are float32: the double-precision result differs
    expect(kernels.f32!(7, m, c)).not.toBe(reference(7, 4, (x) => x));
  });

  it.skipIf(!hasRelaxedSimd())('compute the same with relaxed_madd, fused or not, within one rounding per step', () => {
    for (const trips of [1, 7]) {
      expect(kernels.f32Relaxed!(trips, m, c)).toBeCloseTo(reference(trips, 4, Math.fround), 4);
      expect(kernels.f64Relaxed!(trips, m, c)).toBeCloseTo(reference(trips, 2, (x) => x), 12);
    }
  });

  it('are built only where the engine validates them', () => {
    expect(WebAssembly.validate(ceilingModule(['f32', 'f64']))).toBe(true);
    expect('f32Relaxed' in kernels).toBe(hasRelaxedSimd());
  });

  it('count two flops per lane of each multiply-add', () => {
    expect(flopsPerTrip('f32')).toBe(2 * 4 * ACC * UNROLL);
    expect(flopsPerTrip('f64Relaxed')).toBe(2 * 2 * ACC * UNROLL);
  });

  it('report GFLOP/s for both lane types', () => {
    const ceiling = measureCeiling({ reps: 1, minMs: 1 });
    expect(ceiling.f32).toBeGreaterThan(0);
    expect(ceiling.f64).toBeGreaterThan(0);
    expect(Number.isFinite(ceiling.f32) && Number.isFinite(ceiling.f64)).toBe(true);
  });
});

describe('ceilingLines', () => {
  it('gives single-thread W1 figures of tapegrad as fractions of their type’s ceiling', () => {
    const figures: Figure[] = [
      { row: 'W1 matmul n=1024 float32, tapegrad 1 thread', unit: 'GFLOP/s', lib: 'tapegrad', value: 30 },
      { row: 'W1 matmul n=1024 float32, tapegrad 2 threads', unit: 'GFLOP/s', lib: 'tapegrad', value: 55 },
      { row: 'W1 matmul n=1024 float32, tapegrad 1 thread', unit: 'GFLOP/s', lib: 'tfjs-wasm', value: 12 },
      { row: 'W1 matmul n=512 float64', unit: 'GFLOP/s', lib: 'tapegrad', value: 15 },
    ];
    expect(ceilingLines({ f32: 40, f64: 20 }, figures)).toEqual([
      'WebAssembly SIMD ceiling (GFLOP/s, one thread, mul + add): f32x4 40.0; f64x2 20.0',
      '  W1 matmul n=1024 float32, tapegrad 1 thread: 30.0 GFLOP/s = 75% of the ceiling',
      '  W1 matmul n=512 float64: 15.0 GFLOP/s = 75% of the ceiling',
    ]);
    expect(ceilingLines({ f32: 40, f64: 20, f32Relaxed: 50 }, figures.slice(0, 1))).toEqual([
      'WebAssembly SIMD ceiling (GFLOP/s, one thread, mul + add): f32x4 40.0, relaxed_madd 50.0; f64x2 20.0',
      '  W1 matmul n=1024 float32, tapegrad 1 thread: 30.0 GFLOP/s = 75% of the ceiling, 60% of relaxed_madd\'s',
    ]);
  });
});

describe('ceilingFigures', () => {
  it('puts the ceiling under the rows the W1 targets judge against', () => {
    const rows = ceilingFigures({ f32: 40, f64: 20, f32Relaxed: 50 });
    expect(rows).toEqual([
      { row: 'W1 WebAssembly SIMD ceiling float32', unit: 'GFLOP/s', lib: 'tapegrad', value: 40 },
      { row: 'W1 WebAssembly SIMD ceiling float64', unit: 'GFLOP/s', lib: 'tapegrad', value: 20 },
      { row: 'W1 WebAssembly SIMD ceiling float32, relaxed_madd', unit: 'GFLOP/s', lib: 'tapegrad', value: 50 },
    ]);
    const w1 = { row: 'W1 matmul n=512 float32, tapegrad 1 thread', unit: 'GFLOP/s', lib: 'tapegrad' as const, value: 36 };
    const judged = targets([w1, ...rows], [512]).find((t) => t.target.startsWith('W1 float32'));
    expect(judged).toMatchObject({ met: true, measured: 'n=512 90% of 40 GFLOP/s' });
  });
});
