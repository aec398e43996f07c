import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  // The loaders find ../data/ from import.meta.url; the shim defines it from __filename in the CJS build.
  shims: true,
});
