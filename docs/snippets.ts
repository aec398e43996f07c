/**
 * Turns the TypeScript code blocks of a Markdown page into one runnable module, so every example in
 * the docs is executed by the test suite (docs.test.ts) and cannot drift from the library.
 *
 * - Blocks fenced as ```ts run in page order, each in its own block scope; a page that contains
 *   `<!-- docs-test: shared-scope -->` runs them in one shared scope instead (a guide's later steps use
 *   earlier variables). Import lines are merged and hoisted. ```ts no-run blocks are shown, not run.
 * - A line `console.log(expr); // → expected` becomes a check that expr equals the expected JS value;
 *   numbers compare to the precision the page prints them with (0.731 means ±0.0005;
 *   exponent notation such as 1.5e-7 means to a relative 1e-6).
 */
export interface Snippet {
  code: string;
  blocks: number;
}

const FENCE = /^```(\S*)([^\n]*)\n([\s\S]*?)^```\s*$/gm;
const IMPORT = /^import\s+(type\s+)?(\{[^}]*\}|\*\s+as\s+\w+|\w+)\s+from\s+['"]([^'"]+)['"];?\s*$/;
const CHECK = /^(\s*)console\.log\((.+)\);\s*\/\/\s*→\s*(.+)$/;

export function extract(markdown: string, expectModule: string): Snippet {
  const named = new Map<string, Set<string>>();
  const other: string[] = [];
  const body: string[] = [];
  let blocks = 0;
  const shared = markdown.includes('<!-- docs-test: shared-scope -->');
  for (const m of markdown.matchAll(FENCE)) {
    const [, lang, info, code] = m;
    if (lang !== 'ts' || /\bno-run\b/.test(info)) continue;
    blocks++;
    if (!shared) body.push('{');
    for (const line of code.split('\n')) {
      const imp = IMPORT.exec(line);
      if (imp) {
        const [, isType, what, from] = imp;
        if (what.startsWith('{') && !isType) {
          const names = named.get(from) ?? new Set<string>();
          for (const n of what.slice(1, -1).split(',').map((s) => s.trim()).filter(Boolean)) names.add(n);
          named.set(from, names);
        } else if (!isType && !other.includes(line.trim())) other.push(line.trim());
        continue;
      }
      const check = CHECK.exec(line);
      if (check) {
        const [, indent, expr, expected] = check;
        // Exponent notation (1.5e-7) compares relatively (-1); otherwise to the most decimals printed.
        const decimals = /\de[-+]?\d/i.test(expected) ? -1 : Math.max(0, ...[...expected.matchAll(/\d\.(\d+)/g)].map((d) => d[1].length));
        // Both sides are wrapped in arrays, so `console.log(a, b); // → 1, 2` checks each argument.
        body.push(`${indent}__expect([${expr}], [${expected}], ${decimals}, ${JSON.stringify(line.trim())});`);
      } else body.push(line);
    }
    if (!shared) body.push('}');
  }
  const imports = [
    `import { __expect } from ${JSON.stringify(expectModule)};`,
    ...[...named].map(([from, names]) => `import { ${[...names].join(', ')} } from ${JSON.stringify(from)};`),
    ...other,
  ];
  return { code: `${imports.join('\n')}\n${body.join('\n')}\nexport {};\n`, blocks };
}
