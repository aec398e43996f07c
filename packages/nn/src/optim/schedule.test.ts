import { describe, expect, it } from 'vitest';
import { constantSchedule, cosineSchedule, exponentialSchedule, stepSchedule } from '@tapegrad/nn';

describe('learning-rate schedules: known values', () => {
  it('constant', () => {
    const s = constantSchedule(0.1);
    expect([0, 1, 1000].map(s)).toEqual([0.1, 0.1, 0.1]);
  });
  it('step decay: lr·γ^⌊step/stepSize⌋', () => {
    const s = stepSchedule(0.1, { stepSize: 3, gamma: 0.5 });
    expect([0, 2, 3, 5, 6, 9].map(s)).toEqual([0.1, 0.1, 0.05, 0.05, 0.025, 0.0125]);
    expect(stepSchedule(1, { stepSize: 1 })(2)).toBeCloseTo(0.01, 15); // PyTorch's default γ = 0.1
  });
  it('exponential: lr·γ^step', () => {
    const s = exponentialSchedule(2, 0.5);
    expect([0, 1, 2, 10].map(s)).toEqual([2, 1, 0.5, 2 / 1024]);
  });
  it('cosine: from lr to minLr over totalSteps, then flat', () => {
    const s = cosineSchedule(1, { totalSteps: 4, minLr: 0.2 });
    // cos(π·k/4) = 1, √2/2, 0, −√2/2, −1
    const want = [1, 0.2 + 0.8 * (1 + Math.SQRT1_2) / 2, 0.6, 0.2 + 0.8 * (1 - Math.SQRT1_2) / 2, 0.2, 0.2];
    [0, 1, 2, 3, 4, 100].forEach((step, i) => expect(s(step)).toBeCloseTo(want[i], 15));
  });
  it('rejects bad arguments, naming them', () => {
    expect(() => stepSchedule(0.1, { stepSize: 0 })).toThrow(/stepSchedule: argument 'stepSize'/);
    expect(() => cosineSchedule(0.1, { totalSteps: 10, minLr: 1 })).toThrow(/argument 'minLr'/);
    expect(() => constantSchedule(-1)).toThrow(/argument 'lr'/);
  });
});
