/**
 * What the preload and `run` print around a load: the debug report and the one failure
 * line, both on stderr and both `clarifai-secrets: ...`. Names only, never values. The lines
 * themselves are load/reported.ts's, which `loadSecrets` prints too.
 */
import { failureMessage } from '../load/reported.js';

export { describeReport, failureMessage } from '../load/reported.js';

/** One line on stderr, written synchronously so it is out before a process.exit or a child's output. */
export function say(line: string): void {
  process.getBuiltinModule('node:fs').writeSync(2, `clarifai-secrets: ${line}\n`);
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

