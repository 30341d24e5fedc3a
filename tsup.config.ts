import { readFileSync } from 'node:fs';
import { defineConfig } from 'tsup';

const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
const define = { __VERSION__: JSON.stringify(version) };

// Library entries ship as ESM and CJS with types. The CLI and the sync worker are internal
// CommonJS files (no ESM loader to start: ~10 ms less at every start; bench/README.md).
export default defineConfig([
  {
    entry: { index: 'src/index.ts', emulator: 'src/emulator/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    // One file per entry: a shared chunk would be one more module for the ESM loader to
    // resolve, read and link at every --import start.
    splitting: false,
    target: 'node20',
    platform: 'node',
    shims: true,
    sourcemap: false,
    define,
  },
  {
    entry: { cli: 'src/cli/main.ts', 'sync-worker': 'src/load/sync-worker.ts' },
    format: ['cjs'],
    target: 'node20',
    platform: 'node',
    shims: true,
    sourcemap: false,
    define,
  },
]);
