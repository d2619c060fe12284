import { defineConfig } from 'vitest/config';

// Unit suites run in parallel; the HIL suite shares one (simulated or real) bench,
// so its files run one at a time. The workspace packages are inlined, so that
// tests import their TypeScript sources (the `source` condition) rather than
// whatever dist/ was last built; the CLI tests run the built binary, which
// `npm test` rebuilds first.
const conditions = ['source', 'module', 'node', 'import', 'default'];
const resolve = { conditions };
// Tests run server-side, where Vite resolves with the ssr conditions.
const ssr = { resolve: { conditions, externalConditions: ['source'] } };
const server = { deps: { inline: ['rtinfer', '@rtinfer/protocol'] } };

export default defineConfig({
  test: {
    projects: [
      { resolve, ssr, test: { name: 'unit', include: ['protocol/src/**/*.test.ts', 'host/src/**/*.test.ts'], server } },
      { resolve, ssr, test: { name: 'hil', include: ['hil-tests/src/**/*.test.ts'], fileParallelism: false, testTimeout: 60_000, hookTimeout: 60_000, server } },
    ],
  },
});
