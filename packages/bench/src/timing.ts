import type { Measurement } from './protocol.js';

export interface MeasureOptions {
  reps: number;
  warmup: number;
  minRepMs: number;
  /** Seconds the timed repetitions may take, judged from the last warm-up call (Infinity: no limit). */
  budget?: number;
}

/** Thrown by `measure` when the repetitions would take longer than the budget; carries the warm-up
 * calls' times as a stand-in measurement. */
export class OverBudget extends Error {
  constructor(readonly warmups: Measurement, readonly estimate: number, readonly budget: number) {
    super(`the ${warmups.reps} warm-up calls took ${warmups.median.toPrecision(3)} s each (median), so ${Math.round(estimate)} s of repetitions would be over the budget of ${budget} s a case: the figure is their median`);
  }
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
};

/**
 * Times `run` (which must force its result, e.g. by reading it back): `warmup` untimed calls, then
 * `reps` repetitions of `inner` calls each, where `inner` is chosen from the last warm-up call so a
 * repetition lasts at least `minRepMs` (one call when there is no warm-up). Returns the median (and min) seconds per call.
 */
export function measure(run: () => unknown, opts: MeasureOptions): Measurement {
  let last = 0;
  const warm: number[] = [];
  for (let i = 0; i < opts.warmup; i++) {
    const t0 = performance.now();
    run();
    last = performance.now() - t0;
    warm.push(last / 1000);
  }
  const estimate = (last / 1000) * opts.reps;
  if (opts.budget !== undefined && opts.warmup > 0 && estimate > opts.budget) {
    throw new OverBudget({ median: median(warm), min: Math.min(...warm), reps: warm.length, inner: 1 }, estimate, opts.budget);
  }
  const inner = Math.min(10_000, Math.max(1, Math.ceil(opts.minRepMs / Math.max(last, 1e-3))));
  const times: number[] = [];
  for (let r = 0; r < opts.reps; r++) {
    const t0 = performance.now();
    for (let i = 0; i < inner; i++) run();
    times.push((performance.now() - t0) / 1000 / inner);
  }
  return { median: median(times), min: Math.min(...times), reps: opts.reps, inner };
}
