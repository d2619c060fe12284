import { defineConfig } from 'vitest/config';

// Unit suites run in parallel; the HIL suite shares one (simulated or real) bench,
// so its files run one at a time.
const resolve = { conditions: ['source', 'module', 'node', 'import', 'default'] };

export default defineConfig({
  test: {
    projects: [
      { resolve, test: { name: 'unit', include: ['protocol/src/**/*.test.ts', 'host/src/**/*.test.ts'] } },
      { resolve, test: { name: 'hil', include: ['hil-tests/src/**/*.test.ts'], fileParallelism: false, testTimeout: 60_000, hookTimeout: 60_000 } },
    ],
  },
});
