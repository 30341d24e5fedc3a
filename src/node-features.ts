/**
 * What the preload assumes about Node itself, in one place. Some of it is not public API
 * (`process._eval`, wrapping `Module.runMain`), so each probe here is checked against every
 * Node version the package supports by test/e2e/node-features.test.ts: a release that
 * changes one fails that test instead of silently loading nothing.
 */

interface ModuleWithRunMain {
  runMain?: (...args: unknown[]) => unknown;
}

/** The code of `node -e` or `node -p` (Node keeps it on `process._eval`); undefined otherwise. */
export function evalCode(): string | undefined {
  const code = (process as { _eval?: unknown })._eval;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Whether a CommonJS main module has started: Node sets `process.mainModule` just before it
 * runs one. A preload reached from the app's own code (a `require` of the register file)
 * sees it set; a `-r` preload does not.
 */
export function mainModuleStarted(): boolean {
  return process.mainModule !== undefined;
}

/**
 * Whether this is the process's main thread. Node's answer, `worker_threads`' `isMainThread`,
 * costs about 2 ms when nothing has loaded `worker_threads` yet. A worker thread's bootstrap
 * always has (it is in `process.moduleLoadList`, Node's list of the built-in modules it has
 * loaded): when it is not loaded, this is the main thread; when it is, asking costs nothing.
 */
export function isMainThread(): boolean {
  const loaded = (process as { moduleLoadList?: unknown }).moduleLoadList;
  if (Array.isArray(loaded) && !loaded.includes('NativeModule worker_threads')) return true;
  return process.getBuiltinModule('node:worker_threads').isMainThread;
}

/**
 * `Module.runMain`: the function Node's entry calls, right after the `-r` preloads, to run
 * the main script (CommonJS or ESM). A preload may replace it to run code first. Undefined
 * when this Node has none.
 */
export function runMainHook():
  | { original: (...args: unknown[]) => unknown; replace(fn: (...args: unknown[]) => unknown): void; restore(): void }
  | undefined {
  const Module = process.getBuiltinModule('node:module') as unknown as ModuleWithRunMain;
  const original = Module.runMain;
  if (typeof original !== 'function') return undefined;
  return {
    original,
    replace(fn) {
      Module.runMain = fn;
    },
    restore() {
      Module.runMain = original;
    },
  };
}

/** NODE_OPTIONS words, with Node's double quotes. */
export function nodeOptionsWords(text: string): string[] {
  return [...text.matchAll(/"((?:\\.|[^"\\])*)"|(\S+)/g)].map((m) => m[1]?.replace(/\\(.)/g, '$1') ?? m[2] ?? '');
}

/**
 * Flags with which Node still runs the main script through `Module.runMain`. Anything else
 * (`--test`, `--experimental-default-type`, `--import`, loaders, `--eval`, a flag added in a
 * later release...) may run the main module some other way, so a `-r` preload must not wait
 * for a call that might never come. Listed by name, without a value; `--no-` forms are
 * matched by their positive name.
 */
export const FLAGS_KEEPING_RUN_MAIN: ReadonlySet<string> = new Set([
  '--require',
  '-r',
  '--enable-source-maps',
  '--inspect',
  '--inspect-brk',
  '--inspect-wait',
  '--inspect-port',
  '--inspect-publish-uid',
  '--max-old-space-size',
  '--max-semi-space-size',
  '--stack-size',
  '--stack-trace-limit',
  '--warnings',
  '--deprecation',
  '--disable-warning',
  '--trace-warnings',
  '--trace-deprecation',
  '--trace-uncaught',
  '--trace-exit',
  '--trace-sigint',
  '--throw-deprecation',
  '--pending-deprecation',
  '--unhandled-rejections',
  '--expose-gc',
  // V8's profilers write a file as the process ends; the main module runs as it would without.
  '--cpu-prof',
  '--cpu-prof-dir',
  '--cpu-prof-interval',
  '--cpu-prof-name',
  '--heap-prof',
  '--heap-prof-dir',
  '--heap-prof-interval',
  '--heap-prof-name',
  '--title',
  '--env-file',
  '--env-file-if-exists',
  '--dns-result-order',
  '--max-http-header-size',
  '--use-openssl-ca',
  '--use-bundled-ca',
  '--use-system-ca',
  '--openssl-config',
  '--preserve-symlinks',
  '--preserve-symlinks-main',
  '--abort-on-uncaught-exception',
  '--conditions',
  '-C',
  '--experimental-require-module',
  '--experimental-detect-module',
  '--experimental-strip-types',
  '--experimental-transform-types',
  '--heapsnapshot-signal',
  '--heapsnapshot-near-heap-limit',
  '--report-on-signal',
  '--report-uncaught-exception',
  '--report-dir',
  '--report-directory',
  '--report-filename',
  '--report-signal',
  '--diagnostic-dir',
  '--cpu-prof',
  '--cpu-prof-dir',
  '--heap-prof',
  '--heap-prof-dir',
  '--frozen-intrinsics',
  '--secure-heap',
  '--secure-heap-min',
  '--v8-pool-size',
  '--zero-fill-buffers',
]);

/** `--flag=value` and `--no-flag` to `--flag`. */
function flagName(word: string): string {
  const name = word.split('=', 1)[0] as string;
  return name.startsWith('--no-') ? `--${name.slice(5)}` : name;
}

export interface RunMainVerdict {
  /** True when the main script is sure to start through `Module.runMain`, after every preload. */
  waits: boolean;
  /** Why not, for the debug line. */
  reason?: string;
}

/**
 * Whether a `-r` preload can let `Module.runMain` wait for an async load: only when this is
 * the main thread of a `node [flags] script.js` start whose every flag is known to keep
 * `Module.runMain`, with no other `-r` preload (it would run before the load is done).
 */
export function mainWaitsForRunMain(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions: string = process.env['NODE_OPTIONS'] ?? '',
): RunMainVerdict {
  if (!isMainThread()) return { waits: false, reason: 'a worker thread' };
  if (evalCode() !== undefined) return { waits: false, reason: '-e or -p' };
  const entry = process.argv[1];
  if (!entry || entry === '-') return { waits: false, reason: 'no main script (stdin or the REPL)' };
  if (mainModuleStarted()) return { waits: false, reason: 'the main module has started' };
  let requires = 0;
  const flags = [...nodeOptionsWords(nodeOptions), ...execArgv];
  for (let i = 0; i < flags.length; i++) {
    const word = flags[i] as string;
    // execArgv holds no script: a word that is not a flag is the value of the one before.
    if (!word.startsWith('-')) continue;
    const name = flagName(word);
    if (!FLAGS_KEEPING_RUN_MAIN.has(name)) return { waits: false, reason: `${name} may run the main module another way` };
    if (name === '-r' || name === '--require') requires++;
  }
  // NODE_OPTIONS and execArgv both hold a preload given in NODE_OPTIONS only once: Node
  // does not copy NODE_OPTIONS into execArgv.
  if (requires !== 1) return { waits: false, reason: 'another -r preload' };
  return { waits: true };
}
