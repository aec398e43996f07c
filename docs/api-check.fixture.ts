// Exports for api-check.test.ts: one of each kind the check must tell apart. Not part of any package.
// (A line comment: a file's leading /** */ comment would count as the doc comment of `bare`.)

export const bare = 1;

/** A value with a doc comment but no example. */
export const noExample = 2;

/** A class with a doc comment but no example. */
export class NoExampleClass {}

/**
 * A value with a doc comment and an example.
 *
 * @example
 * documented; // 3
 */
export const documented = 3;

export type BareType = number;

/** A type needs a doc comment, not an example. */
export interface DocumentedType {
  n: number;
}

export * as space from './api-check.fixture-space.js';
