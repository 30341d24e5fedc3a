import { type Config, type LoadOptions, resolveConfig } from '../settings/config.js';
import { fetchFresh } from './fetch-fresh.js';
import { type Fetched, type LoadJob, type LoadReport, markerOf, nowMs } from './load-job.js';
import { debugged, failedOpen } from './reported.js';
import { keepFresh, peekMemory, sharedLoad } from './memory-cache.js';
import { type Start, type Started, finishLoad, startLoad } from './start.js';
import { loadTransport } from '../api/transport/choose.js';
import { dropEarly } from '../api/transport/early.js';
import { warnOnStderr } from '../warn.js';

export interface LoadSecretsOptions extends LoadOptions {
  /**
   * Where the secrets are written.
   * @default process.env
   */
  env?: Record<string, string | undefined>;
  /**
   * Receives warnings: an unwritable cache folder, a damaged cached copy, a fallback served.
   * Messages never hold a value or the token.
   * @default one `clarifai-secrets: warning: ...` line on stderr
   */
  onWarning?: (message: string) => void;
  /**
   * Fetch even when `CLARIFAI_SECRETS_LOADED` in `env` shows that this selection is already
   * loaded (by `run`, a preload, a parent process or an earlier call): to pick up rotated
   * values in a long-running process. Needs the token.
   * @default false: such a load returns at once with `source: 'marker'`
   */
  reload?: boolean;
  /**
   * Write the last-known-good copy after the code that runs next instead of before
   * resolving: the preload and `run` let the app start first.
   * @internal
   */
  deferCopy?: boolean;
}

/**
 * Loads the selected secrets into `options.env` (default `process.env`). Variables that
 * are already set win unless `override` is on. Resolves to a report of names, never values.
 */
export async function loadSecrets(options: LoadSecretsOptions = {}): Promise<LoadReport> {
  const startedAt = nowMs();
  let config: Config | undefined;
  try {
    config = resolveConfig(options);
    const report = await loadResolved(config, options);
    return debugged(config, report);
  } catch (error) {
    return failedOpen(error, config, options, startedAt);
  }
}

/**
 * Asks the API, and hashes the marker while the request is out: once the request is on its
 * way Node has nothing to do until the answer, and node:crypto's first load is a few ms that
 * need not come before the request or after the answer. Loads of the same key share one
 * request, and what it brings is kept once.
 */
function fetchWhileHashing(started: Started, options: LoadSecretsOptions): Promise<Fetched> {
  const { job, warn, disk } = started;
  const fetching = sharedLoad(job, async () => {
    const fetched = await fetchFresh(job, loadTransport(options.dispatcher), warn, disk);
    keepFresh(job, disk, fetched);
    return fetched;
  });
  setImmediate(() => markerOf(job));
  return fetching;
}

/** `loadSecrets` with the configuration already resolved (the preload reads it first). */
export async function loadResolved(config: Config, options: LoadSecretsOptions, prepared?: LoadJob): Promise<LoadReport> {
  return loadStarted(startLoad(config, options, options.onWarning ?? warnOnStderr, peekMemory, prepared), options);
}

/** The rest of a load past its start (startLoad), by a request when there is no hit. */
export async function loadStarted(start: Start, options: LoadSecretsOptions): Promise<LoadReport> {
  try {
    if ('done' in start) return start.done;
    return finishLoad(start, start.hit ?? (await fetchWhileHashing(start, options)));
  } finally {
    // Whatever the start opened early and the requests did not take is of no more use.
    dropEarly();
  }
}
