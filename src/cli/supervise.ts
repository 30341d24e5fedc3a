/**
 * `run`'s child process: spawned without a shell, signals passed on, and its end mirrored so
 * the wrapper looks like the program it wraps (exit code, or death by the same signal).
 *
 * The child stays in the wrapper's process group, as with Doppler's CLI and `op run`, so it
 * keeps the terminal: prompts, `/dev/tty`, job control all work. The price is that a
 * terminal sends its keyboard signals (Ctrl-C, Ctrl-\, and a resize) to the whole
 * foreground group, child included; forwarding those too would deliver them twice, and for
 * many programs a second Ctrl-C means "quit now". So they are forwarded only when the
 * wrapper is not in the foreground of a terminal (a `kill`, `docker stop`, a supervisor).
 */
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';

export const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'] as const;

/** Signals a terminal sends to its whole foreground process group. */
const KEYBOARD_SIGNALS = new Set<NodeJS.Signals>(['SIGINT', 'SIGQUIT', 'SIGWINCH']);

/**
 * Signals whose default action dumps core. When the child dies of one, the wrapper exits
 * with 128+N instead of raising it on itself: the shell sees the same status, and no core
 * file of the wrapper lands next to the child's.
 */
const CORE_SIGNALS = new Set(['SIGQUIT', 'SIGILL', 'SIGTRAP', 'SIGABRT', 'SIGBUS', 'SIGFPE', 'SIGSEGV', 'SIGSYS', 'SIGXCPU', 'SIGXFSZ']);

/** How long to wait, after the child exited, for its output pipes to close (a daemonized grandchild may hold them). */
const OUTPUT_GRACE_MS = 500;

export interface Masking {
  write(chunk: Uint8Array): Buffer;
  end(): Buffer;
}

export interface SuperviseOptions {
  command: string;
  args: readonly string[];
  env: NodeJS.ProcessEnv;
  /** One masker per output stream (stdout, stderr) when `--mask` is on. */
  maskers?: { stdout: Masking; stderr: Masking } | undefined;
  /** One line on stderr, `clarifai-secrets: ...`. */
  say: (line: string) => void;
}

/**
 * Whether a signal of the keyboard kind already reached the child from the terminal. On
 * Linux, /proc says exactly whether this process group is the terminal's foreground group;
 * elsewhere a terminal on any standard stream stands in for it.
 */
function terminalDelivers(): boolean {
  if (process.platform === 'win32') return true; // the console signals every attached process
  if (process.platform === 'linux') {
    try {
      const stat = readFileSync('/proc/self/stat', 'latin1');
      // After "pid (comm) ": state ppid pgrp session tty_nr tpgid ...
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const pgrp = Number(fields[2]);
      const ttyNr = Number(fields[4]);
      const tpgid = Number(fields[5]);
      return ttyNr !== 0 && tpgid > 0 && tpgid === pgrp;
    } catch {
      // fall through to the guess
    }
  }
  // Loaded here, at signal time: nothing on the startup path needs node:tty.
  const { isatty } = process.getBuiltinModule('node:tty');
  return isatty(0) || isatty(1) || isatty(2);
}

/**
 * On Windows, `npm`, `npx` and other `.cmd` shims need cmd.exe, and Node refuses to start
 * them without a shell; cross-spawn finds them through PATHEXT and escapes every argument
 * for cmd.exe. Elsewhere Node's own spawn already does the right thing, and nothing more is loaded.
 */
async function spawner(): Promise<(command: string, args: readonly string[], options: SpawnOptions) => ChildProcess> {
  if (process.platform !== 'win32') return spawn;
  const specifier = 'cross-spawn';
  const crossSpawn = (await import(specifier)) as { default: typeof spawn };
  return crossSpawn.default;
}

