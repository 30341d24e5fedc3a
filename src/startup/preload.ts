/**
 * What the register entries run: load before the app's first line, one line on failure.
 * `node --import clarifai-secrets/register` awaits `preload()`; `node -r` calls
 * `preloadBeforeMain()`, which loads before the main module one way or the other.
 */
import { type Config, failOpenRequested, resolveConfig } from '../settings/config.js';
import { type LoadReport, markerCovers } from '../load/load-job.js';
import { loadResolved } from '../load/loader.js';
import { loadResolvedSync } from '../load/loader-sync.js';
import { describeReport, reportFailure, say } from './output.js';
import { WORKER_ENV } from '../load/sync-protocol.js';

/** The configuration, or undefined when there is nothing to do in this thread or process. */
function begin(): Config | undefined {
  const { isMainThread } = process.getBuiltinModule('node:worker_threads');
  if (!isMainThread || process.env[WORKER_ENV]) return undefined;
  const config = resolveConfig();
  if (markerCovers(config, process.env)) {
    if (config.debug) say('already loaded by a parent process (CLARIFAI_SECRETS_LOADED): nothing to do');
    return undefined;
  }
  return config;
}

function succeed(config: Config, report: LoadReport): void {
  if (config.debug) say(describeReport(report));
}

/** `config` is undefined when the configuration itself was the problem. */
function fail(error: unknown, config: Config | undefined): void {
  if (!reportFailure(error, config ? config.failOpen : failOpenRequested({}))) process.exit(1);
}

export async function preload(): Promise<void> {
  let config: Config | undefined;
  try {
    config = begin();
    if (config) succeed(config, await loadResolved(config, {}));
  } catch (error) {
    fail(error, config);
  }
}

/** Loads synchronously (a worker thread when it must fetch): done when it returns. */
export function preloadSync(): void {
  let config: Config | undefined;
  try {
    config = begin();
    if (config) succeed(config, loadResolvedSync(config, {}));
  } catch (error) {
    fail(error, config);
  }
}

/** NODE_OPTIONS words, with Node's double quotes. */
function words(text: string): string[] {
  return [...text.matchAll(/"((?:\\.|[^"\\])*)"|(\S+)/g)].map((m) => m[1]?.replace(/\\(.)/g, '$1') ?? m[2] ?? '');
}

/**
 * Whether this `-r` preload can let the main module wait for an async load instead of
 * blocking on a worker thread (about 45 ms and 10 MiB less; bench/README.md). Only when
 * nothing but the main module is still to run: a main script (not -e, -p, stdin or the
 * REPL) that has not started, no other -r preload (it could read the env before we are
 * done), and no --import or loader (they run between the -r preloads and main).
 */
function mainCanWait(): boolean {
  const entry = process.argv[1];
  if (!entry || entry === '-' || (process as { _eval?: unknown })._eval !== undefined) return false;
  if (process.mainModule !== undefined) return false;
  const flags = [...process.execArgv, ...words(process.env['NODE_OPTIONS'] ?? '')];
  let requires = 0;
  for (let i = 0; i < flags.length; i++) {
    const flag = flags[i] as string;
    if (flag === '-r' || flag === '--require') {
      requires++;
      i++;
    } else if (flag.startsWith('--require=') || flag.startsWith('-r=')) requires++;
    else if (/^--(import|loader|experimental-loader)(=|$)/.test(flag)) return false;
  }
  return requires === 1;
}

/**
 * For `node -r`: the secrets are in the environment before the main module's first line.
 * When nothing else is left to run first, `Module.runMain` (which Node calls after the
 * preloads, and lets preloads wrap) waits for the async load; otherwise this is `preloadSync()`.
 */
export function preloadBeforeMain(): void {
  const Module = process.getBuiltinModule('node:module') as unknown as { runMain?: (...args: unknown[]) => unknown };
  const runMain = Module.runMain;
  let config: Config | undefined;
  try {
    if (typeof runMain !== 'function' || !mainCanWait()) {
      preloadSync();
      return;
    }
    config = begin();
    if (!config) return;
    const ready = config;
    Module.runMain = function runMainAfterSecrets(this: unknown, ...args: unknown[]) {
      Module.runMain = runMain;
      loadResolved(ready, {})
        .then(
          (report) => succeed(ready, report),
          (error: unknown) => fail(error, ready),
        )
        // Outside the promise chain: an exception in the app stays an uncaught exception.
        .then(() => queueMicrotask(() => runMain.apply(this, args)));
    };
  } catch (error) {
    fail(error, config);
  }
}
