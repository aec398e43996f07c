import { TapegradError } from '@tapegrad/core';

/**
 * nn's shared argument checks, beyond core's `fmtShape` and `sameShape`: every message names the op,
 * the argument and the value it got, shown so that `'2'` and `2` read differently.
 */

/** A value as an error message shows it: a string quoted, a number as it is, an object by its kind. */
export function describeValue(v: unknown): string {
  if (v === null || v === undefined || typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'bigint') return `the bigint ${v}n`;
  if (typeof v === 'function') return 'a function';
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (typeof v === 'object') return `an object (${Object.getPrototypeOf(v)?.constructor?.name ?? 'no prototype'})`;
  return typeof v;
}

/** An options argument: `undefined` (every default) or an object; anything else is a typed error. */
export function checkOptions<T extends object>(op: string, options: T | undefined, arg = 'options'): T {
  if (options === undefined) return {} as T;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TapegradError(op, `expected an object of options, got ${describeValue(options)}`, arg);
  }
  return options;
}

/** A number that passes `ok`, else a typed error saying what was expected and what came. */
export function checkNumber(op: string, arg: string, value: unknown, ok: (v: number) => boolean, expected: string): number {
  if (typeof value !== 'number' || !ok(value)) throw new TapegradError(op, `expected ${expected}, got ${describeValue(value)}`, arg);
  return value;
}

/** A boolean option (absent means `fallback`). */
export function checkBoolean(op: string, arg: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new TapegradError(op, `expected true or false, got ${describeValue(value)}`, arg);
  return value;
}

/** `'a', 'b'`: names as messages list them. */
export const quoted = (names: readonly string[]): string => names.map((k) => `'${k}'`).join(', ');
