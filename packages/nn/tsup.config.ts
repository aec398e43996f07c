import { defineConfig } from 'tsup';

// ESM only: Node ≥ 20.19 loads it from require() too, so a process that mixes import and require still
// holds one copy of each module (one Tensor class, one tape, one thread pool). docs/packaging.md says why.
export default defineConfig({
  // '.' is browser-safe; './node' adds file I/O (save/load by path) and may import Node built-ins.
  entry: ['src/index.ts', 'src/node.ts'],
  format: ['esm'],
  // shared code goes into one chunk, so both entries see one SerializationError class
  splitting: true,
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
});
