/**
 * The start from a fresh cached copy, on its own: what the register entries try first when
 * CLARIFAI_SECRETS_CACHE_TTL in the environment is above 0 (a TTL set only in `.env` or by
 * nobody goes straight to the full preload, which serves a fresh copy as well). Built as its own small bundle
 * (dist/warm.*: the configuration, the selection and the encrypted copy; not the API client,
 * the transports or the watcher), it compiles and allocates less than the whole library, which
 * a start that needs no request does not use. Anything but a fresh copy (none, an old one, a
 * damaged one, a setting that does not parse) says nothing and returns false: the full preload
 * then runs from the beginning and reports it, so no warning or error is printed twice.
 */
import { applyToEnv, diskCacheFor, freshFromDisk, nowMs, prepareJob } from '../load/load-job.js';
import type { Config } from '../settings/config.js';
import { configToLoad, warnMisspelt } from './begin.js';
import { describeReport, reportFailure, say } from './output.js';

/** True when the start is done: the secrets are in process.env, or there was nothing to do. */
export function startFromFreshCopy(): boolean {
  const startedAt = nowMs();
  let config: Config | undefined;
  let job: ReturnType<typeof prepareJob>;
  let fetched: ReturnType<typeof freshFromDisk>;
  try {
    config = configToLoad();
    if (!config) return true;
    job = prepareJob({}, config);
    let warned = false;
    fetched = freshFromDisk(job, diskCacheFor(job, () => (warned = true)));
    if (!fetched || warned) return false;
  } catch {
    return false;
  }
  try {
    warnMisspelt();
    const report = applyToEnv(job, fetched, process.env, startedAt);
    if (config.debug) say(describeReport(report));
  } catch (error) {
    if (!reportFailure(error, config.failOpen)) process.exit(1);
  }
  return true;
}
