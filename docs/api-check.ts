/**
 * Which public exports lack a doc comment, or an example. The public API is what the packages'
 * entry points export (followed through re-exports, and into `export * as` namespaces). A value
 * (function, class, constant) needs a doc comment with an `@example`; a type or interface needs a
 * doc comment. Uses the TypeScript compiler on the sources; `pnpm docs:check` prints the lists and
 * api-check.test.ts keeps them from growing.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Each published entry point and its source. */
export const ENTRIES: Record<string, string> = {
  '@tapegrad/core': 'packages/core/src/index.ts',
  '@tapegrad/nn': 'packages/nn/src/index.ts',
  '@tapegrad/nn/node': 'packages/nn/src/node.ts',
  '@tapegrad/datasets': 'packages/datasets/src/index.ts',
};

export interface ApiGaps {
  /** `entry: name` of exports with no doc comment at all. */
  undocumented: string[];
  /** `entry: name` of values (functions, classes, constants) whose doc comment has no @example. */
  noExample: string[];
  /** How many exports were checked. */
  checked: number;
}

const VALUE = ts.SymbolFlags.Function | ts.SymbolFlags.Class | ts.SymbolFlags.Variable | ts.SymbolFlags.Enum;

/** The gaps of `entries` (entry name → source file, relative to the repository root); default ENTRIES. */
export function apiGaps(entries: Record<string, string> = ENTRIES): ApiGaps {
  const config = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })!;
  const files = Object.values(entries).map((f) => join(root, f));
  const program = ts.createProgram(files, { ...config.options, noEmit: true });
  const checker = program.getTypeChecker();
  const gaps: ApiGaps = { undocumented: [], noExample: [], checked: 0 };

  const visit = (entry: string, prefix: string, moduleSymbol: ts.Symbol) => {
    for (const exported of checker.getExportsOfModule(moduleSymbol)) {
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      const name = `${entry}: ${prefix}${exported.name}`;
      if (symbol.flags & ts.SymbolFlags.ValueModule) {
        visit(entry, `${prefix}${exported.name}.`, symbol); // export * as activations
        continue;
      }
      gaps.checked++;
      const text = ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim();
      const tags = symbol.getJsDocTags(checker).map((t) => t.name);
      if (text === '' && tags.length === 0) gaps.undocumented.push(name);
      else if (symbol.flags & VALUE && !tags.includes('example')) gaps.noExample.push(name);
    }
  };
  for (const [entry, file] of Object.entries(entries)) {
    const source = program.getSourceFile(join(root, file))!;
    visit(entry, '', checker.getSymbolAtLocation(source)!);
  }
  return gaps;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { undocumented, noExample, checked } = apiGaps();
  console.log(`${checked} public exports checked`);
  console.log(`\nno doc comment (${undocumented.length}):\n${undocumented.map((n) => `  ${n}`).join('\n')}`);
  console.log(`\na doc comment but no @example (${noExample.length}):\n${noExample.map((n) => `  ${n}`).join('\n')}`);
}
