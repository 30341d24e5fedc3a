import { readFileSync } from 'node:fs';
import { defineConfig } from 'tsup';

const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
const define = { __VERSION__: JSON.stringify(version) };

// Library entries ship as ESM and CJS with types; the CLI and the sync worker are
// internal ESM files that users never import.
export default defineConfig([
  {
    entry: { index: 'src/index.ts', emulator: 'src/emulator/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    target: 'node20',
    platform: 'node',
    shims: true,
    sourcemap: false,
    define,
  },
  {
    entry: { cli: 'src/cli/main.ts', 'sync-worker': 'src/sync-worker.ts' },
    format: ['esm'],
    target: 'node20',
    platform: 'node',
    sourcemap: false,
    define,
  },
]);
