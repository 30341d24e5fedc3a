/**
 * The in-process cache: loads of the same base URL, user, token and selection share one
 * request while it runs, and its result for `CLARIFAI_SECRETS_CACHE_TTL` seconds.
 *
 * It lives in a `globalThis` slot so that the ESM and CJS copies of this package (a
 * preload loaded with `-r` and an app that imports us) see one cache. lru-cache is loaded
 * on the first load that needs it, not when the package is imported.
 */
import type { LRUCache } from 'lru-cache';
import { lazyRequire } from './lazy-require.js';
import type { Fetched, LoadJob } from './load-job.js';

type Cache = LRUCache<string, Fetched, () => Promise<Fetched>>;

const SLOT = Symbol.for('clarifai-secrets.memory-cache.v1');
const slot = globalThis as { [SLOT]?: Cache };

function cache(): Cache {
  slot[SLOT] ??= new (lazyRequire<typeof import('lru-cache')>('lru-cache').LRUCache)<
    string,
    Fetched,
    () => Promise<Fetched>
  >({
    max: 64,
    fetchMethod: (_key, _stale, { context }) => context(),
  });
  return slot[SLOT];
}

function ttlOf(job: LoadJob): number | undefined {
  return job.config.cacheTtl > 0 ? job.config.cacheTtl * 1000 : undefined;
}

/** A cached result still inside its TTL, without starting anything (the sync path). */
export function peekMemory(job: LoadJob): Fetched | undefined {
  const hit = slot[SLOT]?.get(job.memoryKey);
  return hit && { ...hit, source: 'cache' };
}

export function rememberInMemory(job: LoadJob, fetched: Fetched): void {
  const ttl = ttlOf(job);
  if (ttl && fetched.source !== 'fallback') cache().set(job.memoryKey, fetched, { ttl });
}

/** Runs `load` unless the same load is running or cached, and shares its result. */
export async function sharedLoad(job: LoadJob, load: () => Promise<Fetched>): Promise<Fetched> {
  const lru = cache();
  const ttl = ttlOf(job);
  const status: LRUCache.Status<string, Fetched> = {};
  let keep = false;
  try {
    const result = await lru.fetch(job.memoryKey, ttl ? { context: load, ttl, status } : { context: load, status });
    if (!result) throw new Error('the in-process cache returned nothing');
    // A fallback is kept for no one: the next load should ask the API again.
    keep = ttl !== undefined && result.source !== 'fallback';
    return status.fetch === 'hit' ? { ...result, source: 'cache' } : result;
  } finally {
    // Without a TTL the entry exists only to share the request in flight.
    if (!keep) lru.delete(job.memoryKey);
  }
}
