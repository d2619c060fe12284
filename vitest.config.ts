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

// Every property test runs from one fixed seed, printed once (FC_SEED replays or varies it): vitest.fast-check.ts.
const fastCheck = { setupFiles: ['./vitest.fast-check.ts'] };

export default defineConfig({
  test: {
    globalSetup: ['./vitest.fast-check.ts'],
    projects: [
      { resolve, ssr, test: { name: 'unit', include: ['protocol/src/**/*.test.ts', 'host/src/**/*.test.ts'], ...fastCheck, server } },
      { resolve, ssr, test: { name: 'hil', include: ['hil-tests/src/**/*.test.ts'], fileParallelism: false, testTimeout: 60_000, hookTimeout: 60_000, ...fastCheck, server } },
    ],
  },
});
