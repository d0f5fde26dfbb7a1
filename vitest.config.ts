// Root test config: runs every package's tests (next to the code) and the cross-package tests in test/.
// Sources are resolved through the "@vlp/source" export condition, so tests never need a build of siblings.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@vlp/source'] },
  ssr: { resolve: { conditions: ['@vlp/source'] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
