import { defineConfig } from 'tsup';

export default defineConfig({
  // '.' is browser-safe; './node' adds file I/O (save/load by path) and may import Node built-ins.
  entry: ['src/index.ts', 'src/node.ts'],
  format: ['esm', 'cjs'],
  // shared code goes into one chunk, so both entries see one SerializationError class (CJS too)
  splitting: true,
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
});
