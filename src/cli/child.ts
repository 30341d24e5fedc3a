/**
 * One child process of `run`: spawned without a shell, its output copied through the maskers
 * when `--mask` is on, and the shell's statuses when it cannot be started.
 */
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';

/** How long to wait, after the child exited, for its output pipes to close (a daemonized grandchild may hold them). */
const OUTPUT_GRACE_MS = 500;

export interface Masking {
  write(chunk: Uint8Array): Buffer;
  end(): Buffer;
}

export interface ChildSpec {
  command: string;
  args: readonly string[];
  env: NodeJS.ProcessEnv;
  /** One masker per output stream (stdout, stderr) when `--mask` is on. */
  maskers?: { stdout: Masking; stderr: Masking } | undefined;
}

export interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Running {
  child: ChildProcess;
  exited: Promise<Ended>;
  /** After the exit: waits briefly for the output pipes to close, then stops copying. */
  drain(): Promise<void>;
}

export type Spawn = (command: string, args: readonly string[], options: SpawnOptions) => ChildProcess;

/**
 * On Windows, `npm`, `npx` and other `.cmd` shims need cmd.exe, and Node refuses to start
 * them without a shell; cross-spawn finds them through PATHEXT and escapes every argument
 * for cmd.exe. Elsewhere Node's own spawn already does the right thing, and nothing more is loaded.
 */
export async function spawner(): Promise<Spawn> {
  if (process.platform !== 'win32') return spawn;
  const specifier = 'cross-spawn';
  const crossSpawn = (await import(specifier)) as { default: Spawn };
  return crossSpawn.default;
}

interface Pipe {
  done: Promise<void>;
  stop: () => void;
}

/** Copies `source` to `target` through the masker; resolves when the source ended and the rest is written. */
function pipeMasked(source: Readable, target: Writable, masker: Masking): Pipe {
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

async function drainPipes(pipes: Pipe[]): Promise<void> {
  if (pipes.length === 0) return;
  let timer: NodeJS.Timeout | undefined;
  const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, OUTPUT_GRACE_MS)));
  await Promise.race([Promise.all(pipes.map((p) => p.done)), grace]);
  clearTimeout(timer);
  for (const pipe of pipes) pipe.stop();
  await Promise.all(pipes.map((p) => p.done));
}

/** Starts the child, or resolves with the error that kept it from starting (ENOENT, EACCES). */
export function startChild(start: Spawn, spec: ChildSpec): Promise<Running | { error: unknown }> {
  let child: ChildProcess;
  try {
    child = start(spec.command, spec.args, {
      env: spec.env,
      stdio: spec.maskers ? ['inherit', 'pipe', 'pipe'] : 'inherit',
      windowsHide: false,
    });
  } catch (error) {
    return Promise.resolve({ error });
  }
  const pipes: Pipe[] = [];
  if (spec.maskers && child.stdout && child.stderr) {
    pipes.push(pipeMasked(child.stdout, process.stdout, spec.maskers.stdout));
    pipes.push(pipeMasked(child.stderr, process.stderr, spec.maskers.stderr));
  }
  if (child.pid === undefined) {
    // No process was started: 'error' follows, and 'exit' will not.
    return new Promise((resolve) =>
      child.once('error', (error) => {
        for (const pipe of pipes) pipe.stop();
        resolve({ error });
      }),
    );
  }
  child.on('error', () => {}); // a failed kill of a process already gone: its 'exit' still comes
  const exited = new Promise<Ended>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return Promise.resolve({ child, exited, drain: () => drainPipes(pipes) });
}

/** The status a shell gives a command it cannot start: 127 not found, 126 cannot execute. */
export function spawnFailed(error: unknown, command: string, say: (line: string) => void): number {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') {
    say(`command not found: ${command}`);
    return 127;
  }
  if (code === 'EACCES' || code === 'EPERM') {
    say(`cannot execute ${command}: permission denied`);
    return 126;
  }
  say(`cannot start ${command}: ${code ?? (error instanceof Error ? error.message : String(error))}`);
  return 126;
}
