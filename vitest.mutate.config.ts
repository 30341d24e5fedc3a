import { defineConfig } from 'vitest/config';

// The tests that exercise src/ in this process, where a mutant can be seen. Tests that spawn
// node on the built dist/ would never meet one, and only cost time under `npm run mutate`.
export default defineConfig({
  test: {
    include: [
      'test/unit/*.test.ts',
      'test/loader/*.test.ts',
      'test/client/*.test.ts',
      'test/emulator/*.test.ts',
      'test/cli/mask.test.ts',
      'test/cli/formats.test.ts',
      'test/reliability/fuzz.test.ts',
    ],
    // layout reads the source tree; the page tests read page files the sandbox does not copy.
    exclude: ['test/unit/layout.test.ts', 'test/emulator/page-assets.test.ts', 'test/emulator/browser/**'],
    // Temporary folders under one folder per run, removed at its end (test/support/temp-root.ts).
    globalSetup: ['test/support/temp-root.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
