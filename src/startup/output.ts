/**
 * What the preload and `run` print around a load: the debug report and the one failure
 * line, both on stderr and both `clarifai-secrets: ...`. Names only, never values.
 */
import { SecretsError } from '../errors.js';
import type { LoadReport } from '../load/load-job.js';

/** One line on stderr, written synchronously so it is out before a process.exit or a child's output. */
export function say(line: string): void {
  process.getBuiltinModule('node:fs').writeSync(2, `clarifai-secrets: ${line}\n`);
}

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
 * Prints a failed load. Returns true when the program should start anyway (fail-open: the
 * same line as a warning), false when it must stop.
 */
export function reportFailure(error: unknown, failOpen: boolean): boolean {
  const message = failureMessage(error);
  if (!failOpen) {
    say(message);
    return false;
  }
  say(`warning: ${message} (CLARIFAI_SECRETS_FAIL_OPEN is on: starting without these secrets)`);
  return true;
}
