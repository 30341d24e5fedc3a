import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { defineConfig, type Options } from 'tsup';

const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
const define = { __VERSION__: JSON.stringify(version) };

// `import text from './file?raw'` inlines the file as a string (the emulator's web page), as
// Vitest does natively, so the page ships inside dist/emulator.* and dist/cli-tools.cjs.
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

// In the bin's dispatcher, `./run.js` and `./tools.js` stay out of the bundle: each becomes
// a `require` of the cli-run or cli-tools bundle by path (a dynamic `import()` of a .cjs file
// would start Node's ESM loader).
const cliParts: NonNullable<Options['esbuildPlugins']>[number] = {
  name: 'cli-parts',
  setup(build) {
    build.onResolve({ filter: /^\.\/(run|tools)\.js$/ }, (args) =>
      args.importer.endsWith(join('src', 'cli', 'main.ts')) ? { path: `./cli-${args.path.slice(2, -3)}.cjs`, namespace: 'cli-part' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'cli-part' }, (args) => ({ contents: `module.exports = require(${JSON.stringify(args.path)});`, loader: 'js' }));
    build.onResolve({ filter: /^\.\/cli-(run|tools)\.cjs$/ }, (args) => ({ path: args.path, external: true }));
  },
};

// Every bundle: one file per entry (a shared chunk would be one more module for the ESM
// loader to resolve, read and link at every --import start, and a graph of CommonJS chunks
// cost `run` ~4 ms more to load than one bundle of the same code), for Node 20 and later.
const bundle = {
  splitting: false,
  target: 'node20',
  platform: 'node',
  shims: true,
  sourcemap: false,
  define,
} satisfies Options;

// Library entries ship as ESM and CJS with types. The CLI and the sync worker are internal
// CommonJS files (no ESM loader to start: ~10 ms less at every start; bench/README.md).
export default defineConfig([
  {
    ...bundle,
    entry: { index: 'src/index.ts', emulator: 'src/emulator/index.ts' },
    format: ['esm', 'cjs'],
    // Members marked @internal (the client's listValues, the loaders' deferCopy) stay out of the published types.
    dts: { compilerOptions: { stripInternal: true } },
    esbuildPlugins: [rawText],
  },
  {
    ...bundle,
    // The register entries' start from a fresh cached copy (src/startup/warm.ts): less than
    // half of the library to compile when no request is needed. Internal, so no types.
    entry: { warm: 'src/startup/warm.ts' },
    format: ['esm', 'cjs'],
  },
  {
    ...bundle,
    // What the register entries ask first when CLARIFAI_SECRETS_LOADED is set
    // (src/startup/marker-check.ts): a few KB, so a child its parent already loaded for
    // starts without compiling the library. Internal, so no types.
    // Both register files require the CommonJS build.
    // And what the register files run before they compile the library (src/startup/early.ts):
    // the early connection, and for -r the turn it needs.
    entry: { marker: 'src/startup/marker-check.ts', early: 'src/startup/early.ts' },
    format: ['cjs'],
  },
  {
    ...bundle,
    // The bin is a small dispatcher that loads one bundle by path: cli-run for `run` (on the
    // startup path of every app it starts) or cli-tools for the rest.
    entry: { cli: 'src/cli/main.ts', 'cli-run': 'src/cli/run.ts', 'cli-tools': 'src/cli/tools.ts', 'sync-worker': 'src/load/sync-worker.ts' },
    format: ['cjs'],
    esbuildPlugins: [rawText, cliParts],
  },
]);
