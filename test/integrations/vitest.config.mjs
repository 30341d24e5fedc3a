// The recipes' own test config (the root config includes only test/**/*.test.ts):
//   npm run build && npm ci --prefix test/integrations
//   npx vitest run --config test/integrations/vitest.config.mjs
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/integrations/*.test.mjs'],
    testTimeout: 120_000,
    hookTimeout: 600_000,
    // Each recipe starts a tool with workers of its own: one at a time on a 2-core machine.
    fileParallelism: false,
  },
});
