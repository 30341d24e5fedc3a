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

/**
 * Serves `text()` at `path` until `close()`. `say` gets the one line of a reader that
 * stopped reading; nothing else is printed.
 */
export function mountPipe(path: string, text: () => string, say: (line: string) => void): Mount {
  const target = resolve(path);
  makePipe(target);
  let closing = false;
  let writing = false;
  const { O_WRONLY, O_RDONLY, O_NONBLOCK, O_NOFOLLOW } = fs.constants;

  const serve = async (): Promise<void> => {
    while (!closing) {
      // Waits, on a thread of libuv's pool, until a reader opens the pipe.
      let handle: import('node:fs/promises').FileHandle;
      try {
        handle = await fs.promises.open(target, O_WRONLY | O_NOFOLLOW);
      } catch (error) {
        if (!closing) say(`--mount ${path} stopped answering (${describe(error)}): the command can no longer read it`);
        return;
      }
      try {
        if (closing) return;
        writing = true;
        await handle.writeFile(text());
      } catch {
        // EPIPE: the reader went away before the end; the next one gets a whole answer.
      } finally {
        writing = false;
        await handle.close();
      }
      await new Promise((done) => setTimeout(done, BETWEEN_READERS_MS));
    }
  };
  const served = serve();

  return {
    async close() {
      if (closing) return;
      closing = true;
      // An open of ours for reading lets the pending open for writing return, so the loop ends.
      try {
        fs.closeSync(fs.openSync(target, O_RDONLY | O_NONBLOCK));
      } catch {
        // already gone
      }
      fs.rmSync(target, { force: true });
      const stalled = await Promise.race([served.then(() => false), new Promise<boolean>((done) => setTimeout(() => done(writing), STALLED_READER_MS).unref())]);
      if (stalled) say(`a reader of --mount ${path} opened it and stopped reading; the pipe is removed, and run ends without waiting for it`);
    },
  };
}
