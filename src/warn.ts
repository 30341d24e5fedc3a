/** The default warning sink: one line on stderr, in the same voice as the preload's errors. */
export function warnOnStderr(message: string): void {
  process.stderr.write(`clarifai-secrets: warning: ${message}\n`);
}
