/**
 * `run`'s child process, to its end: signals passed on (signals.ts), its end mirrored so the
 * wrapper looks like the program it wraps (exit code, or death by the same signal), and with
 * `--watch`, the child stopped and started again when its environment changed.
 */
import { type Ended, type Masking, type Running, spawnFailed, spawner, startChild } from './child.js';
import { type SignalListeners, listenForSignals, mirrorSignal } from './signals.js';

export type { Masking } from './child.js';

/** Signals after which the child is not started again: the user (or a supervisor) wants it all to stop. */
const ENDING_SIGNALS = new Set<NodeJS.Signals>(['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT']);

export interface Restarts {
  /**
   * Receives the function to call when the environment changed and the child must start
   * again; it returns false when `run` is ending (a Ctrl-C came) and nothing will start again.
   */
  subscribe(restart: () => boolean): void;
  /** Milliseconds from SIGTERM to SIGKILL when the child is stopped for a restart. */
  graceMs: number;
}

export interface SuperviseOptions {
  command: string;
  args: readonly string[];
  /** The child's environment, read at each start: a restarted child gets what it holds then. */
  env: NodeJS.ProcessEnv;
  /** With `--mask`: makes the maskers (stdout, stderr) for each child, from the values of the moment. */
  maskers?: (() => { stdout: Masking; stderr: Masking }) | undefined;
  /** One line on stderr, `clarifai-secrets: ...`. */
  say: (line: string) => void;
  /** With `--watch`: when to restart the child. */
  restarts?: Restarts | undefined;
  /**
   * Runs once the last child has ended (or could not start), before `run` mirrors how it
   * ended: a signal it dies of would leave no later moment to remove what it made.
   */
  onEnded?: (() => Promise<void> | void) | undefined;
}

/**
 * Runs the command to its end, and again after each restart. Resolves with the exit code to
 * use; when the child was killed by a signal, first raises the same signal on this process.
 */
export async function supervise(options: SuperviseOptions): Promise<number> {
  const start = await spawner();
  let running: Running | undefined;
  let ending = false;
  let restartWanted = false;
  let wake: (() => void) | undefined;
  options.restarts?.subscribe(() => {
    if (ending) return false;
    restartWanted = true;
    wake?.();
    return true;
  });
  const listeners = listenForSignals(
    (signal) => {
      if (ENDING_SIGNALS.has(signal)) ending = true;
    },
    (signal) => {
      try {
        running?.child.kill(signal);
      } catch {
        // already gone
      }
    },
  );

  for (;;) {
    restartWanted = false;
    const started = await startChild(start, { ...options, maskers: options.maskers?.() });
    if ('error' in started) {
      listeners.unlisten();
      await options.onEnded?.();
      return spawnFailed(started.error, options.command, options.say);
    }
    running = started;
    const restart = new Promise<'restart'>((resolve) => {
      wake = () => resolve('restart');
      if (restartWanted) wake();
    });
    const outcome = await Promise.race([started.exited, restart]);
    wake = undefined;
    if (outcome !== 'restart' || ending) {
      const ended = outcome === 'restart' ? await started.exited : outcome;
      await started.drain();
      await options.onEnded?.();
      return statusOf(ended, listeners);
    }
    const ended = await stop(started, options.restarts?.graceMs ?? 0);
    await started.drain();
    // A Ctrl-C (or a SIGTERM) came while it stopped: nothing starts again, `run` ends with it.
    if (ending) {
      await options.onEnded?.();
      return statusOf(ended, listeners);
    }
  }
}

/** SIGTERM, and SIGKILL when the child is still there after the grace period. */
async function stop(running: Running, graceMs: number): Promise<Ended> {
  const kill = (signal: NodeJS.Signals): void => {
    try {
      running.child.kill(signal);
    } catch {
      // already gone
    }
  };
  kill('SIGTERM');
  const timer = setTimeout(() => kill('SIGKILL'), graceMs);
  const ended = await running.exited;
  clearTimeout(timer);
  return ended;
}

function statusOf(ended: Ended, listeners: SignalListeners): number {
  if (ended.signal === null) return ended.code ?? 1;
  return mirrorSignal(ended.signal, listeners);
}
