import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // nodejieba's dictionary costs ~1 s and ~240 MB per process: forks keep that per worker,
    // and two workers match this 2-core machine.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    // The JSON report lets .ci/run print a plain "N passed, N failed" closing line.
    reporters: ['default', ['json', { outputFile: 'tests/artifacts/vitest.json' }]],
    testTimeout: 30_000,
    // A browser waiting for a reply while the other worker trains a classifier on this 2-core
    // machine can take more than the default 1 s; a test that needs a tighter bound says so.
    expect: { poll: { timeout: 5_000 } },
    hookTimeout: 60_000,
  },
})