/** Copies `source` to `target` through the masker; resolves when the source ended and the rest is written. */
function pipeMasked(source: Readable, target: Writable, masker: Masking): { done: Promise<void>; stop: () => void } {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  let ended = false;
  const end = (): void => {
    if (ended) return;
    ended = true;
    const tail = masker.end();
    if (tail.length === 0 || !target.writable) finish();
    else target.write(tail, () => finish());
  };
  source.on('data', (chunk: Buffer) => {
    const out = masker.write(chunk);
    if (out.length > 0 && !target.write(out)) {
      source.pause();
      target.once('drain', () => source.resume());
    }
  });
  source.on('end', end);
  source.on('close', end);
  source.on('error', end);
  // Our own output is gone (`| head`): stop reading, so the child gets EPIPE as it would unwrapped.
  target.on('error', () => {
    source.destroy();
    end();
  });
  return {
    done,
    stop: () => {
      source.destroy();
      end();
    },
  };
}

/**
 * Runs the command to its end. Resolves with the exit code to use; when the child was
 * killed by a signal, first raises the same signal on this process (which ends it, except
 * as PID 1, where the kernel ignores it and 128+N is returned instead).
 */
export async function supervise(options: SuperviseOptions): Promise<number> {
  const start = await spawner();
  const masked = options.maskers !== undefined;
  let child: ChildProcess;
  try {
    child = start(options.command, options.args, {
      env: options.env,
      stdio: masked ? ['inherit', 'pipe', 'pipe'] : 'inherit',
      windowsHide: false,
    });
  } catch (error) {
    return spawnFailed(error, options);
  }

  const pipes: Array<{ done: Promise<void>; stop: () => void }> = [];
  if (options.maskers && child.stdout && child.stderr) {
    pipes.push(pipeMasked(child.stdout, process.stdout, options.maskers.stdout));
    pipes.push(pipeMasked(child.stderr, process.stderr, options.maskers.stderr));
  }

  const listeners = new Map<NodeJS.Signals, () => void>();
  const forward = (signal: NodeJS.Signals): void => {
    if (KEYBOARD_SIGNALS.has(signal) && terminalDelivers()) return;
    if (process.platform === 'win32') return; // only the console signals there, and it reaches the child itself
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  };
  const unlisten = (): void => {
    for (const [signal, listener] of listeners) process.off(signal, listener);
    listeners.clear();
  };

  const ended = await new Promise<{ code: number | null; signal: NodeJS.Signals | null } | { error: unknown }>((resolve) => {
    child.on('error', (error) => {
      // No process was started (ENOENT, EACCES): 'exit' will not follow.
      if (child.pid === undefined) resolve({ error });
    });
    child.once('exit', (code, signal) => resolve({ code, signal }));
    if (child.pid === undefined) return;
    for (const signal of FORWARDED_SIGNALS) {
      const listener = (): void => forward(signal);
      try {
        process.on(signal, listener);
        listeners.set(signal, listener);
      } catch {
        // not a signal this platform can listen to
      }
    }
  });

  if ('error' in ended) {
    unlisten();
    for (const pipe of pipes) pipe.stop();
    return spawnFailed(ended.error, options);
  }

  if (pipes.length > 0) {
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, OUTPUT_GRACE_MS)));
    await Promise.race([Promise.all(pipes.map((p) => p.done)), grace]);
    clearTimeout(timer);
    for (const pipe of pipes) pipe.stop();
    await Promise.all(pipes.map((p) => p.done));
  }

  if (ended.signal === null) return ended.code ?? 1;
  return mirrorSignal(ended.signal, unlisten);
}

function mirrorSignal(signal: NodeJS.Signals, unlisten: () => void): number {
  const number = (process.getBuiltinModule('node:os').constants.signals as Record<string, number | undefined>)[signal];
  const status = number === undefined ? 1 : 128 + number;
  // Set first: if the signal does not end us (PID 1 ignores signals it has no handler
  // for), the process still exits with the status a shell would show.
  process.exitCode = status;
  if (process.platform === 'win32' || CORE_SIGNALS.has(signal)) return status;
  unlisten();
  try {
    process.kill(process.pid, signal);
  } catch {
    // fall back to the status
  }
  return status;
}

function spawnFailed(error: unknown, options: SuperviseOptions): number {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') {
    options.say(`command not found: ${options.command}`);
    return 127;
  }
  if (code === 'EACCES' || code === 'EPERM') {
    options.say(`cannot execute ${options.command}: permission denied`);
    return 126;
  }
  options.say(`cannot start ${options.command}: ${code ?? (error instanceof Error ? error.message : String(error))}`);
  return 126;
}
