/**
 * The start from a fresh cached copy, on its own: what the register entries try first when
 * CLARIFAI_SECRETS_CACHE_TTL in the environment is above 0 (a TTL set only in `.env`, or
 * none, goes straight to the full preload, which serves a fresh copy as well). Built as its
 * own small bundle (dist/warm.*: the configuration, the selection and the encrypted copy; not
 * the API client, the transports or the watcher), it compiles and allocates less than the
 * whole library, which a start that needs no request does not use. Anything but a fresh copy
 * (none, an old one, a damaged one, a setting that does not parse) says nothing and returns
 * false: the full preload then runs from the beginning and reports it, so no warning or
 * error is printed twice.
 */
import { type Fetched, type LoadJob, applyToEnv, diskCacheFor, freshFromDisk, nowMs, prepareJob } from '../load/load-job.js';
import type { Config } from '../settings/config.js';
import { configToLoad, fail, succeed, warnMisspelt } from './begin.js';

/** True when the start is done: the secrets are in process.env, or there was nothing to do. */
export function startFromFreshCopy(): boolean {
  const startedAt = nowMs();
  const found = freshCopy();
  if (found === 'nothing to do') return true;
  if (!found) return false;
  try {
    warnMisspelt();
    succeed(found.config, applyToEnv(found.job, found.fetched, process.env, startedAt));
  } catch (error) {
    fail(error, found.config);
  }
  return true;
}

/** What to apply; undefined, without a word, for anything but a fresh copy (see above). */
function freshCopy(): { config: Config; job: LoadJob; fetched: Fetched } | 'nothing to do' | undefined {
  try {
    const config = configToLoad();
    if (!config) return 'nothing to do';
    const job = prepareJob({}, config);
    // A warning means the copy was refused: the full preload reads it again and says why.
    let warned = false;
    const fetched = freshFromDisk(job, diskCacheFor(job, () => (warned = true)));
    // A copy that left out values no env var can hold: the full preload says which.
    return fetched && !warned && !fetched.unfit ? { config, job, fetched } : undefined;
  } catch {
    return undefined;
  }
}
