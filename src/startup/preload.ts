/**
 * What the register entries run: load before the app's first line, one line on failure.
 * `node --import clarifai-secrets/register` awaits `preload()`; `node -r` calls
 * `preloadBeforeMain()`, which loads before the main module one way or the other.
 */
import type { Config } from '../settings/config.js';
import { ConfigError } from '../errors.js';
import { loadStarted } from '../load/loader.js';
import { loadStartedSync } from '../load/loader-sync.js';
import { beginPreload, fail as failStart, succeed } from './begin.js';
import { dropEarly } from '../api/transport/early.js';
import { mainWaitsForRunMain, runMainHook } from '../node-features.js';

/** A start that failed before its load ended still holds what it opened early (not the cache-hit start's: it opens nothing). */
function fail(error: unknown, config: Config | undefined): void {
  dropEarly();
  failStart(error, config);
}

/**
 * The `--import` preload: the secrets are in the environment when it resolves. `handed` is
 * what the cache-hit start (dist/warm.js) handed on; custom preload scripts pass nothing.
 */
export async function preload(handed?: unknown): Promise<void> {
  let config: Config | undefined;
  try {
    const begun = beginPreload(handed);
    if (!begun) return;
    config = begun.config;
    succeed(config, await loadStarted(begun.started, { deferCopy: true }));
  } catch (error) {
    fail(error, config);
  }
}

/** Loads synchronously (a worker thread when it must fetch): done when it returns. `handed` as for `preload`. */
export function preloadSync(handed?: unknown): void {
  let config: Config | undefined;
  try {
    const begun = beginPreload(handed);
    if (!begun) return;
    config = begun.config;
    succeed(config, loadStartedSync(begun.started));
  } catch (error) {
    fail(error, config);
  }
}

/**
 * For `node -r`: the secrets are in the environment before the main module's first line.
 * When Node is sure to start the main script through `Module.runMain` after this preload
 * (a plain `node [known flags] -r ... script`), the wrapped `runMain` waits for the async
 * load: no worker thread, about 45 ms and 10 MiB less (bench/README.md). In every other
 * shape, known or not, this is `preloadSync()`.
 */
export function preloadBeforeMain(handed?: unknown): void {
  let config: Config | undefined;
  try {
    const hook = runMainHook();
    if (!hook || !mainWaitsForRunMain().waits) {
      preloadSync(handed);
      return;
    }
    const begun = beginPreload(handed);
    if (!begun) return;
    config = begun.config;
    const ready = config;
    let called = false;
    hook.replace(function runMainAfterSecrets(this: unknown, ...args: unknown[]) {
      called = true;
      hook.restore();
      loadStarted(begun.started, { deferCopy: true })
        .then(
          (report) => succeed(ready, report),
          (error: unknown) => fail(error, ready),
        )
        // Outside the promise chain: an exception in the app stays an uncaught exception.
        .then(() => queueMicrotask(() => hook.original.apply(this, args)));
    });
    // Node calls runMain in the same turn as the preloads. If it did not, this Node runs
    // the main module some other way: say so rather than let the app start without secrets.
    process.nextTick(() => {
      if (called) return;
      hook.restore();
      fail(
        new ConfigError(
          'node did not start the main module through Module.runMain, so the -r preload could not load first: ' +
            'use node --import clarifai-secrets/register',
        ),
        ready,
      );
    });
  } catch (error) {
    fail(error, config);
  }
}
