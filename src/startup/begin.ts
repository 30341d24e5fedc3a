/**
 * The first and last steps of every preload start, shared by the full preload (preload.ts)
 * and the cache-hit start (warm.ts), so that both decide "nothing to do", and report, the
 * same way.
 */
import { type Config, failOpenRequested, resolveConfig } from '../settings/config.js';
import type { LoadReport } from '../load/load-job.js';
import { type Started, startLoad } from '../load/start.js';
import { describeMisspelt, misspeltSettings } from '../settings/misspelt.js';
import { WORKER_ENV } from '../load/sync-protocol.js';
import { warnOnStderr } from '../warn.js';
import { describeReport, reportFailure, say } from './output.js';

/**
 * What the cache-hit start hands on to the full preload when it has no fresh copy: the
 * settings, the job and the copy's handle, so that nothing is resolved, prepared or read twice.
 */
export interface Handoff {
  config: Config;
  started: Started;
}

function isHandoff(value: unknown): value is Handoff {
  return typeof value === 'object' && value !== null && 'config' in value && 'started' in value;
}

/**
 * A preload's start (load/start.ts), or undefined when there is nothing to do: inside the
 * package's own sync worker, or when the marker shows this selection is loaded (by a parent
 * process, or by the main thread that started this worker thread: a worker gets a copy of its
 * env), which debug mode reports. The misspelt-settings warning is given once, here, when
 * there is a load to do. Throws what the configuration's resolver throws.
 */
export function beginPreload(handed?: unknown): Handoff | undefined {
  // Handed on by the cache-hit start, which has given the warning already.
  if (isHandoff(handed)) return handed;
  if (process.env[WORKER_ENV]) return undefined;
  const config = resolveConfig();
  const start = startLoad(config, { deferCopy: true }, warnOnStderr);
  if ('done' in start) {
    succeed(config, start.done);
    return undefined;
  }
  warnMisspelt(config);
  return { config, started: start };
}

/** The warning about variables that look like misspelt settings, in the environment and in the `.env` file, once per start. */
export function warnMisspelt(config: Config): void {
  const misspelt = misspeltSettings(Object.keys(process.env));
  if (misspelt.length > 0) say(`warning: ${describeMisspelt(misspelt)}`);
  const inFile = misspeltSettings(config.envFileKeys);
  if (inFile.length > 0) say(`warning: ${describeMisspelt(inFile, `in ${config.envFile}`)}`);
}

/** The debug line of a load that is done. */
export function succeed(config: Config, report: LoadReport): void {
  if (config.debug) say(describeReport(report));
}

/** The one failure line; stops the process unless fail-open. `config` is undefined when the configuration itself was the problem. */
export function fail(error: unknown, config: Config | undefined): void {
  if (!reportFailure(error, config ? config.failOpen : failOpenRequested({}))) process.exit(1);
}
