import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts', 'jobs/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // DuckDB and the local servers are real; two cores do not gain from more forks.
    pool: 'forks',
    maxWorkers: 2,
  },
});
