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
    hookTimeout: 60_000,
  },
})
