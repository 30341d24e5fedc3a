/**
 * Asking the API for one selection, and what happens around it: writing the
 * last-known-good copy after a success, serving it when the API cannot answer, and
 * deleting it when the API says the token or a secret is gone.
 */
import { clientFor } from '../api/client.js';
import { type CachedCopy, type DiskCache, ageOf } from './disk-cache.js';
import { MissingSecretsError, isSecretsError, isUnavailable, missingAdvice } from '../errors.js';
import type { Fetched, LoadJob } from './load-job.js';
import { isSelected, namedIdsToGet, resolveSelection } from '../settings/selection.js';
import type { Transport } from '../api/transport/types.js';
import { nearest, oneOf } from '../settings/nearest.js';
import { escapeControls, looksLikeValue, unshownId } from '../settings/printable.js';

/** GETs in flight at once: references can name dozens of ids, and the API allows about 15 requests a second. */
export const PARALLEL_GETS = 8;

/**
 * Every selected id and its value; values of unselected secrets are dropped at once. A list
 * walk also keeps every id it saw in `seen` (ids only), for the hint when one is missing.
 */
async function fetchSelected(job: LoadJob, transport: Transport, signal: AbortSignal, seen: Set<string>): Promise<Map<string, string>> {
  const client = clientFor(job.config, transport);
  const found = new Map<string, string>();
  const ids = namedIdsToGet(job.selection);
  if (ids) {
    let next = 0;
    const getter = async (): Promise<void> => {
      while (next < ids.length) {
        const id = ids[next++] as string;
        try {
          found.set(id, (await client.get(id, { signal })).value);
        } catch (error) {
          if (!isSecretsError(error, 'ERR_NOT_FOUND')) throw error;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL_GETS, ids.length) }, getter));
    return found;
  }
  for await (const secret of client.listValues({ signal })) {
    seen.add(secret.id);
    if (isSelected(job.selection, secret.id)) found.set(secret.id, secret.value);
  }
  return found;
}

/**
 * The error for missing required ids, each with the nearest existing ids when one is close
 * (`openai_key` for `openai-key`): names only. When the ids came from GETs, one list walk
 * finds the existing ids; it is a hint, so its own failure only leaves the hint out.
 */
async function missingError(job: LoadJob, transport: Transport, signal: AbortSignal, missing: readonly string[], seen: Set<string>): Promise<MissingSecretsError> {
  if (seen.size === 0) {
    try {
      const client = clientFor(job.config, transport);
      for await (const secret of client.listValues({ signal })) seen.add(secret.id);
    } catch {
      seen.clear();
    }
  }
  // A value pasted where an id belongs is not echoed, in the message or the error's list.
  const shown = missing.map((id) => (looksLikeValue(id) ? unshownId(id) : escapeControls(id)));
  const listed = missing.map((id, i) => {
    const near = looksLikeValue(id) ? [] : nearest(id, seen, { loose: true });
    return near.length > 0 ? `${shown[i]} (did you mean ${oneOf(near)}?)` : shown[i];
  });
  return new MissingSecretsError(
    shown,
    `${missing.length === 1 ? 'secret' : `${missing.length} secrets`} not found: ${listed.join(', ')}; ${missingAdvice(missing.length)}`,
  );
}

/** The answers after which a copy must never be served again. */
const GONE = new Set(['ERR_AUTH', 'ERR_FORBIDDEN', 'ERR_NOT_FOUND', 'ERR_MISSING_SECRETS']);

/** True when the API said the token or a secret is gone: a copy must not outlive that answer. */
export function isGone(error: unknown): boolean {
  return isSecretsError(error) && GONE.has(error.code);
}

/**
 * The selection as the API has it now: no cache, no fallback, no copy written. `signal`
 * ends it early (the job's deadline always does).
 */
export async function fetchFromApi(job: LoadJob, transport: Transport, signal?: AbortSignal): Promise<CachedCopy> {
  const deadline = AbortSignal.timeout(Math.max(1, job.deadlineAt - Date.now()));
  const both = signal ? AbortSignal.any([signal, deadline]) : deadline;
  const seen = new Set<string>();
  const found = await fetchSelected(job, transport, both, seen);
  const resolved = resolveSelection(job.selection, found);
  if (resolved.missingRequired.length > 0) throw await missingError(job, transport, both, resolved.missingRequired, seen);
  const copy: CachedCopy = { at: Date.now(), entries: resolved.entries, missing: resolved.missing, dangerous: resolved.dangerous };
  if (resolved.unfit) copy.unfit = resolved.unfit;
  return copy;
}

/**
 * A fresh copy from the API, or the fallback. What is kept of a fresh one (memory, the disk
 * copy) is the caller's, through start.ts's keepFresh: the sync worker leaves it to the thread
 * that waits for it.
 */
export async function fetchFresh(job: LoadJob, transport: Transport, warn: (message: string) => void, disk: DiskCache | undefined): Promise<Fetched> {
  try {
    const copy = await fetchFromApi(job, transport);
    return { ...copy, source: 'api' };
  } catch (error) {
    // A usable answer never came (unreachable, 5xx, throttled, too slow, garbage): the app
    // may start from the last-known-good copy. "No" from the API is never overruled.
    if ((isUnavailable(error) || isSecretsError(error, 'ERR_BAD_RESPONSE')) && job.config.fallback && disk) {
      const copy = disk.read();
      if (copy) {
        warn(`${(error as Error).message}; using the last-known-good copy from ${ageOf(copy.at)} ago`);
        return { ...copy, source: 'fallback' };
      }
    }
    if (isGone(error)) disk?.remove();
    throw error;
  }
}
