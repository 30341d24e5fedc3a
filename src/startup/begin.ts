/**
 * The first and last steps of every preload start, shared by the full preload (preload.ts)
 * and the cache-hit start (warm.ts), so that both decide "nothing to do", and report, the
 * same way.
 */
import { type Config, failOpenRequested, resolveConfig } from '../settings/config.js';
import { type LoadReport, alreadyLoaded, nowMs } from '../load/load-job.js';
import { describeMisspelt, misspeltSettings } from '../settings/misspelt.js';
import { WORKER_ENV } from '../load/sync-protocol.js';
import { describeReport, reportFailure, say } from './output.js';

/**
 * The configuration, or undefined when there is nothing to do: inside the package's own
 * sync worker, or when the marker shows this selection is loaded (by a parent process, or by
 * the main thread that started this worker thread: a worker gets a copy of its env). Says so
 * in debug mode. Throws what the configuration's resolver throws.
 */
export function configToLoad(): Config | undefined {
  if (process.env[WORKER_ENV]) return undefined;
  const config = resolveConfig();
  const done = alreadyLoaded(config, process.env, nowMs());
  if (done) {
    if (config.debug) say(describeReport(done));
    return undefined;
  }
  return config;
}

/** The one warning about variables that look like misspelt settings, once per start. */
export function warnMisspelt(): void {
  const misspelt = misspeltSettings(Object.keys(process.env));
  if (misspelt.length > 0) say(`warning: ${describeMisspelt(misspelt)}`);
}

/** The debug line of a load that is done. */
export function succeed(config: Config, report: LoadReport): void {
  if (config.debug) say(describeReport(report));
}

/** The one failure line; stops the process unless fail-open. `config` is undefined when the configuration itself was the problem. */
export function fail(error: unknown, config: Config | undefined): void {
  if (!reportFailure(error, config ? config.failOpen : failOpenRequested({}))) process.exit(1);
}
