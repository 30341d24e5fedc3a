/**
 * The encrypted last-known-good copy of one selection, on disk.
 *
 * AES-256-GCM with a key derived (HKDF-SHA256) from the token, the base URL and the user:
 * the file tells nothing to anyone who does not already hold the token, and a file written
 * under another token, user or selection fails authentication and is ignored. The file
 * name is an HMAC of the selection, so it does not reveal which secrets it holds. Its plain
 * start says which base URL and user it is for (an unkeyed hash) and which token wrote it (a
 * tag keyed by that token), so that a new token can delete what an old one wrote.
 *
 * The folder must be a folder of the effective user's own, not a link to one: whoever owns it
 * can swap copies, and serve a rotated-out value on a fallback. Nothing in it is opened but as
 * what it is (no link followed, no FIFO waited on) and read unless it is a regular file of the
 * effective user: anything else costs a warning naming it, and the load goes on without it.
 *
 * Only `node:crypto` and `node:fs` are used here: this is the cache-hit startup path.
 */
import type { Stats } from 'node:fs';
import { mainModuleStarted } from '../node-features.js';
import type { Unfit } from '../settings/selection.js';
import { writeAll } from '../write-all.js';

// Builtins through getBuiltinModule: in the ESM build a static import also builds an ES
// module facade for each, which the startup path would pay for. crypto (~3.5 ms to load) only
// when a copy is opened, so importing the package for its client does not pay for it.
const crypto = (): typeof import('node:crypto') => process.getBuiltinModule('node:crypto');
const {
  closeSync,
  constants,
  fstatSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  readdirSync,
  renameSync,
  unlinkSync,
} = process.getBuiltinModule('node:fs');
const { dirname, join } = process.getBuiltinModule('node:path');

/** What is stored: the resolved names and values of one selection, and when. */
export interface CachedCopy {
  /** Epoch ms of the fetch. */
  at: number;
  entries: Array<[name: string, value: string]>;
  missing: string[];
  dangerous: string[];
  /** Selected secrets left out because no environment variable can hold their value (ids and sizes, no values). */
  unfit?: Unfit[];
}

export interface DiskCacheKey {
  dir: string;
  /** The PAT (or session token): the key material. */
  token: string;
  baseUrl: string;
  userId: string;
  /** `Selection.key`. */
  selection: string;
}

const MAGIC = Buffer.from('CSLK\u0002', 'latin1');
/** Which base URL and user the copy is for, unkeyed: copies under another token can be found. */
const GROUP_BYTES = 16;
/** Which token wrote it, keyed by the token: says nothing to whoever does not hold it. */
const TOKEN_TAG_BYTES = 8;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const LABEL_BYTES = MAGIC.length + GROUP_BYTES + TOKEN_TAG_BYTES;
const HEADER_BYTES = LABEL_BYTES + NONCE_BYTES + TAG_BYTES;
/** Folders above the cache folder that a write may create: a bound, not a limit anyone meets. */
const MAX_NEW_FOLDERS = 32;
const POSIX = process.platform !== 'win32';
// An open of a FIFO waits for a writer, holding the thread (so the event loop and the deadline)
// for good; O_NONBLOCK makes it return at once, and fstat then says what it is. Windows has
// neither flag.
const AS_IT_IS = (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);
const READ = constants.O_RDONLY | AS_IT_IS;
/** The temporary file: a new one, never a link or anything already there. */
const CREATE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | AS_IT_IS;
const FOLDER = constants.O_RDONLY | (constants.O_DIRECTORY ?? 0) | AS_IT_IS;
/**
 * How long writeSoon waits when it cannot tell that the app has started (an ES module main, or
 * one still being loaded): long enough to land after the app's first line on a busy machine,
 * short enough that a process stopped by a signal soon after starting rarely misses it (a
 * signal that ends the process skips the exit listener; the copy already on disk stays).
 */
export const WRITE_SOON_MS = 1000;

export type Warn = (message: string) => void;

