/**
 * setNumThreads clamps to the cores (issue 8): more threads than cores only take turns, so
 * setNumThreads(64) on a 2-core machine gives 2, and says so in its return value and backend().
 */
import { availableParallelism } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { backend, setNumThreads, TapegradError } from '@tapegrad/core';
import { coreCount, defaultThreads, numThreads } from './wasm-threads.js';
import { sharedRuntime } from './wasm-runtime.js';

describe('setNumThreads', () => {
  afterAll(() => setNumThreads(defaultThreads()));

  it('clamps to the number of cores and returns the number in effect', () => {
    expect(coreCount()).toBe(availableParallelism());
    expect(setNumThreads(64)).toBe(Math.min(64, availableParallelism()));
    expect(numThreads()).toBe(Math.min(64, availableParallelism()));
    if (backend().kernels === 'wasm-simd' && sharedRuntime() !== null) expect(backend().threads).toBe(numThreads());
    expect(setNumThreads(1)).toBe(1);
    expect(backend().threads).toBe(1);
  });

  it('rejects a string, quoting it, and other non-integers', () => {
    expect(() => setNumThreads('2' as unknown as number)).toThrow(TapegradError);
    expect(() => setNumThreads('2' as unknown as number)).toThrow("setNumThreads: argument 'n': n must be an integer ≥ 1, got \"2\"");
    expect(() => setNumThreads(NaN)).toThrow('got NaN');
    expect(numThreads()).toBe(1); // a rejected call changes nothing
  });

  it('caps TAPEGRAD_THREADS at the workers the control block has room for', () => {
    const saved = process.env.TAPEGRAD_THREADS;
    try {
      process.env.TAPEGRAD_THREADS = '1000';
      expect(defaultThreads()).toBe(65);
    } finally {
      if (saved === undefined) delete process.env.TAPEGRAD_THREADS;
      else process.env.TAPEGRAD_THREADS = saved;
    }
  });
});
