import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Workspace packages resolve to their TypeScript sources in tests (the "source" export condition),
    // so a test run needs no build; packages/*/src/package.test.ts checks the built dist separately.
    conditions: ['source'],
  },
  // Tests run in Vite's server (SSR) environment, whose conditions are set apart from the client's.
  ssr: { resolve: { conditions: ['source', 'module', 'node', 'development|production'] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'docs/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    execArgv: ['--expose-gc'],
  },
});
