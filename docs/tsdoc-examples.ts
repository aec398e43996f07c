/**
 * Turns a TSDoc `@example` into code that runs and checks what its comments promise, so the examples
 * of the public API cannot drift from the library (tsdoc-examples.test.ts runs them all).
 *
 * - A line `expr; // value` becomes a check that expr equals value, and `const y = expr; // value` a
 *   check of y, when the value is a plain literal: numbers (NaN, ±Infinity, -0), strings, true, false,
 *   null, and arrays or objects of these; several values separated by commas state an array (`split`'s
 *   result). Anything else after `//` (`// shape [2, 5]`, `// π/4`) is
 *   prose and is not checked. A note in parentheses after two spaces is ignored: `// [1, 2]  (why)`.
 * - Numbers compare to the precision they are printed with: 0.731 means ±0.0005, and 2.718… (cut, not
 *   rounded) means within 0.001; exponent notation (9.358e-14) is relative to the printed mantissa.
 *   A Tensor compares by `toArray()`, a typed array as an array; an expected object names the keys it checks.
 *   A flat list of numbers after a tensor of two or more dimensions is its shape (`// [1, 1, 3, 3]`).
 * - `import` lines are dropped: the test puts every public export in scope.
 */
import ts from 'typescript';
import { Tensor } from '@tapegrad/core';

/** An expected number with the tolerance its printed form allows. */
export interface Approx {
  readonly value: number;
  readonly tol: number;
  readonly relative: boolean;
}

const NUMBER = /^-?(?:\d+(?:\.(\d+))?(?:e[-+]?\d+)?…?|NaN|Infinity)$/i;
const TOKEN = /\s*(?:('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")|(-?(?:\d+(?:\.\d+)?(?:e[-+]?\d+)?…?|NaN|Infinity))|(true|false|null)|([[\]{},:])|([A-Za-z_$][\w$]*)(?=\s*:))/y;

/** The number a printed form such as `2.718…` or `9.358e-14` promises, with its tolerance. */
export function approx(text: string): Approx {
  if (!NUMBER.test(text)) throw new Error(`not a number: ${text}`);
  const cut = text.endsWith('…');
  const body = cut ? text.slice(0, -1) : text;
  const decimals = /\.(\d+)/.exec(body)?.[1].length ?? 0;
  const relative = /e/i.test(body);
  const unit = 10 ** -decimals;
  return { value: Number(body), tol: cut ? unit : unit / 2, relative };
}

/**
 * The value a comment states, or undefined when the comment is prose. Numbers become `Approx`; the
 * rest is the literal's JavaScript value.
 */
export function parseValue(comment: string): { value: unknown } | undefined {
  const text = comment.replace(/\s{2,}\(.*\)\s*$/, '').trim();
  if (text === '') return undefined;
  let js = '';
  const numbers: Approx[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(text);
    if (m === null || m.index !== at) return undefined;
    const [, str, num, word, punct, key] = m;
    if (str !== undefined) js += str;
    else if (num !== undefined) {
      numbers.push(approx(num));
      js += `__n[${numbers.length - 1}]`;
    } else js += word ?? punct ?? JSON.stringify(key);
    if (text.slice(TOKEN.lastIndex).trim() === '') break;
  }
  try {
    // several values separated by commas (`// [1, 2], [3, 4]`) state an array's elements
    const values = new Function('__n', `return [${js}];`)(numbers) as unknown[];
    return { value: values.length === 1 ? values[0] : values };
  } catch {
    return undefined;
  }
}

const plain = (v: unknown): unknown => (v instanceof Tensor ? v.toArray() : ArrayBuffer.isView(v) && !(v instanceof DataView) ? Array.from(v as unknown as ArrayLike<number>) : v);

/** Whether `actual` is what `expected` (from parseValue) promises. */
export function matches(actual: unknown, expected: unknown): boolean {
  // a flat list of numbers stated for a tensor of two or more dimensions cannot be its value: it is its shape
  if (actual instanceof Tensor && actual.ndim > 1 && Array.isArray(expected) && expected.every((e) => e !== null && typeof e === 'object' && 'tol' in e)) {
    return matches([...actual.shape], expected);
  }
  const a = plain(actual);
  if (expected !== null && typeof expected === 'object' && 'tol' in expected) {
    const e = expected as Approx;
    if (typeof a !== 'number') return false;
    if (Number.isNaN(e.value) || !Number.isFinite(e.value)) return Object.is(a, e.value) || (Number.isNaN(e.value) && Number.isNaN(a));
    const tol = e.relative ? e.tol * 10 ** Math.floor(Math.log10(Math.abs(e.value))) : e.tol;
    return Math.abs(a - e.value) <= tol + 1e-12 * Math.abs(e.value);
  }
  if (Array.isArray(expected)) return Array.isArray(a) && a.length === expected.length && expected.every((x, i) => matches(a[i], x));
  if (expected !== null && typeof expected === 'object') {
    return a !== null && typeof a === 'object' && Object.keys(expected).every((k) => matches((a as Record<string, unknown>)[k], (expected as Record<string, unknown>)[k]));
  }
  return a === expected;
}

const CHECKED = /^(\s*)(.*?);\s*\/\/\s?(.*)$/;
const DECLARED = /^(?:const|let)\s+([A-Za-z_$][\w$]*)\s*(?::[^=]+)?=/;

/**
 * The example as a JavaScript function body: `__check(i, actual)` after each line whose comment states
 * a value (`expected[i]`), TypeScript types stripped. `checks` counts them, so a test can see that
 * every one ran.
 */
export function compileExample(code: string): { js: string; expected: unknown[]; lines: string[] } {
  const expected: unknown[] = [];
  const lines: string[] = [];
  const out: string[] = [];
  for (const line of code.split('\n')) {
    if (/^\s*import\s.*\sfrom\s/.test(line)) continue;
    const m = CHECKED.exec(line);
    const value = m ? parseValue(m[3]) : undefined;
    if (!m || value === undefined) {
      out.push(line);
      continue;
    }
    const [, indent, statement] = m;
    const declared = DECLARED.exec(statement.trim());
    const i = expected.length;
    expected.push(value.value);
    lines.push(line.trim());
    out.push(declared ? `${indent}${statement}; __check(${i}, ${declared[1]});` : `${indent}__check(${i}, (${statement}));`);
  }
  const js = ts.transpileModule(out.join('\n'), { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext } }).outputText;
  return { js, expected, lines };
}
