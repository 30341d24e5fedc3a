/**
 * The in-process cache: loads of the same base URL, user, token and selection share one
 * request while it runs, and its result for `CLARIFAI_SECRETS_CACHE_TTL` seconds; and
 * `keepFresh`, the one rule for what a load keeps of a fresh answer (memory and disk copy).
 *
 * It lives in a `globalThis` slot so that the ESM and CJS copies of this package (a
 * preload loaded with `-r` and an app that imports us) see one cache. Loads in flight are a
 * plain Map; results are kept in an lru-cache (TTL and a size bound), created when the
 * first result with a TTL is stored: a preload with no TTL never loads it.
 */
import type { LRUCache } from 'lru-cache';
import { lazyRequire } from '../lazy-require.js';
import type { Fetched, LoadJob } from './load-job.js';
import type { DiskCache } from './disk-cache.js';

interface Slot {
  inFlight: Map<string, Promise<Fetched>>;
  results?: LRUCache<string, Fetched>;
}

const SLOT = Symbol.for('clarifai-secrets.memory-cache.v2');
const global = globalThis as { [SLOT]?: Slot };

function slot(): Slot {
  global[SLOT] ??= { inFlight: new Map() };
  return global[SLOT];
}

/**
 * A result still inside this load's TTL, without starting anything. The TTL is the asking
 * load's, not the storing one's: `cacheTtl: 0` after a load with a TTL asks the API.
 */
export function peekMemory(job: LoadJob): Fetched | undefined {
  const ttlMs = job.config.cacheTtl * 1000;
  if (ttlMs === 0) return undefined;
  const hit = global[SLOT]?.results?.get(job.memoryKey);
  if (!hit) return undefined;
  const age = Date.now() - hit.at;
  return age >= 0 && age < ttlMs ? { ...hit, source: 'cache' } : undefined;
}

/**
 * Keeps a result fresh from the API for the TTL. Copies (from the cache or a fallback) are
 * not kept: that would stretch their age past the TTL, or stop the next load asking again.
 */
export function rememberInMemory(job: LoadJob, fetched: Fetched): void {
  if (fetched.source !== 'api') return;
  // A load with no TTL keeps nothing, but its answer is newer than what an earlier load kept.
  if (job.config.cacheTtl === 0) {
    global[SLOT]?.results?.delete(job.memoryKey);
    return;
  }
  const s = slot();
  s.results ??= new (lazyRequire<typeof import('lru-cache')>('lru-cache').LRUCache)<string, Fetched>({ max: 64 });
  s.results.set(job.memoryKey, fetched, { ttl: job.config.cacheTtl * 1000 });
}

/** Runs `load` unless the same load is already running, and shares its result (`load` keeps it: start.ts's keepFresh). */
export function sharedLoad(job: LoadJob, load: () => Promise<Fetched>): Promise<Fetched> {
  const { inFlight } = slot();
  const running = inFlight.get(job.memoryKey);
  if (running) return running;
  const started = load().then(
    (fetched) => {
      inFlight.delete(job.memoryKey);
      return fetched;
    },
    (error: unknown) => {
      inFlight.delete(job.memoryKey);
      throw error;
    },
  );
  inFlight.set(job.memoryKey, started);
  return started;
}

/**
 * What a load keeps of an answer fresh from the API, once per request, decided here for every
 * entry point: the result in memory for the TTL, and the last-known-good copy, written before
 * the load resolves, or once the app has started when the job defers it (DiskCache.writeSoon).
 * `writeCopy: false` keeps the copy on disk as it is (a watcher's poll that brought nothing new).
 */
export function keepFresh(job: LoadJob, disk: DiskCache | undefined, fetched: Fetched, writeCopy = true): void {
  if (fetched.source !== 'api') return;
  rememberInMemory(job, fetched);
  if (!writeCopy || !disk) return;
  const { source: _source, ...copy } = fetched;
  if (job.deferCopy) disk.writeSoon(copy);
  else disk.write(copy);
}
