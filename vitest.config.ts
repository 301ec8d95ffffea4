import { defineConfig } from 'vitest/config'

// Workspace packages resolve to their TypeScript sources in tests (see the packages' exports).
export default defineConfig({
  ssr: {
    resolve: { conditions: ['@holdpoint/source', 'module', 'node', 'development|production'] },
  },
  test: {
    globalSetup: ['test/setup/global-setup.ts'],
    reporters: ['default', './test/setup/summary-reporter.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'engine', include: ['packages/engine/test/**/*.test.ts'] } },
      { extends: true, test: { name: 'cli', include: ['packages/cli/test/**/*.test.ts'] } },
      { extends: true, test: { name: 'server', include: ['packages/server/test/**/*.test.ts'] } },
      {
        extends: true,
        test: { name: 'examples', include: ['packages/examples/test/**/*.test.ts'] },
      },
      { extends: true, test: { name: 'system', include: ['test/**/*.test.ts'] } },
      { extends: true, test: { name: 'bench', include: ['packages/bench/test/**/*.test.ts'] } },
    ],
  },
})
