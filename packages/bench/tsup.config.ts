import { defineConfig } from 'tsup';

// The parent and the child runner, as plain ESM for Node 20; dependencies (tapegrad's built packages,
// tfjs, jax-js) stay external and are loaded from node_modules at run time. The tfjs and jax-js adapters
// go to peers/dist/, beside the peers/node_modules that `pnpm bench` installs (see peers/package.json).
export default defineConfig([
  {
    // data: for scripts/w3-profile.mjs; ceiling: for scripts/w1-ceiling.mjs
    entry: ['src/main.ts', 'src/child.ts', 'src/data.ts', 'src/ceiling.ts'],
    format: ['esm'],
    platform: 'node',
    target: 'node20',
    sourcemap: true,
    clean: true,
  },
  {
    entry: ['peers/tfjs.ts', 'peers/jaxjs.ts'],
    outDir: 'peers/dist',
    format: ['esm'],
    platform: 'node',
    target: 'node20',
    sourcemap: true,
    clean: true,
    external: [/^@tensorflow\//, /^@jax-js\//],
  },
]);
