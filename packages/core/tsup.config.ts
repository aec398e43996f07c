import { defineConfig } from 'tsup';

// ESM only: Node ≥ 20.19 loads it from require() too, so a process that mixes import and require still
// holds one copy of each module (one Tensor class, one tape, one thread pool). docs/packaging.md says why.
export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
});
