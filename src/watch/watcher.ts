/**
 * `watchSecrets`: one load, then the same selection asked for again on a timer, so a
 * long-running process picks up a rotated secret without a restart.
 */
import { loadTransport } from '../api/transport/choose.js';
import { ConfigError, isSecretsError, isUnavailable } from '../errors.js';
import { fetchFromApi, isGone } from '../load/fetch-fresh.js';
import type { CachedCopy } from '../load/disk-cache.js';
import { type LoadJob, type LoadReport, nowMs, prepareJob } from '../load/load-job.js';
import { diskCacheFor } from '../load/start.js';
import { type LoadSecretsOptions, loadResolved } from '../load/loader.js';
import { resolveConfig } from '../settings/config.js';
import { debugged, failedOpen } from '../load/reported.js';
import { keepFresh } from '../load/memory-cache.js';
import { warnOnStderr } from '../warn.js';
import { type Owned, type SecretsChange, applyCopy, isEmptyChange } from './apply.js';
import { Fingerprints } from './fingerprints.js';
import { valueBehind } from '../files/secret-files.js';
import { namesMarked } from '../settings/selection.js';
import { delayAfterFailure, jittered } from './schedule.js';

export type { SecretsChange } from './apply.js';

export interface WatchSecretsOptions extends LoadSecretsOptions {
  /**
   * Milliseconds between two polls, spread by up to 10% either way. A failed poll waits
   * longer each time (doubling, up to 5 minutes or the interval when that is longer); a
   * refused token is asked again at the interval. Each poll is one list walk (two requests
   * up to 1,000 secrets), or one GET per id for a selection of one or two named ids.
   * @default 60000
   */
  intervalMs?: number;
  /**
   * Called after a poll changed `env`, with env names only, never values. Not called
   * when nothing changed.
   */
  onChange?: (change: SecretsChange) => void;
  /**
   * Called with the error of every failed poll; the values already in `env` stay. When set,
   * the watcher prints nothing of its own.
   * @default one warning line (through `onWarning`) when an outage starts or its cause
   * changes, and one when polls succeed again
   */
  onError?: (error: unknown) => void;
}

export interface SecretsWatcher extends Disposable {
  /** The first load's report, as `loadSecrets` returns it. */
  readonly report: LoadReport;
  /** Stops polling and abandons a poll in flight. Safe to call more than once. */
  close(): void;
}

const DEFAULT_INTERVAL_MS = 60_000;

/**
 * Loads the selection exactly as `loadSecrets(options)` does (and rejects as it would),
 * then asks the API again every `intervalMs`, applies what changed to `options.env`
 * (default `process.env`) and calls `onChange`. Its timer never keeps the process alive.
 */
export async function watchSecrets(options: WatchSecretsOptions = {}): Promise<SecretsWatcher> {
  const intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS;
  if (!(Number.isFinite(intervalMs) && intervalMs > 0)) {
    throw new ConfigError(`intervalMs must be a number of milliseconds above 0 (got ${String(intervalMs)})`);
  }
  const env = options.env ?? process.env;
  // The job first: the load replaces the env's clarifai:// references, which the polls must
  // still ask for. Its error waits: the load rejects first, as loadSecrets would.
  // Both are made once: the load starts from this job rather than preparing its own.
  const config = resolveConfig(options);
  let job: LoadJob | undefined;
  let unprepared: unknown;
  try {
    job = prepareJob(options, config);
  } catch (error) {
    unprepared = error;
  }
  // As loadSecrets does: debug's line, and with failOpen a failed first load is a warning and
  // a report of source 'failed'; the polls then bring the values once the API answers.
  const startedAt = nowMs();
  let report: LoadReport;
  try {
    report = debugged(config, await loadResolved(config, options, job));
  } catch (error) {
    report = failedOpen(error, config, options, startedAt);
  }
  // The load needed no token (the env already held this selection); polling does.
  if (!job) throw unprepared;
  const poller = new Poller(job, options, env, intervalMs);
  await poller.start(report);
  return {
    report,
    close: () => poller.close(),
    [Symbol.dispose]: () => poller.close(),
  };
}

class Poller {
  readonly #job: LoadJob;
  readonly #options: WatchSecretsOptions;
  readonly #env: Record<string, string | undefined>;
  readonly #intervalMs: number;
  readonly #warn: (message: string) => void;
  readonly #fingerprints = new Fingerprints();
  readonly #owned: Owned = new Map();
  readonly #stop = new AbortController();
  /** The keyed hash of the copy on disk, so it is rewritten only when values change. */
  #onDisk: string | undefined;
  /** The keyed hash of the last copy applied to the env. */
  #applied: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #failures = 0;
  /** Names already in the env are still to be taken over (see #adoptNow). */
  #adopt = false;
  /** The kind of failure last warned about, while an outage lasts (default onError only). */
  #warned: string | undefined;

