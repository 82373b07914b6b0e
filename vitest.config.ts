import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'web/**/*.test.ts'],
    // Integration tests start real servers and databases; 2-core CI machines need headroom.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Vitest's default is cores - 1: one worker on a 2-core CI machine, which left it idle while
    // tests wait on servers, subprocesses and PostgreSQL (a 26-minute run at load 1.1). Two files at once.
    maxWorkers: 2,
    // Per-file timings for .ci/durations (the slowest files are what to split when CI nears 25 min).
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
  },
});
