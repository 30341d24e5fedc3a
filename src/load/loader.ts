import { type Config, type LoadOptions, resolveConfig } from '../settings/config.js';
import { fetchFresh } from './fetch-fresh.js';
import { type LoadReport, applyToEnv, diskCacheFor, freshFromDisk, nowMs, prepareJob } from './load-job.js';
import { peekMemory, sharedLoad } from './memory-cache.js';
import { loadTransport } from '../api/transport/choose.js';
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
}

/**
 * Loads the selected secrets into `options.env` (default `process.env`). Variables that
 * are already set win unless `override` is on. Resolves to a report of names, never values.
 */
export function loadSecrets(options: LoadSecretsOptions = {}): Promise<LoadReport> {
  return loadResolved(resolveConfig(options), options);
}

/** `loadSecrets` with the configuration already resolved (the preload reads it first). */
export async function loadResolved(config: Config, options: LoadSecretsOptions): Promise<LoadReport> {
  const startedAt = nowMs();
  const job = prepareJob(options, config);
  const warn = options.onWarning ?? warnOnStderr;
  const disk = diskCacheFor(job, warn);
  const fetched =
    peekMemory(job) ??
    freshFromDisk(job, disk) ??
    (await sharedLoad(job, () => fetchFresh(job, loadTransport(options.dispatcher), warn, disk)));
  return applyToEnv(job, fetched, options.env ?? process.env, startedAt);
}