  constructor(job: LoadJob, options: WatchSecretsOptions, env: Record<string, string | undefined>, intervalMs: number) {
    this.#job = job;
    this.#options = options;
    this.#env = env;
    this.#intervalMs = intervalMs;
    this.#warn = options.onWarning ?? warnOnStderr;
  }

  async start(report: LoadReport): Promise<void> {
    if (report.source === 'marker') await this.#adoptNow();
    for (const name of report.set) {
      const value = this.#env[name];
      if (value !== undefined) this.#owned.set(name, this.#fingerprints.of(valueBehind(value)));
    }
    const copy = diskCacheFor(this.#job, this.#warn)?.read();
    if (copy) this.#onDisk = this.#fingerprints.ofCopy(copy);
    this.#schedule(jittered(this.#intervalMs));
  }

  /**
   * The env held this selection already (a preload, `run`), so the load set nothing: ask once
   * now, and take over each name whose value is the secret's. When that fails, the first
   * successful poll does it.
   */
  async #adoptNow(): Promise<void> {
    this.#adopt = true;
    const job = { ...this.#job, deadlineAt: Date.now() + this.#job.config.timeout };
    try {
      this.#adoptFrom(await fetchFromApi(job, loadTransport(this.#options.dispatcher)));
    } catch {
      // The first poll tries again, and reports what goes wrong.
    }
  }

  #adoptFrom(copy: CachedCopy): void {
    if (!this.#adopt) return;
    this.#adopt = false;
    for (const [name, value] of copy.entries) {
      const current = this.#env[name];
      if (current !== undefined && valueBehind(current) === value) this.#owned.set(name, this.#fingerprints.of(value));
    }
  }

  close(): void {
    if (this.#stop.signal.aborted) return;
    this.#stop.abort();
    clearTimeout(this.#timer);
  }

  #schedule(ms: number): void {
    if (this.#stop.signal.aborted) return;
    this.#timer = setTimeout(() => void this.#poll(), ms);
    this.#timer.unref();
  }

  async #poll(): Promise<void> {
    const job = { ...this.#job, deadlineAt: Date.now() + this.#job.config.timeout };
    let change: SecretsChange;
    try {
      const copy = await fetchFromApi(job, loadTransport(this.#options.dispatcher), this.#stop.signal);
      if (this.#stop.signal.aborted) return;
      this.#adoptFrom(copy);
      const fingerprint = this.#fingerprints.ofCopy(copy);
      // The same answer as last time (the usual poll): one hash instead of one per value.
      change =
        fingerprint === this.#applied
          ? { changed: [], added: [], removed: [] }
          : applyCopy(copy, this.#owned, this.#env, job.config.override, this.#fingerprints, namesMarked(job.selection, 'file'));
      this.#applied = fingerprint;
      // The copy on disk is rewritten only when the answer changed: polls are frequent.
      const changed = fingerprint !== this.#onDisk;
      keepFresh(job, changed ? diskCacheFor(job, this.#warn) : undefined, { ...copy, source: 'api' }, changed);
      this.#onDisk = fingerprint;
    } catch (error) {
      if (this.#stop.signal.aborted) return;
      this.#failed(error);
      return;
    }
    this.#recovered();
    this.#schedule(jittered(this.#intervalMs));
    if (!isEmptyChange(change)) this.#options.onChange?.(change);
  }

  #failed(error: unknown): void {
    // The copy must not outlive the API's "no", as after a load.
    if (isGone(error)) {
      diskCacheFor(this.#job, this.#warn)?.remove();
      this.#onDisk = undefined;
    }
    this.#failures++;
    this.#schedule(delayAfterFailure(this.#intervalMs, this.#failures, error));
    if (this.#options.onError) {
      this.#options.onError(error);
      return;
    }
    // Timeouts, 5xx and garbage pages all mean "unreachable": one line for all of them. A
    // different answer (the token refused after an outage) is news, and gets its own line.
    const kind = isUnavailable(error) || isSecretsError(error, 'ERR_BAD_RESPONSE') ? 'unreachable' : isSecretsError(error) ? error.code : 'error';
    if (this.#warned === kind) return;
    this.#warned = kind;
    const message = error instanceof Error ? error.message : String(error);
    this.#warn(`cannot refresh secrets: ${message}; keeping the values loaded before, and trying again`);
  }

  #recovered(): void {
    if (this.#failures > 0 && !this.#options.onError && this.#warned !== undefined) {
      this.#warn(`refreshing secrets works again after ${this.#failures} failed ${this.#failures === 1 ? 'poll' : 'polls'}`);
    }
    this.#failures = 0;
    this.#warned = undefined;
  }
}
