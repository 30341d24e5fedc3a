/**
 * Secrets as files (`NAME=@ID`, `clarifai://secrets/@ID`): a program that wants a path (a
 * JSON key, a TLS key, anything an environment variable cannot carry) gets one. Each value is
 * a file of its own, mode 0600, in a folder of this process's (0700) inside a root that only
 * the user can open: `$XDG_RUNTIME_DIR/clarifai-secrets` (a per-user folder in memory, cleared
 * at logout) when there is one, else `clarifai-secrets-UID` in the temp folder.
 *
 * The files live as long as the process (or worker thread) that wrote them: removed as it
 * exits, also after an uncaught error, and on SIGINT, SIGTERM or SIGHUP when nothing else
 * handles the signal (a handler of the app's own decides when it ends, and the exit then
 * removes them). SIGKILL leaves them; the next process that writes secret files removes the
 * folders of processes of this machine that no longer run.
 *
 * Builtins through getBuiltinModule, as on the rest of the startup path: this runs there.
 */
import { FileError } from '../errors.js';
import { replacePrivately } from './private-file.js';

const fs = process.getBuiltinModule('node:fs');
const { isAbsolute, join, sep } = process.getBuiltinModule('node:path');

type Entry = [name: string, value: string];

/** Ends a process by default, so its files are removed first (see onSignal). */
const ENDING_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

let folder: string | undefined;
let listening = false;

/** What an errno means to whoever must fix it. */
function reason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOSPC':
      return 'no space left on the device';
    case 'EDQUOT':
      return 'the disk quota is used up';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'the file system is read-only';
    default:
      return code ?? (error instanceof Error ? error.constructor.name : 'error');
  }
}

/** A short tag of this machine: folders of another machine's processes (a shared /tmp) are never swept. */
function hostTag(): string {
  const host = process.getBuiltinModule('node:os').hostname();
  return process.getBuiltinModule('node:crypto').createHash('sha256').update(host).digest('hex').slice(0, 8);
}

/** The root, made if need be, and checked to be the user's own folder that only they can open. */
function privateRoot(): string {
  const runtime = process.env['XDG_RUNTIME_DIR'];
  const root =
    runtime && isAbsolute(runtime) && fs.statSync(runtime, { throwIfNoEntry: false })?.isDirectory()
      ? join(runtime, 'clarifai-secrets')
      : join(process.getBuiltinModule('node:os').tmpdir(), `clarifai-secrets-${process.getuid?.() ?? 'user'}`);
  try {
    fs.mkdirSync(root, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new FileError(`cannot make the folder for secret files ${root} (${reason(error)}): set TMPDIR to a folder you can write to`);
    }
  }
  if (process.platform === 'win32') return root;
  const stat = fs.lstatSync(root);
  const owner = process.geteuid?.();
  // Another user who made it first, or a link, could read or swap every file put in it.
  if (!stat.isDirectory() || (owner !== undefined && stat.uid !== owner) || (stat.mode & 0o077) !== 0) {
    throw new FileError(
      `cannot keep secret files private: ${root} is not a folder of yours that only you can open (a link, another user's, or open to others): remove it, or set TMPDIR to a folder of yours`,
    );
  }
  return root;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the folders left by this machine's processes that no longer run (killed, or out of power). */
function sweep(root: string, tag: string): void {
  const own = new RegExp(`^${tag}-(\\d+)-`);
  let names: string[];
  try {
    names = fs.readdirSync(root);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(own.exec(name)?.[1]);
    if (!Number.isInteger(pid) || pid === process.pid || isRunning(pid)) continue;
    fs.rmSync(join(root, name), { recursive: true, force: true });
  }
}

/** Removes this process's folder and every file in it. */
export function removeSecretFiles(): void {
  if (folder === undefined) return;
  fs.rmSync(folder, { recursive: true, force: true });
  folder = undefined;
}

/**
 * A signal that would end the process: its files go first. When the app listens to it too,
 * the app decides (its exit removes them); otherwise the signal is raised again, unheard,
 * so the process ends as it would have, and a shell sees the signal.
 */
function onSignal(signal: NodeJS.Signals): void {
  if (process.listenerCount(signal) > 1) return;
  removeSecretFiles();
  for (const name of ENDING_SIGNALS) process.off(name, onSignal);
  listening = false;
  process.kill(process.pid, signal);
}

function processFolder(): string {
  if (folder !== undefined) return folder;
  const root = privateRoot();
  const tag = hostTag();
  sweep(root, tag);
  try {
    // mkdtemp makes it 0700.
    folder = fs.mkdtempSync(join(root, `${tag}-${process.pid}-`));
  } catch (error) {
    throw new FileError(`cannot make a folder for secret files in ${root} (${reason(error)}): free some space, or set TMPDIR to another folder`);
  }
  // Once per process: a folder made again (after `run` removed the first) needs no second listener.
  if (!listening) {
    listening = true;
    process.on('exit', removeSecretFiles);
    if (process.getBuiltinModule('node:worker_threads').isMainThread) {
      for (const signal of ENDING_SIGNALS) process.on(signal, onSignal);
    }
  }
  return folder;
}

/**
 * Writes each entry whose name is in `files` to its file (replaced whole, never written
 * through) and returns the entries with those values swapped for the files' paths. On a
 * failure, the files this call made are removed and one FileError names the variable.
 */
export function placeFiles(entries: readonly Entry[], files: ReadonlySet<string>): Entry[] {
  if (files.size === 0) return [...entries];
  const made: string[] = [];
  try {
    return entries.map(([name, value]): Entry => {
      if (!files.has(name)) return [name, value];
      const dir = processFolder();
      const path = join(dir, name);
      const existed = fs.existsSync(path);
      try {
        replacePrivately(path, value, { durable: false });
      } catch (error) {
        throw new FileError(`cannot write the file of ${name} in ${dir} (${reason(error)}): free some space, or set TMPDIR to another folder`);
      }
      if (!existed) made.push(path);
      return [name, path];
    });
  } catch (error) {
    for (const path of made) fs.rmSync(path, { force: true });
    throw error;
  }
}

/** Removes the file of `name`, if this process wrote one (its secret left the selection). */
export function removeSecretFile(name: string): void {
  if (folder !== undefined) fs.rmSync(join(folder, name), { force: true });
}

/** The value behind `value` when it is the path of one of this process's secret files, else `value`. */
export function valueBehind(value: string): string {
  if (folder === undefined || !value.startsWith(folder + sep)) return value;
  try {
    return fs.readFileSync(value, 'utf8');
  } catch {
    return value;
  }
}
