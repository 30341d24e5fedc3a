/**
 * What the register entries run: load before the app's first line, one line on failure.
 * `node --import clarifai-secrets/register` awaits `preload()`; `node -r` calls `preloadSync()`.
 */
import { type Config, failOpenRequested, resolveConfig } from './config.js';
import { SecretsError } from './errors.js';
import { type LoadReport, MARKER, markerFor } from './load-job.js';
import { loadResolved } from './loader.js';
import { loadResolvedSync } from './loader-sync.js';
import { parseSelection } from './selection.js';
import { WORKER_ENV } from './sync-protocol.js';

/** One line of names, source and time: what debug mode prints. Never values. */
export function describeReport(report: LoadReport): string {
  const count = report.set.length === 1 ? '1 secret' : `${report.set.length} secrets`;
  let line = `loaded ${count} from ${report.source} in ${report.durationMs} ms`;
  if (report.set.length > 0) line += `: ${report.set.join(', ')}`;
  if (report.skipped.length > 0) line += `; skipped (already set or unsafe): ${report.skipped.join(', ')}`;
  if (report.missing.length > 0) line += `; missing optional: ${report.missing.join(', ')}`;
  return line;
}

function say(line: string): void {
  // Synchronous, so the line is out before a process.exit.
  process.getBuiltinModule('node:fs').writeSync(2, `clarifai-secrets: ${line}\n`);
}

/** The configuration, or undefined when there is nothing to do in this thread or process. */
function begin(): Config | undefined {
  const { isMainThread } = process.getBuiltinModule('node:worker_threads');
  if (!isMainThread || process.env[WORKER_ENV]) return undefined;
  const config = resolveConfig();
  const marker = process.env[MARKER];
  if (marker && marker === markerFor(config, parseSelection(config.secrets, config.userId))) {
    if (config.debug) say('already loaded by a parent process (CLARIFAI_SECRETS_LOADED): nothing to do');
    return undefined;
  }
  return config;
}

function succeed(config: Config, report: LoadReport): void {
  if (config.debug) say(describeReport(report));
}

/** `config` is undefined when the configuration itself was the problem. */
function fail(error: unknown, config: Config | undefined): void {
  // The code in brackets is what the README's error table and a search engine know it by.
  const message =
    error instanceof SecretsError
      ? `${error.message} [${error.code}]`
      : `internal error: ${error instanceof Error ? error.message : String(error)}`;
  if (config ? config.failOpen : failOpenRequested({})) {
    say(`warning: ${message} (CLARIFAI_SECRETS_FAIL_OPEN is on: starting without these secrets)`);
    return;
  }
  say(message);
  process.exit(1);
}

export async function preload(): Promise<void> {
  let config: Config | undefined;
  try {
    config = begin();
    if (config) succeed(config, await loadResolved(config, {}));
  } catch (error) {
    fail(error, config);
  }
}

export function preloadSync(): void {
  let config: Config | undefined;
  try {
    config = begin();
    if (config) succeed(config, loadResolvedSync(config, {}));
  } catch (error) {
    fail(error, config);
  }
}
