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

/** One public export, as the compiler sees it. */
export interface PublicExport {
  /** `entry: name`, with a namespace's prefix (`@tapegrad/nn: init.xavierNormal`). */
  name: string;
  entry: string;
  /** The namespace it is in (`init`), or null at the top level. */
  namespace: string | null;
  /** A function, class, constant or enum (which needs an example), rather than a type. */
  isValue: boolean;
  /** Its doc comment's text and tags (`example` tags carry their code). */
  doc: string;
  tags: { name: string; text: string }[];
}

/**
 * Every export of `entries` (entry name → source file, relative to the repository root; default
 * ENTRIES), followed through re-exports and into `export * as` namespaces.
 */
export function publicExports(entries: Record<string, string> = ENTRIES): PublicExport[] {
  const config = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })!;
  const files = Object.values(entries).map((f) => join(root, f));
  const program = ts.createProgram(files, { ...config.options, noEmit: true });
  const checker = program.getTypeChecker();
  const out: PublicExport[] = [];

  const visit = (entry: string, namespace: string | null, moduleSymbol: ts.Symbol) => {
    for (const exported of checker.getExportsOfModule(moduleSymbol)) {
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      if (symbol.flags & ts.SymbolFlags.ValueModule) {
        visit(entry, exported.name, symbol); // export * as activations
        continue;
      }
      out.push({
        name: `${entry}: ${namespace === null ? '' : `${namespace}.`}${exported.name}`,
        entry,
        namespace,
        isValue: (symbol.flags & VALUE) !== 0,
        doc: ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim(),
        tags: symbol.getJsDocTags(checker).map((t) => ({ name: t.name, text: ts.displayPartsToString(t.text) })),
      });
    }
  };
  for (const [entry, file] of Object.entries(entries)) {
    const source = program.getSourceFile(join(root, file))!;
    visit(entry, null, checker.getSymbolAtLocation(source)!);
  }
  return out;
}

/** The gaps of `entries` (as `publicExports` takes them); default ENTRIES. */
export function apiGaps(entries: Record<string, string> = ENTRIES): ApiGaps {
  const gaps: ApiGaps = { undocumented: [], noExample: [], checked: 0 };
  for (const e of publicExports(entries)) {
    gaps.checked++;
    if (e.doc === '' && e.tags.length === 0) gaps.undocumented.push(e.name);
    else if (e.isValue && !e.tags.some((t) => t.name === 'example')) gaps.noExample.push(e.name);
  }
  return gaps;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { undocumented, noExample, checked } = apiGaps();
  console.log(`${checked} public exports checked`);
  console.log(`\nno doc comment (${undocumented.length}):\n${undocumented.map((n) => `  ${n}`).join('\n')}`);
  console.log(`\na doc comment but no @example (${noExample.length}):\n${noExample.map((n) => `  ${n}`).join('\n')}`);
}
