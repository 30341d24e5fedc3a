/** `clarifai-secrets emulator` run in-process, its output captured: for the emulator's CLI tests. */
import { emulatorCommand } from '../../src/cli/emulator-command.js';

export class Capture {
  text = '';
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

export interface Running {
  /** The first line the command printed: its base URL. */
  url: string;
  stdout: Capture;
  stderr: Capture;
  /** Stops it as Ctrl-C would, and resolves to its exit code. */
  stop: () => Promise<number>;
}

/** Starts the command and waits for its URL line (10 s at most: a TLS start makes a key). */
export async function runEmulatorCommand(argv: string[]): Promise<Running> {
  const stdout = new Capture();
  const stderr = new Capture();
  const controller = new AbortController();
  const done = emulatorCommand(argv, { stdout, stderr, signal: controller.signal });
  const deadline = Date.now() + 10_000;
  while (!stdout.text.includes('\n')) {
    const early = await Promise.race([done, new Promise<undefined>((r) => setTimeout(() => r(undefined), 10))]);
    if (early !== undefined) throw new Error(`command ended with ${early}: ${stderr.text}`);
    if (Date.now() > deadline) throw new Error('no URL line');
  }
  return {
    url: stdout.text.split('\n')[0] as string,
    stdout,
    stderr,
    stop: () => {
      controller.abort();
      return done;
    },
  };
}