/** How old a copy written at `at` is, for messages: `42 s`, `7 min`, `3 h`. */
export function ageOf(at: number): string {
  const seconds = Math.max(0, Math.round((Date.now() - at) / 1000));
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds / 3600)} h`;
}

/** The file name, key and plain label of one copy, all derived from the token in one HKDF. */
interface Derived {
  file: string;
  key: Buffer;
  aad: Buffer;
  /** MAGIC, group and token tag: the plain start of every file this token writes. */
  label: Buffer;
}

function derive(key: DiskCacheKey): Derived {
  const material = Buffer.from(
    crypto().hkdfSync('sha256', key.token, 'clarifai-secrets/last-known-good/v1', `${key.baseUrl}\n${key.userId}`, 64),
  );
  const name = crypto().createHmac('sha256', material.subarray(32)).update(key.selection).digest('hex').slice(0, 32);
  const group = crypto().createHash('sha256').update(`clarifai-secrets/group\n${key.baseUrl}\n${key.userId}`).digest().subarray(0, GROUP_BYTES);
  const tokenTag = crypto().createHmac('sha256', material.subarray(32)).update('token-tag').digest().subarray(0, TOKEN_TAG_BYTES);
  const label = Buffer.concat([MAGIC, group, tokenTag]);
  return {
    file: join(key.dir, `${name}.lkg`),
    key: material.subarray(0, 32),
    aad: Buffer.concat([label, Buffer.from(`\n${key.selection}`)]),
    label,
  };
}

export class DiskCache {
  readonly #source: DiskCacheKey;
  readonly #dir: string;
  readonly #warn: Warn;
  /**
   * Derived at the first look, not at construction: a load that fetches without reading a
   * copy (no TTL) needs no key before the app starts, and may need none at all.
   */
  #derived: Derived | undefined;
  /** The first read's result: a damaged file warns once per load, not once per look. */
  #read: { copy: CachedCopy | undefined } | undefined;
  /** Drops the turn of a copy writeSoon has not written yet. */
  #cancelPending: (() => void) | undefined;
  /** The folder was refused (and the warning given): no read, write or remove after that. */
  #refused = false;

  constructor(key: DiskCacheKey, warn: Warn) {
    this.#source = key;
    this.#dir = key.dir;
    this.#warn = warn;
  }

  get #d(): Derived {
    this.#derived ??= derive(this.#source);
    return this.#derived;
  }

  /** Where this selection's copy lives. */
  get file(): string {
    return this.#d.file;
  }

  /** The copy, or undefined when there is none or it cannot be trusted (with a warning). */
  read(): CachedCopy | undefined {
    this.#read ??= { copy: this.#readFile() };
    return this.#read.copy;
  }

  /**
   * The folder's lstat when copies may be read from or written to it, after `made`, the
   * folders a write just made above it (another user may have made one first). Otherwise
   * undefined, with the warning the first time. Throws what lstat throws.
   */
  #usableFolder(made: string[] = []): Stats | undefined {
    if (this.#refused) return undefined;
    for (const path of made) {
      if (path !== this.#dir && !this.#accepts(path, lstatSync(path))) return undefined;
    }
    const stat = lstatSync(this.#dir);
    return this.#accepts(this.#dir, stat) ? stat : undefined;
  }

  #accepts(path: string, stat: Stats): boolean {
    const why = stat.isSymbolicLink() ? 'is a symbolic link, not a folder' : stat.isDirectory() ? notOurs(stat) : 'is not a folder';
    if (!why) return true;
    this.#refused = true;
    this.#warn(
      `not caching secrets in ${this.#dir}: ${path === this.#dir ? 'it' : path} ${why}; ` +
        'set CLARIFAI_SECRETS_CACHE_DIR to a private folder of your own (or off)',
    );
    return false;
  }

  #readFile(): CachedCopy | undefined {
    try {
      if (!this.#usableFolder()) return undefined;
    } catch (error) {
      if (code(error) !== 'ENOENT') this.#warn(`cannot read the cached copy in ${this.#dir} (${code(error)}); ignoring it`);
      return undefined;
    }
    let opened: Opened;
    try {
      opened = openFile(this.file);
    } catch (error) {
      if (code(error) !== 'ENOENT') this.#warn(`cannot read the cached copy ${this.file} (${code(error)}); ignoring it`);
      return undefined;
    }
    if ('why' in opened) {
      this.#warn(`ignoring the cached copy ${this.file}: it ${opened.why}; delete it`);
      return undefined;
    }
    const { fd, stat } = opened;
    let data: Buffer;
    try {
      if (POSIX) {
        if ((stat.mode & 0o077) !== 0 || notOurs(stat)) {
          this.#warn(
            `ignoring the cached copy ${this.file}: it is readable by others or not yours ` +
              '(it must be mode 0600 and owned by you); delete it',
          );
          return undefined;
        }
      }
      data = readFileSync(fd);
    } catch (error) {
      this.#warn(`cannot read the cached copy ${this.file} (${code(error)}); ignoring it`);
      return undefined;
    } finally {
      closeSync(fd);
    }
    const copy = this.#open(data);
    if (!copy) {
      this.#warn(
        `ignoring the cached copy ${this.file}: it is damaged, or was written with another token, user or selection`,
      );
    }
    return copy;
  }

  /**
   * Best effort: a folder that cannot be written gives one warning, never a failure. The
   * file reaches the disk before it replaces the old one (fsync, rename, fsync of the
   * folder), so a crash leaves the old copy or the new one, never a torn file. Then copies of
   * the same base URL and user written under another token are deleted: after a token is
   * replaced, what it wrote must not stay readable to whoever later holds the old one.
   */
  write(copy: CachedCopy): void {
    this.#cancelPending?.();
    this.#cancelPending = undefined;
    if (this.#refused) return;
    const tmp = `${this.file}.${process.pid}.${crypto().randomBytes(4).toString('hex')}.tmp`;
    try {
      const folder = this.#usableFolder(makeFolder(this.#dir));
      if (!folder) return;
      if (POSIX && (folder.mode & 0o077) !== 0) {
        this.#warn(
          `not caching secrets in ${this.#dir}: the folder is open to other users; ` +
            'chmod 700 it, or set CLARIFAI_SECRETS_CACHE_DIR to a private folder (or off)',
        );
        return;
      }
      const fd = openSync(tmp, CREATE, 0o600);
      try {
        writeAll(fd, this.#seal(copy));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, this.file);
      syncFolder(this.#dir);
      this.#read = { copy };
    } catch (error) {
      try {
        unlinkSync(tmp);
      } catch {
        // It was never created.
      }
      this.#warn(
        `cannot write the last-known-good copy to ${this.#dir} (${code(error)}): ` +
          'set CLARIFAI_SECRETS_CACHE_DIR to a writable folder, or to off',
      );
      return;
    }
    this.#forgetOtherTokens();
  }

  /**
   * `write`, once the app has started: the preload puts the secrets in the environment and
   * lets the app start, and the sealing, fsyncs and rename (several ms) come after the app's
   * first line. At the next turn of the event loop when a CommonJS main module is running by
   * then (`-r`, and `--import` on Node 22 and later; `run`'s own process); otherwise
   * WRITE_SOON_MS later, on a timer that keeps no process alive: Node gives no sign that an
   * ES module main has started, and on Node 20 an `--import` preload is followed by several
   * turns of its ESM loader before a `.js` or ES module main's first line. As the process
   * exits if that comes first (`process.exit()` in the app's first line still leaves a copy);
   * a later write or remove takes its place. Reads see the new copy at once.
   */
  writeSoon(copy: CachedCopy): void {
    this.#cancelPending?.();
    this.#read = { copy };
    const run = (): void => this.write(copy);
    let timer: NodeJS.Timeout | undefined;
    const immediate = setImmediate(() => {
      if (mainModuleStarted()) run();
      else timer = setTimeout(run, WRITE_SOON_MS).unref();
    });
    process.once('exit', run);
    this.#cancelPending = () => {
      clearImmediate(immediate);
      clearTimeout(timer);
      process.removeListener('exit', run);
    };
  }

  /**
   * Deletes this base URL and user's copies whose token tag is not this token's. Anything
   * with a copy's name that is not a regular file of ours is left alone, with a warning.
   */
  #forgetOtherTokens(): void {
    const group = this.#d.label.subarray(0, MAGIC.length + GROUP_BYTES);
    const head = Buffer.alloc(LABEL_BYTES);
    for (const name of safeList(this.#dir)) {
      if (!name.endsWith('.lkg')) continue;
      const file = join(this.#dir, name);
      if (file === this.file) continue;
      try {
        const opened = openFile(file);
        const why = 'why' in opened ? opened.why : notOurs(opened.stat);
        if ('fd' in opened) {
          let read = 0;
          try {
            if (!why) read = readSync(opened.fd, head, 0, LABEL_BYTES, 0);
          } finally {
            closeSync(opened.fd);
          }
          if (read === LABEL_BYTES && head.subarray(0, group.length).equals(group) && !head.equals(this.#d.label)) unlinkSync(file);
        }
        if (why) this.#warn(`skipping ${file} in the cache folder: it ${why}; delete it`);
      } catch (error) {
        if (code(error) !== 'ENOENT') this.#warn(`skipping ${file} in the cache folder: it cannot be read (${code(error)})`);
      }
    }
  }

  /** After the API said the token or a secret is gone, the copy must not outlive it. */
  remove(): void {
    this.#cancelPending?.();
    this.#cancelPending = undefined;
    this.#read = { copy: undefined };
    try {
      if (this.#usableFolder()) unlinkSync(this.file);
    } catch {
      // Nothing to remove.
    }
  }

  #seal(copy: CachedCopy): Buffer {
    const nonce = crypto().randomBytes(NONCE_BYTES);
    const { key, aad, label } = this.#d;
    const cipher = crypto().createCipheriv('aes-256-gcm', key, nonce);
    cipher.setAAD(aad);
    const body = Buffer.concat([cipher.update(JSON.stringify(copy), 'utf8'), cipher.final()]);
    return Buffer.concat([label, nonce, cipher.getAuthTag(), body]);
  }

  #open(data: Buffer): CachedCopy | undefined {
    const { key, aad, label } = this.#d;
    if (data.length < HEADER_BYTES || !data.subarray(0, LABEL_BYTES).equals(label)) return undefined;
    const nonce = data.subarray(LABEL_BYTES, LABEL_BYTES + NONCE_BYTES);
    const tag = data.subarray(LABEL_BYTES + NONCE_BYTES, HEADER_BYTES);
    try {
      const decipher = crypto().createDecipheriv('aes-256-gcm', key, nonce);
      decipher.setAAD(aad);
      decipher.setAuthTag(tag);
      const text = Buffer.concat([decipher.update(data.subarray(HEADER_BYTES)), decipher.final()]).toString('utf8');
      return asCopy(JSON.parse(text));
    } catch {
      return undefined;
    }
  }
}

function isPairs(value: unknown): value is Array<[string, string]> {
  return (
    Array.isArray(value) &&
    value.every((pair) => Array.isArray(pair) && pair.length === 2 && typeof pair[0] === 'string' && typeof pair[1] === 'string')
  );
}

function isStrings(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

function asCopy(value: unknown): CachedCopy | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { at, entries, missing, dangerous, unfit } = value as Record<string, unknown>;
  if (typeof at !== 'number' || !isPairs(entries) || !isStrings(missing) || !isStrings(dangerous)) return undefined;
  if (unfit === undefined) return { at, entries, missing, dangerous };
  return isUnfitList(unfit) ? { at, entries, missing, dangerous, unfit } : undefined;
}

function isUnfitList(value: unknown): value is Unfit[] {
  return (
    Array.isArray(value) &&
    value.every((u: Partial<Unfit> | null) => typeof u?.id === 'string' && typeof u.name === 'string' && (u.why === 'nul' || typeof u.why === 'number'))
  );
}

/** A file of the cache folder, open to read, or why it is not opened. */
type Opened = { fd: number; stat: Stats } | { why: string };

/**
 * Opens `path` to read as what it is: a link is not followed and a FIFO not waited on, and
 * anything but a regular file is closed again unread. What refused to open is said by what
 * it is (a link: ELOOP, or EMLINK on the BSDs; a socket: ENXIO). Throws the rest, ENOENT
 * included.
 */
function openFile(path: string): Opened {
  let fd: number;
  try {
    fd = openSync(path, READ);
  } catch (error) {
    const kind = kindAt(path);
    if (kind) return { why: `is ${kind}, not a regular file` };
    throw error;
  }
  let keep = false;
  try {
    const stat = fstatSync(fd);
    keep = stat.isFile();
    return keep ? { fd, stat } : { why: `is ${kindOf(stat)}, not a regular file` };
  } finally {
    if (!keep) closeSync(fd);
  }
}

function kindAt(path: string): string | undefined {
  try {
    const stat = lstatSync(path);
    return stat.isFile() ? undefined : kindOf(stat);
  } catch {
    return undefined;
  }
}

function kindOf(stat: Stats): string {
  if (stat.isSymbolicLink()) return 'a symbolic link';
  if (stat.isFIFO()) return 'a FIFO';
  if (stat.isSocket()) return 'a socket';
  if (stat.isDirectory()) return 'a folder';
  return stat.isCharacterDevice() || stat.isBlockDevice() ? 'a device' : 'an unknown kind of file';
}

/** Why `stat` is not the effective user's; undefined when it is, or where there are no owners to compare (Windows). */
function notOurs(stat: Stats): string | undefined {
  const euid = process.geteuid?.();
  return euid === undefined || stat.uid === euid ? undefined : `is owned by another user (uid ${stat.uid})`;
}

/**
 * `mkdir -p` with mode 0700 and a bound; returns the folders that were missing, outermost
 * first, made here or by someone else meanwhile. Node's own recursive mkdir never returns on
 * some paths (under /proc it loops at full CPU): a cache folder that cannot be made must
 * cost one warning, not the deadline.
 */
function makeFolder(dir: string, depth = 0, made: string[] = []): string[] {
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code;
    if (why === 'EEXIST') return made;
    const parent = dirname(dir);
    if (why !== 'ENOENT' || parent === dir || depth >= MAX_NEW_FOLDERS) throw error;
    makeFolder(parent, depth + 1, made);
    try {
      mkdirSync(dir, { mode: 0o700 });
    } catch (again) {
      if ((again as NodeJS.ErrnoException).code !== 'EEXIST') throw again;
    }
  }
  made.push(dir);
  return made;
}

/** Makes a rename durable; not every system can sync a folder, and then there is nothing to do. */
function syncFolder(dir: string): void {
  if (!POSIX) return;
  try {
    const fd = openSync(dir, FOLDER);
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // EINVAL or EISDIR on file systems that do not sync folders.
  }
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function code(error: unknown): string {
  return (error as NodeJS.ErrnoException)?.code ?? 'error';
}
