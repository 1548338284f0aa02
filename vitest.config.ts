import os from 'node:os'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Tests spawn real processes and git repositories; two cores on CI.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Vitest's default leaves a core idle (one worker on two cores), but most of a test's time is
    // spent waiting on its child processes (git, python, the bundled action): two files at a
    // time halve the suite's wall time on CI's two cores.
    maxWorkers: Math.max(2, os.availableParallelism()),
  },
})
