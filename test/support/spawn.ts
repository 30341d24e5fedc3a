/** Runs a real process to its end and collects what it did, for e2e tests. */
import { type SpawnOptions, spawn } from 'node:child_process';

export interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface RunOptions {
  cwd?: string;
  /** The whole environment of the child (nothing is inherited but what is passed). */
  env?: Record<string, string | undefined>;
  input?: string;
  /** Kills the child (SIGKILL) after this many ms; the test then sees signal SIGKILL. */
  killAfterMs?: number;
  /** Ends the child (SIGTERM) once its stdout so far passes this test: for programs that never exit on their own (--watch). */
  stopWhen?: (stdout: string) => boolean;
  /** The signal `stopWhen` sends. @default 'SIGTERM' */
  stopSignal?: NodeJS.Signals;
}

/** A minimal environment: PATH and HOME only, so the host's CLARIFAI_* never leak in. */
export function baseEnv(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return { PATH: process.env['PATH'], HOME: process.env['HOME'], ...extra };
}

export function run(command: string, args: string[], options: RunOptions = {}): Promise<Ran> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const spawnOptions: SpawnOptions = { cwd: options.cwd, env: options.env ?? baseEnv(), stdio: 'pipe' };
    const child = spawn(command, args, spawnOptions);
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (options.stopWhen?.(stdout)) child.kill(options.stopSignal ?? 'SIGTERM');
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = options.killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), options.killAfterMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
    // A child that exits without reading its stdin makes this write fail with EPIPE: not the test's concern.
    child.stdin?.on('error', () => {});
    child.stdin?.end(options.input ?? '');
  });
}

/** `node ...args` with the same node binary as the tests. */
export function runNode(args: string[], options: RunOptions = {}): Promise<Ran> {
  return run(process.execPath, args, options);
}
