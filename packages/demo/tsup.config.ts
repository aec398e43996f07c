import { defineConfig } from 'tsup';

// One ESM file for Node 20 with tapegrad's packages bundled in from their TypeScript sources (the
// "source" export condition), so `pnpm demo` on a fresh clone builds only this file (about a second)
// instead of every package with its type declarations first. The data files stay in
// @tapegrad/datasets; tasks.ts passes their folder as `dataDir`.
export default defineConfig({
  entry: ['src/cli.ts'],
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  clean: true,
  noExternal: [/^@tapegrad\//],
  esbuildOptions(options) {
    options.conditions = ['source'];
  },
});
