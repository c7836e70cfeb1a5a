// Test runner config: unit (core), integration (engine in Node) and e2e (real Chromium) suites.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    reporters: ['default', './tests/summaryReporter.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // e2e suites share one machine with 2 cores: run files one at a time so timings stay sane.
    fileParallelism: false,
  },
});
