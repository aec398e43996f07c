import { defineConfig } from 'tsup';

// The parent and the child runner, as plain ESM for Node 20; dependencies (tapegrad's built packages,
// tfjs, jax-js) stay external and are loaded from node_modules at run time.
export default defineConfig({
  entry: ['src/main.ts', 'src/child.ts'],
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  clean: true,
});
