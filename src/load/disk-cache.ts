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
 * Only `node:crypto` and `node:fs` are used here: this is the cache-hit startup path.
 */
import { mainModuleStarted } from '../node-features.js';

// Builtins through getBuiltinModule: in the ESM build a static import also builds an ES
// module facade for each, which the startup path would pay for. crypto (~3.5 ms to load) only
// when a copy is opened, so importing the package for its client does not pay for it.
const crypto = (): typeof import('node:crypto') => process.getBuiltinModule('node:crypto');
const { closeSync, fstatSync, fsyncSync, mkdirSync, openSync, readFileSync, readSync, readdirSync, renameSync, statSync, unlinkSync, writeSync } =
  process.getBuiltinModule('node:fs');
const { dirname, join } = process.getBuiltinModule('node:path');

/** What is stored: the resolved names and values of one selection, and when. */
export interface CachedCopy {
  /** Epoch ms of the fetch. */
  at: number;
  entries: Array<[name: string, value: string]>;
  missing: string[];
  dangerous: string[];
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

  #readFile(): CachedCopy | undefined {
    let fd: number;
    try {
      fd = openSync(this.file, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        this.#warn(`cannot read the cached copy in ${this.#dir} (${code(error)}); ignoring it`);
      }
      return undefined;
    }
    let data: Buffer;
    try {
      if (POSIX) {
        const stat = fstatSync(fd);
        if ((stat.mode & 0o077) !== 0 || stat.uid !== process.getuid?.()) {
          this.#warn(
            `ignoring the cached copy ${this.file}: it is readable by others or not yours ` +
              '(it must be mode 0600 and owned by you); delete it',
          );
          return undefined;
        }
      }
      data = readFileSync(fd);
    } catch (error) {
      this.#warn(`cannot read the cached copy in ${this.#dir} (${code(error)}); ignoring it`);
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
    const tmp = `${this.file}.${process.pid}.${crypto().randomBytes(4).toString('hex')}.tmp`;
    try {
      makeFolder(this.#dir);
      if (POSIX && (statSync(this.#dir).mode & 0o077) !== 0) {
        this.#warn(
          `not caching secrets in ${this.#dir}: the folder is open to other users; ` +
            'chmod 700 it, or set CLARIFAI_SECRETS_CACHE_DIR to a private folder (or off)',
        );
        return;
      }
      const fd = openSync(tmp, 'wx', 0o600);
      try {
        writeSync(fd, this.#seal(copy));
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

  /** Deletes this base URL and user's copies whose token tag is not this token's. */
  #forgetOtherTokens(): void {
    const group = this.#d.label.subarray(0, MAGIC.length + GROUP_BYTES);
    const head = Buffer.alloc(LABEL_BYTES);
    for (const name of safeList(this.#dir)) {
      if (!name.endsWith('.lkg')) continue;
      const file = join(this.#dir, name);
      if (file === this.file) continue;
      try {
        const fd = openSync(file, 'r');
        let read: number;
        try {
          read = readSync(fd, head, 0, LABEL_BYTES, 0);
        } finally {
          closeSync(fd);
        }
        if (read === LABEL_BYTES && head.subarray(0, group.length).equals(group) && !head.equals(this.#d.label)) unlinkSync(file);
      } catch {
        // Gone already, or not ours to read: left alone.
      }
    }
  }

  /** After the API said the token or a secret is gone, the copy must not outlive it. */
  remove(): void {
    this.#cancelPending?.();
    this.#cancelPending = undefined;
    this.#read = { copy: undefined };
    try {
      unlinkSync(this.file);
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
  const { at, entries, missing, dangerous } = value as Record<string, unknown>;
  if (typeof at !== 'number' || !isPairs(entries) || !isStrings(missing) || !isStrings(dangerous)) return undefined;
  return { at, entries, missing, dangerous };
}

/**
 * `mkdir -p` with mode 0700 and a bound. Node's own recursive mkdir never returns on some
 * paths (under /proc it loops at full CPU): a cache folder that cannot be made must cost one
 * warning, not the deadline.
 */
function makeFolder(dir: string, depth = 0): void {
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code;
    if (why === 'EEXIST') return;
    const parent = dirname(dir);
    if (why !== 'ENOENT' || parent === dir || depth >= MAX_NEW_FOLDERS) throw error;
    makeFolder(parent, depth + 1);
    try {
      mkdirSync(dir, { mode: 0o700 });
    } catch (again) {
      if ((again as NodeJS.ErrnoException).code !== 'EEXIST') throw again;
    }
  }
}

/** Makes a rename durable; not every system can sync a folder, and then there is nothing to do. */
function syncFolder(dir: string): void {
  if (!POSIX) return;
  try {
    const fd = openSync(dir, 'r');
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
