import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Temporary folders under one folder per run, removed at its end (test/support/temp-root.ts).
    globalSetup: ['test/support/temp-root.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Spawned node processes and loopback servers: keep the 2-core machines unsaturated.
    maxWorkers: 2,
    // The emulator's page imports its stylesheet as text (`?raw`); without this Vitest hands
    // every CSS import back empty.
    css: { include: [/src\/emulator\/page\//] },
  },
});
