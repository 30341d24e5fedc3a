/**
 * The start from a fresh cached copy, on its own: what the register entries try first when
 * CLARIFAI_SECRETS_CACHE_TTL in the environment is above 0 (a TTL set only in `.env`, or
 * none, goes straight to the full preload, which serves a fresh copy as well). Built as its
 * own small bundle (dist/warm.*: the configuration, the selection and the encrypted copy; not
 * the API client, the transports or the watcher), it compiles and allocates less than the
 * whole library, which a start that needs no request does not use. Without a fresh copy it
 * hands its start on (settings, job, the copy's handle with what it read), so the full
 * preload resolves, prepares and decrypts nothing again; warnings are given once, here. A
 * setting that does not parse hands nothing on: the full preload starts over and says why.
 */
import { finishLoad } from '../load/start.js';
import { type Handoff, beginPreload, fail, succeed } from './begin.js';

/**
 * `true` when the start is done (the secrets are in process.env, or there was nothing to do);
 * otherwise what the full preload goes on from (the register entries pass it to `preload`),
 * or undefined when the start failed, which the full preload then says, from the beginning.
 */
export function startFromFreshCopy(): true | Handoff | undefined {
  let begun: Handoff | undefined;
  try {
    begun = beginPreload();
  } catch {
    return undefined;
  }
  if (!begun) return true;
  const { config, started } = begun;
  if (!started.hit) return begun;
  try {
    succeed(config, finishLoad(started, started.hit));
  } catch (error) {
    fail(error, config);
  }
  return true;
}
