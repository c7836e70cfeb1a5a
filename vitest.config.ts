// Test runner config: unit (core) and integration (engine in Node) files run in parallel; e2e files (real
// Chromium, each building the app) one at a time, so two builds and two browsers never share the 2 cores.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    reporters: ['default', './tests/summaryReporter.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    projects: [
      { extends: true, test: { name: 'node', include: ['tests/unit/**/*.test.ts', 'tests/integration/**/*.test.ts'] } },
      { extends: true, test: { name: 'e2e', include: ['tests/e2e/**/*.test.ts'], fileParallelism: false } },
    ],
  },
});
