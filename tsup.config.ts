import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { defineConfig, type Options } from 'tsup';

const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
const define = { __VERSION__: JSON.stringify(version) };

// `import text from './file?raw'` inlines the file as a string (the emulator's web page), as
// Vitest does natively, so the page ships inside dist/emulator.* and dist/cli.cjs.
const rawText: NonNullable<Options['esbuildPlugins']>[number] = {
  name: 'raw-text',
  setup(build) {
    // The path keeps its ?raw suffix so that tsup's own CSS loader (any namespace) passes it by.
    build.onResolve({ filter: /\?raw$/ }, (args) => ({ path: resolve(args.resolveDir, args.path), namespace: 'raw-text' }));
    build.onLoad({ filter: /\?raw$/, namespace: 'raw-text' }, async (args) => ({
      contents: await readFile(args.path.slice(0, -'?raw'.length), 'utf8'),
      loader: 'text',
    }));
  },
};

// Library entries ship as ESM and CJS with types. The CLI and the sync worker are internal
// CommonJS files (no ESM loader to start: ~10 ms less at every start; bench/README.md).
export default defineConfig([
  {
    entry: { index: 'src/index.ts', emulator: 'src/emulator/index.ts' },
    format: ['esm', 'cjs'],
    // Members marked @internal (the client's test seam) stay out of the published types.
    dts: { compilerOptions: { stripInternal: true } },
    // One file per entry: a shared chunk would be one more module for the ESM loader to
    // resolve, read and link at every --import start.
    splitting: false,
    target: 'node20',
    platform: 'node',
    shims: true,
    sourcemap: false,
    define,
    esbuildPlugins: [rawText],
  },
  {
    entry: { cli: 'src/cli/main.ts', 'sync-worker': 'src/load/sync-worker.ts' },
    format: ['cjs'],
    splitting: true,
    target: 'node20',
    platform: 'node',
    shims: true,
    sourcemap: false,
    define,
    esbuildPlugins: [rawText],
  },
]);
