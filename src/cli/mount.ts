/**
 * `run --mount PATH`: the whole selection as one file at PATH for the child's lifetime, for
 * programs that read a `.env` (or JSON) file themselves. PATH is a named pipe: each reader
 * that opens it is written the file's text, read fresh at that moment (so with `--watch` the
 * newest values), and nothing of it is ever on a disk. The pipe is made 0600 and removed once
 * the child has ended.
 *
 * A pipe cannot tell readers apart: two that open it in the same moment share one answer,
 * and a reader that keeps it open past the end of its answer is written nothing more.
 */
import { FileError } from '../errors.js';

const fs = process.getBuiltinModule('node:fs');
const { dirname, resolve } = process.getBuiltinModule('node:path');

export type MountFormat = 'env' | 'json';
export const MOUNT_FORMATS: readonly MountFormat[] = ['env', 'json'];

/**
 * After an answer, the wait before the next open: a reader that has just read the end may
 * not have closed yet, and an open made before it does would answer it a second time.
 */
const BETWEEN_READERS_MS = 50;
/** How long the end waits for an answer being written to a reader that stopped reading. */
const STALLED_READER_MS = 1_000;

export interface Mount {
  /** Removes the pipe; an answer still in flight is given up after a moment, with one line. */
  close(): Promise<void>;
}

function describe(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? String(error);
}

/** Makes the pipe, or throws one FileError saying what to do; nothing is left behind. */
function makePipe(path: string): void {
  if (process.platform === 'win32') {
    throw new FileError('run --mount needs a named pipe, which Windows does not have: use pull --output FILE, and remove the file when done');
  }
  const folder = dirname(path);
  if (!fs.statSync(folder, { throwIfNoEntry: false })?.isDirectory()) {
    throw new FileError(`--mount ${path}: the folder ${folder} does not exist: make it first, or choose a path in an existing folder`);
  }
  if (fs.lstatSync(path, { throwIfNoEntry: false })) {
    throw new FileError(`--mount ${path} already exists: run --mount makes the file itself and removes it when the command ends; choose a path that does not exist`);
  }
  // Node has no mkfifo; the mkfifo program is part of every POSIX system.
  const made = process.getBuiltinModule('node:child_process').spawnSync('mkfifo', ['-m', '600', '--', path], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (made.error || made.status !== 0) {
    const why = made.error ? describe(made.error) : made.stderr.trim().replace(/^mkfifo: /, '') || `exit ${String(made.status)}`;
    throw new FileError(`--mount ${path}: cannot make a named pipe there (${why}): choose a path on a local file system you can write to`);
  }
}

/** Opens the pipe for writing: resolves with its fd once a reader has opened it. */
function readerArrives(target: string): Promise<number> {
  const { O_WRONLY, O_NOFOLLOW } = fs.constants;
  // The open waits, on a thread of libuv's pool, until a reader opens the pipe.
  return new Promise((done, fail) => fs.open(target, O_WRONLY | O_NOFOLLOW, (error, fd) => (error ? fail(error) : done(fd))));
}

/**
 * Serves `text()` at `path` until `close()`. `say` gets the one line of a reader that
 * stopped reading; nothing else is printed.
 */
export function mountPipe(path: string, text: () => string, say: (line: string) => void): Mount {
  const target = resolve(path);
  makePipe(target);
  let closing = false;
  // The answer being written, if one is: a socket over the pipe, so a reader that stops
  // reading holds the event loop's attention, never a thread (which would hold up the exit).
  let answering: import('node:net').Socket | undefined;

  const serve = async (): Promise<void> => {
    const { Socket } = process.getBuiltinModule('node:net');
    const { finished } = process.getBuiltinModule('node:stream/promises');
    while (!closing) {
      let fd: number;
      try {
        fd = await readerArrives(target);
      } catch (error) {
        if (!closing) say(`--mount ${path} stopped answering (${describe(error)}): the command can no longer read it`);
        return;
      }
      if (closing) {
        fs.closeSync(fd);
        return;
      }
      const socket = (answering = new Socket({ fd, readable: false, writable: true }));
      try {
        socket.end(text());
        await finished(socket);
      } catch {
        // EPIPE: the reader went away before the end; the next one gets a whole answer.
      } finally {
        socket.destroy();
        answering = undefined;
      }
      await new Promise((done) => setTimeout(done, BETWEEN_READERS_MS));
    }
  };
  const served = serve();

  return {
    async close() {
      if (closing) return;
      closing = true;
      // An open of ours for reading lets a pending open for writing return, so the loop ends.
      try {
        fs.closeSync(fs.openSync(target, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK));
      } catch {
        // already gone
      }
      fs.rmSync(target, { force: true });
      // A reader in the middle of a long answer gets a moment to finish it.
      const timer = setTimeout(() => {
        if (!answering) return;
        say(`a reader of --mount ${path} opened it and stopped reading; the pipe is removed, and run ends without waiting for it`);
        answering.destroy();
      }, STALLED_READER_MS);
      await served;
      clearTimeout(timer);
    },
  };
}
