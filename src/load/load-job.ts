/**
 * The job of one load, which `loadSecrets`, `loadSecretsSync` (and its worker) and the
 * watcher share: what to fetch, with which token, by when, and the marker: whether a
 * parent's covers it, and what a load leaves (start.ts's finishLoad applies the values).
 */
import { type Config, type LoadOptions, requireToken, resolveConfig } from '../settings/config.js';
import type { SecretsError } from '../errors.js';
import { type Selection, type Unfit, selectionOf } from '../settings/selection.js';
import { hasEntries, hasReferences, referencesToLoad, withReferences } from '../settings/references.js';
import { MARKER, formatMarker, parseMarker, settingsPart } from '../settings/marker.js';

export { MARKER };

export type Source = 'api' | 'cache' | 'fallback' | 'marker';

/** What one load produced, before it is applied. Values live only here and in the env. */
export interface Fetched {
  entries: Array<[name: string, value: string]>;
  missing: string[];
  dangerous: string[];
  /** Selected secrets that no environment variable can hold: skipped, with one warning (start.ts's finishLoad). */
  unfit?: Unfit[];
  source: Source;
  /** Epoch ms of the fetch behind it. */
  at: number;
}

/** What `loadSecrets` returns: names only, never values. */
export interface LoadReport {
  /** Env names that were set. */
  set: string[];
  /** Env names left alone: already set (and no override), exec-hook names, or values no env var can hold (see docs/selection.md). */
  skipped: string[];
  /** Optional ids (`ID?`) that do not exist. */
  missing: string[];
  /**
   * `api`: fetched now; `cache`: a fresh cached copy; `fallback`: the last-known-good copy, the
   * API being unreachable; `marker`: nothing to do, `CLARIFAI_SECRETS_LOADED` shows that this
   * selection is already in the env (loaded by `run`, a preload, a parent process or an
   * earlier call), so no request was made and no token was needed; `failed`: the load failed
   * and `failOpen` is on, so nothing was set and `error` says why.
   */
  source: Source | 'failed';
  durationMs: number;
  /** The load's error, only with `failOpen` on and `source: 'failed'`. */
  error?: SecretsError;
}

/** Everything a load needs, in plain data so it can cross to the sync worker. */
export interface LoadJob {
  config: Config;
  /** What to fetch: CLARIFAI_SECRETS and the env's `clarifai://` references. */
  selection: Selection;
  token: string;
  /** In-process cache key: base URL, user, token and selection (never leaves the process). */
  memoryKey: string;
  /** `Selection.key` of CLARIFAI_SECRETS, with the `.env` file's references: what the marker names. */
  markedKey: string;
  /**
   * The marker's selection part for this selection, once computed (see `markerOf`): it is
   * the load's first use of node:crypto, which a fetch does while its request is out.
   */
  marker?: string;
  /** Epoch ms by which the whole load must be over. */
  deadlineAt: number;
  /** Write the copy after the code that runs next (the preload and `run`): see DiskCache.writeSoon. */
  deferCopy: boolean;
}

function digest(...parts: string[]): string {
  return process.getBuiltinModule('node:crypto').createHash('sha256').update(parts.join('\n')).digest('hex');
}

/** Milliseconds for durations; `performance.now()` would load perf_hooks on the startup path. */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/**
 * The marker's selection part (settings/marker.ts has the whole format). It names the base URL, user and selection
 * (not the token, which `run` removes from the child), hashed so it reveals none of them.
 * The selection is CLARIFAI_SECRETS alone: references are covered by being gone, since a
 * load replaces each one with its value (or unsets a missing optional one).
 */
export function markerFor(config: Config, selection: Pick<Selection, 'key'>): string {
  return digest('marker', config.baseUrl, config.userId, selection.key).slice(0, 24);
}

/** The job's marker's selection part, computed on first use and kept. */
export function markerOf(job: LoadJob): string {
  job.marker ??= markerFor(job.config, { key: job.markedKey });
  return job.marker;
}

/** The `CLARIFAI_SECRETS_LOADED` value a load leaves: both parts. */
export function fullMarkerOf(job: LoadJob): string {
  const { texts, envFileDigest } = job.config.markedSettings;
  return formatMarker(markerOf(job), settingsPart(texts, envFileDigest));
}

/** Whether a marker in the env is of this selection (its selection part alone: settings spelt otherwise resolve to the same). */
function markerMatches(value: string | undefined, selectionPart: string): boolean {
  return parseMarker(value)?.selection === selectionPart;
}

/**
 * What the marker names: CLARIFAI_SECRETS, and the `.env` file's reference lines when it has
 * any (all of them, set or not: a child that finds them set by its parent is covered too).
 */
function markedKeyOf(config: Config, base: Selection): string {
  return config.fileReferences.length === 0 ? base.key : JSON.stringify([base.key, 'env-file references', config.fileReferences]);
}

/**
 * Whether a parent's marker says everything in `env` is loaded: its selection is ours and no
 * variable still holds a reference (a child's own new ones must still be resolved).
 */
export function markerCovers(config: Config, env: Record<string, string | undefined>, base: Selection = selectionOf(config)): boolean {
  const marker = env[MARKER];
  return marker !== undefined && markerMatches(marker, markerFor(config, { key: markedKeyOf(config, base) })) && !hasReferences(env);
}

/**
 * The report of a load that is already done: the env carries the marker of this selection.
 * Checked before the token is required, so code started by `run` (which removes the token)
 * can call `loadSecrets()` too.
 */
export function alreadyLoaded(
  config: Config,
  env: Record<string, string | undefined>,
  startedAt: number,
  base?: Selection,
): LoadReport | undefined {
  if (!markerCovers(config, env, base)) return undefined;
  return { set: [], skipped: [], missing: [], source: 'marker', durationMs: Math.round((nowMs() - startedAt) * 10) / 10 };
}

/** `base`: CLARIFAI_SECRETS already parsed (selectionOf), when the caller has it from the marker check. */
export function prepareJob(
  options: LoadOptions & { env?: Record<string, string | undefined>; reload?: boolean; deferCopy?: boolean },
  config: Config = resolveConfig(options),
  base: Selection = selectionOf(config),
): LoadJob {
  const env = options.env ?? process.env;
  const markedKey = markedKeyOf(config, base);
  // Hashed now only when there is a parent's marker to compare it with.
  const marker = env[MARKER] === undefined ? undefined : markerFor(config, { key: markedKey });
  // A parent loaded CLARIFAI_SECRETS and the .env's reference lines already (the marker names
  // both): only references it could not see, the env's own new ones, are left.
  const covered = !options.reload && marker !== undefined && markerMatches(env[MARKER], marker);
  const references = referencesToLoad(env, config, covered);
  const selection = withReferences(base, references, {
    explicit: hasEntries(config.secrets),
    covered,
  });
  const token = requireToken(config);
  return {
    config,
    selection,
    token,
    // In-process only, so no hash: the marker's is the one digest a load computes.
    memoryKey: JSON.stringify([config.baseUrl, config.userId, token, selection.key]),
    markedKey,
    ...(marker === undefined ? {} : { marker }),
    deadlineAt: Date.now() + config.timeout,
    deferCopy: options.deferCopy === true,
  };
}
