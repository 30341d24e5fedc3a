// The bench's own test config (the root config includes only test/**):
//   npx vitest run --config bench/vitest.config.mjs
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['bench/**/*.test.mjs'],
    exclude: ['bench/node_modules/**'],
    testTimeout: 180_000,
  },
});
