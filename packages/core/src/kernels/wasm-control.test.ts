import { describe, expect, it } from 'vitest';
import * as layout from './wasm-control.js';

const JOB_FIELDS = [
  'NEXT', 'COMPLETED', 'ELEM', 'NCHUNKS', 'BY_ROWS', 'CHUNK', 'EXTENT', 'TRANS_A', 'TRANS_B', 'M', 'N', 'K',
  'A', 'LDA', 'B', 'LDB', 'C', 'LDC', 'WORK0', 'WORK_BYTES', 'PACKED_B',
] as const;
const POOL_WORDS = ['SEQ', 'FAILED', 'JOB_THREADS'] as const;

describe('the control block layout', () => {
  it('gives every job field its own aligned i32 inside the job', () => {
    const offsets = JOB_FIELDS.map((name) => layout[name]);
    expect(new Set(offsets).size).toBe(JOB_FIELDS.length);
    for (const offset of offsets) {
      expect(offset % 4).toBe(0);
      expect(offset).toBeGreaterThanOrEqual(0);
      expect(offset + 4).toBeLessThanOrEqual(layout.JOB_BYTES);
    }
  });

  it('keeps the job, the pool words and the ready words apart, below the heap', () => {
    // Word ranges [start, end) in bytes, sorted: none may overlap the next.
    const ranges = [
      [layout.JOB, layout.JOB + layout.JOB_BYTES],
      ...POOL_WORDS.map((name) => [layout[name], layout[name] + 4]),
      [layout.READY, layout.READY + 4 * layout.MAX_WORKERS],
    ].sort((x, y) => x[0] - y[0]);
    for (let i = 1; i < ranges.length; i++) expect(ranges[i][0]).toBeGreaterThanOrEqual(ranges[i - 1][1]);
    for (const [start] of ranges) expect(start % 4).toBe(0);
    expect(ranges[ranges.length - 1][1]).toBe(layout.CONTROL_END);
    expect(layout.CONTROL_END).toBeLessThanOrEqual(layout.HEAP_START);
  });
});
