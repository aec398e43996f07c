import { Tensor } from '@tapegrad/core';

/** Deep comparison used by the docs' `// → value` comments; numbers to ±½ of the last printed digit. */
export function __expect(actual: unknown, expected: unknown, decimals: number, where: string): void {
  const close = (a: number, e: number): boolean =>
    decimals < 0 ? Math.abs(a - e) <= 1e-6 * Math.abs(e) : Math.abs(a - e) <= 0.5 * 10 ** -decimals + 1e-12;
  const norm = (v: unknown): unknown => (v instanceof Tensor ? v.toArray() : v);
  const same = (a: unknown, e: unknown): boolean => {
    a = norm(a);
    if (typeof e === 'number' && typeof a === 'number') {
      return Number.isNaN(e) ? Number.isNaN(a) : a === e || close(a, e);
    }
    if (Array.isArray(e)) return Array.isArray(a) && a.length === e.length && e.every((x, i) => same(a[i], x));
    if (e !== null && typeof e === 'object') {
      return a !== null && typeof a === 'object' && Object.keys(e).every((k) => same((a as Record<string, unknown>)[k], (e as Record<string, unknown>)[k]));
    }
    return a === e;
  };
  if (!same(actual, expected)) {
    throw new Error(`docs example ${where}: got ${JSON.stringify(norm(actual))}, the page says ${JSON.stringify(expected)}`);
  }
}
