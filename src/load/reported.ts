/**
 * What a load says about itself: the debug report and the failure line (names only, never
 * values), and what `loadSecrets` and `loadSecretsSync` do with their `debug` and
 * `failOpen` settings. The preload and `run` print the same lines (startup/output.ts).
 */
import { SecretsError } from '../errors.js';
import { type Config, type LoadOptions, failOpenRequested } from '../settings/config.js';
import { type LoadReport, nowMs } from './load-job.js';
import { warnOnStderr } from '../warn.js';

/** The debug line: names, source and time. */
export function describeReport(report: LoadReport): string {
  if (report.source === 'marker') return 'already loaded (CLARIFAI_SECRETS_LOADED covers this selection): nothing to do';
  const count = report.set.length === 1 ? '1 secret' : `${report.set.length} secrets`;
  let line = `loaded ${count} from ${report.source} in ${report.durationMs} ms`;
  if (report.set.length > 0) line += `: ${report.set.join(', ')}`;
  if (report.skipped.length > 0) line += `; skipped (already set or unsafe): ${report.skipped.join(', ')}`;
  if (report.missing.length > 0) line += `; missing optional: ${report.missing.join(', ')}`;
  return line;
}

/** The code in brackets is what the README's error table and a search engine know it by. */
export function failureMessage(error: unknown): string {
  return error instanceof SecretsError
    ? `${error.message} [${error.code}]`
    : `internal error: ${error instanceof Error ? error.message : String(error)}`;
}

/**
 * `loadSecrets`'s and `loadSecretsSync`'s debug line. Through `process.stderr.write`, not fd
 * 2 as `say` does: in an app (not a preload about to exit) that is what a host or a test
 * that captures stderr sees.
 */
export function debugged(config: Config, report: LoadReport): LoadReport {
  if (config.debug) process.stderr.write(`clarifai-secrets: ${describeReport(report)}\n`);
  return report;
}

/**
 * What `loadSecrets` and `loadSecretsSync` do with a failed load: throw it, or with fail-open
 * warn once and return a report that names it. `config` is undefined when the configuration
 * itself was the problem. Only a load's own failures open: a bug or a misuse still throws.
 */
export function failedOpen(
  error: unknown,
  config: Config | undefined,
  options: LoadOptions & { onWarning?: (message: string) => void },
  startedAt: number,
): LoadReport {
  if (!(error instanceof SecretsError) || !(config ? config.failOpen : failOpenRequested(options))) throw error;
  (options.onWarning ?? warnOnStderr)(`${failureMessage(error)} (failOpen is on: continuing without these secrets)`);
  return { set: [], skipped: [], missing: [], source: 'failed', durationMs: Math.round((nowMs() - startedAt) * 10) / 10, error };
}
