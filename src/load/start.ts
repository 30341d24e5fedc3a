/**
 * The one pipeline of a load. Every entry point (both preloads and their cache-hit start,
 * `loadSecrets`, `loadSecretsSync`, `run`, the watcher's first load) begins with `startLoad`
 * (the marker, the job, a memory or disk hit) and ends with `finishLoad`; they differ only in
 * how they fetch when there is no hit. What is kept of an answer fresh from the API (the
 * in-process result, the disk copy) is decided in memory-cache.ts's `keepFresh` alone.
 */
import type { Config, LoadOptions } from '../settings/config.js';
import { DiskCache, type Warn } from './disk-cache.js';
import { type Fetched, type LoadJob, type LoadReport, MARKER, alreadyLoaded, fullMarkerOf, nowMs, prepareJob } from './load-job.js';
import { describeUnfit, namesMarked, selectionOf } from '../settings/selection.js';
import { placeFiles } from '../files/secret-files.js';
import { rememberResolved } from '../settings/references.js';

type Env = Record<string, string | undefined>;

/** A load past its start that has work left: a hit to apply, or a fetch to make. */
export interface Started {
  config: Config;
  job: LoadJob;
  env: Env;
  warn: Warn;
  /** The disk copy's handle: its read is kept, so a fallback decrypts nothing twice. */
  disk: DiskCache | undefined;
  startedAt: number;
  /** A result in memory, or a disk copy inside the TTL: no request needed. */
  hit?: Fetched;
}

export type Start = { done: LoadReport } | Started;

export interface StartOptions extends LoadOptions {
  env?: Env;
  onWarning?: Warn;
  reload?: boolean;
  deferCopy?: boolean;
}

/**
 * The shared start: done at once when the marker covers the selection (no token needed),
 * else the job, the copy's handle and any hit: `inMemory`'s (memory-cache.ts's peekMemory;
 * the cache-hit start of a new process has none, and leaves that module out of its bundle),
 * else a disk copy inside the TTL. Throws what the configuration and the selection throw.
 * `prepared` is a job the caller already made with the same options (the watcher keeps it
 * for its polls), so it is not made twice.
 */
export function startLoad(
  config: Config,
  options: StartOptions,
  warn: Warn,
  inMemory?: (job: LoadJob) => Fetched | undefined,
  prepared?: LoadJob,
): Start {
  const startedAt = nowMs();
  const env = options.env ?? process.env;
  // CLARIFAI_SECRETS parsed once, for the marker check and the job.
  const base = prepared ? undefined : selectionOf(config);
  const done = options.reload ? undefined : alreadyLoaded(config, env, startedAt, base);
  if (done) return { done };
  const job = prepared ?? prepareJob(options, config, base);
  const disk = diskCacheFor(job, warn);
  const hit = inMemory?.(job) ?? freshFromDisk(job, disk);
  return { config, job, env, warn, disk, startedAt, ...(hit ? { hit } : {}) };
}

/**
 * The shared end: the one warning about values no env var can hold, then the values applied
 * under the override rule (a file secret's to its file first), the marker, and the report.
 */
export function finishLoad(started: Started, fetched: Fetched): LoadReport {
  const job = started.job;
  const env = started.env;
  // A variable holding a reference is replaced whatever the override rule says.
  const references = namesMarked(job.selection, 'reference');
  const files = namesMarked(job.selection, 'file');
  if (fetched.unfit) started.warn(describeUnfit(fetched.unfit));
  const set: string[] = [];
  const skipped: string[] = [...fetched.dangerous, ...(fetched.unfit ?? []).map((u) => u.name)];
  // One look at what is set, not one per secret: each process.env access crosses into C++.
  // Windows compares env names without case.
  const fold = process.platform === 'win32' ? (name: string) => name.toUpperCase() : (name: string) => name;
  const present = job.config.override
    ? undefined
    : new Set(Object.keys(env).filter((name) => env[name] !== undefined).map(fold));
  const applied: Array<[string, string]> = [];
  for (const entry of fetched.entries) {
    const [name] = entry;
    if (present?.has(fold(name)) && !references.has(name)) skipped.push(name);
    else applied.push(entry);
  }
  // Every file first (none is left when one fails), then the env: all of the load or none.
  for (const [name, value] of placeFiles(applied, files)) {
    env[name] = value;
    set.push(name);
    references.delete(name);
  }
  // What is left are optional references to missing secrets: unset, not left holding the reference.
  for (const name of references) delete env[name];
  rememberResolved(env, job.config, job.selection);
  env[MARKER] = fullMarkerOf(job);
  return {
    set,
    skipped,
    missing: [...fetched.missing],
    source: fetched.source,
    durationMs: Math.round((nowMs() - started.startedAt) * 10) / 10,
  };
}

export function diskCacheFor(job: LoadJob, warn: Warn): DiskCache | undefined {
  const { config } = job;
  if (!config.cacheDir) {
    if (config.cacheWarning) warn(config.cacheWarning);
    return undefined;
  }
  return new DiskCache(
    { dir: config.cacheDir, token: job.token, baseUrl: config.baseUrl, userId: config.userId, selection: job.selection.key },
    warn,
  );
}

/**
 * The disk copy when it is inside the TTL: served with no request. Read synchronously, so
 * both loaders share it, and before anything heavier is loaded (the cache-hit startup path).
 */
export function freshFromDisk(job: LoadJob, disk: DiskCache | undefined): Fetched | undefined {
  if (job.config.cacheTtl === 0 || !disk) return undefined;
  const copy = disk.read();
  if (!copy) return undefined;
  const age = Date.now() - copy.at;
  return age >= 0 && age < job.config.cacheTtl * 1000 ? { ...copy, source: 'cache' } : undefined;
}
