import { TapegradError } from '@tapegrad/core';

/**
 * Learning-rate schedules. A schedule is a plain function from the update step (0 for the first
 * update, counted by the optimizer's state) to a learning rate, so any `(step) => number` works and
 * schedules compose by ordinary function composition.
 */
export type Schedule = (step: number) => number;

function check(op: string, arg: string, value: number, ok: boolean, expected: string): void {
  if (!ok) throw new TapegradError(op, `expected ${expected}, got ${value}`, arg);
}

const checkLr = (op: string, lr: number): void => check(op, 'lr', lr, Number.isFinite(lr) && lr >= 0, 'a finite learning rate ≥ 0');

/**
 * The same learning rate at every step.
 *
 * @example
 * constantSchedule(0.1)(500); // 0.1
 */
export function constantSchedule(lr: number): Schedule {
  checkLr('constantSchedule', lr);
  return () => lr;
}

/**
 * Step decay (PyTorch's StepLR): lr · γ^⌊step / stepSize⌋.
 *
 * @example
 * const s = stepSchedule(0.1, { stepSize: 100, gamma: 0.5 });
 * s(99);  // 0.1
 * s(100); // 0.05
 */
export function stepSchedule(lr: number, { stepSize, gamma = 0.1 }: { stepSize: number; gamma?: number }): Schedule {
  checkLr('stepSchedule', lr);
  check('stepSchedule', 'stepSize', stepSize, Number.isInteger(stepSize) && stepSize > 0, 'a positive integer');
  check('stepSchedule', 'gamma', gamma, Number.isFinite(gamma) && gamma >= 0, 'a finite factor ≥ 0');
  return (step) => lr * gamma ** Math.floor(step / stepSize);
}

/**
 * Exponential decay (PyTorch's ExponentialLR, per update): lr · γ^step.
 *
 * @example
 * exponentialSchedule(1, 0.9)(2); // 0.81
 */
export function exponentialSchedule(lr: number, gamma: number): Schedule {
  checkLr('exponentialSchedule', lr);
  check('exponentialSchedule', 'gamma', gamma, Number.isFinite(gamma) && gamma >= 0, 'a finite factor ≥ 0');
  return (step) => lr * gamma ** step;
}

/**
 * Cosine annealing from `lr` down to `minLr` over `totalSteps` (PyTorch's CosineAnnealingLR without
 * restarts), then constant at `minLr`: minLr + (lr − minLr)·(1 + cos(π·min(step, T)/T)) / 2.
 *
 * @example
 * const s = cosineSchedule(1, { totalSteps: 100 });
 * s(0);   // 1
 * s(50);  // 0.5
 * s(100); // 0
 */
export function cosineSchedule(lr: number, { totalSteps, minLr = 0 }: { totalSteps: number; minLr?: number }): Schedule {
  checkLr('cosineSchedule', lr);
  check('cosineSchedule', 'totalSteps', totalSteps, Number.isInteger(totalSteps) && totalSteps > 0, 'a positive integer');
  check('cosineSchedule', 'minLr', minLr, Number.isFinite(minLr) && minLr >= 0 && minLr <= lr, `a finite number in [0, lr = ${lr}]`);
  return (step) => minLr + ((lr - minLr) * (1 + Math.cos((Math.PI * Math.min(step, totalSteps)) / totalSteps))) / 2;
}
