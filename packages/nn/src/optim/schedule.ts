import { checkNumber, checkOptions } from '../check.js';

/**
 * Learning-rate schedules. A schedule is a plain function from the update step (0 for the first
 * update, counted by the optimizer's state) to a learning rate, so any `(step) => number` works and
 * schedules compose by ordinary function composition.
 */
export type Schedule = (step: number) => number;

const checkLr = (op: string, lr: number): number => checkNumber(op, 'lr', lr, (v) => Number.isFinite(v) && v >= 0, 'a finite learning rate ≥ 0');

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
export function stepSchedule(lr: number, options: { stepSize: number; gamma?: number }): Schedule {
  checkLr('stepSchedule', lr);
  const { stepSize, gamma = 0.1 } = checkOptions('stepSchedule', options);
  checkNumber('stepSchedule', 'stepSize', stepSize, (v) => Number.isInteger(v) && v > 0, 'a positive integer');
  checkNumber('stepSchedule', 'gamma', gamma, (v) => Number.isFinite(v) && v >= 0, 'a finite factor ≥ 0');
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
  checkNumber('exponentialSchedule', 'gamma', gamma, (v) => Number.isFinite(v) && v >= 0, 'a finite factor ≥ 0');
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
export function cosineSchedule(lr: number, options: { totalSteps: number; minLr?: number }): Schedule {
  checkLr('cosineSchedule', lr);
  const { totalSteps, minLr = 0 } = checkOptions('cosineSchedule', options);
  checkNumber('cosineSchedule', 'totalSteps', totalSteps, (v) => Number.isInteger(v) && v > 0, 'a positive integer');
  checkNumber('cosineSchedule', 'minLr', minLr, (v) => Number.isFinite(v) && v >= 0 && v <= lr, `a finite number in [0, lr = ${lr}]`);
  return (step) => minLr + ((lr - minLr) * (1 + Math.cos((Math.PI * Math.min(step, totalSteps)) / totalSteps))) / 2;
}
