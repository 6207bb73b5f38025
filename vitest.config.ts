import { defineConfig } from 'vitest/config';

// Tests import the workspaces' TypeScript sources through the `frostmint-source` export
// condition (in-process code needs no build); the processes they spawn (daemons, CLIs) run
// the built JavaScript, which the global setup brings up to date first (test/support/build.ts).
// Vitest's default server conditions follow ours.
const conditions = ['frostmint-source', 'node', 'development|production'];

export default defineConfig({
  ssr: { resolve: { conditions } },
  test: {
    include: ['*/test/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    globalSetup: ['test/support/build.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 300_000,
  },
});
