/**
 * The encrypted last-known-good copy of one selection, on disk.
 *
 * AES-256-GCM with a key derived (HKDF-SHA256) from the token, the base URL and the user:
 * the file tells nothing to anyone who does not already hold the token, and a file written
 * under another token, user or selection fails authentication and is ignored. The file
 * name is an HMAC of the selection, so it does not reveal which secrets it holds.
 *
 * Only `node:crypto` and `node:fs` are used here: this is the cache-hit startup path.
 */
// Builtins through getBuiltinModule: in the ESM build a static import also builds an ES
// module facade for each, which the startup path would pay for. crypto (~3.5 ms to load) only
// when a copy is opened, so importing the package for its client does not pay for it.
const crypto = (): typeof import('node:crypto') => process.getBuiltinModule('node:crypto');
const { closeSync, fstatSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } =
  process.getBuiltinModule('node:fs');
const { join } = process.getBuiltinModule('node:path');

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

const MAGIC = Buffer.from('CSLK\u0001', 'latin1');
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = MAGIC.length + NONCE_BYTES + TAG_BYTES;
const POSIX = process.platform !== 'win32';

export type Warn = (message: string) => void;

/** How old a copy written at `at` is, for messages: `42 s`, `7 min`, `3 h`. */
export function ageOf(at: number): string {
  const seconds = Math.max(0, Math.round((Date.now() - at) / 1000));
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds / 3600)} h`;
}

export class DiskCache {
  readonly file: string;
  readonly #dir: string;
  readonly #key: Buffer;
  readonly #aad: Buffer;
  readonly #warn: Warn;
  /** The first read's result: a damaged file warns once per load, not once per look. */
  #read: { copy: CachedCopy | undefined } | undefined;

  constructor(key: DiskCacheKey, warn: Warn) {
    const material = Buffer.from(
      crypto().hkdfSync('sha256', key.token, 'clarifai-secrets/last-known-good/v1', `${key.baseUrl}\n${key.userId}`, 64),
    );
    this.#key = material.subarray(0, 32);
    const name = crypto().createHmac('sha256', material.subarray(32)).update(key.selection).digest('hex').slice(0, 32);
    this.#dir = key.dir;
    this.file = join(key.dir, `${name}.lkg`);
    this.#aad = Buffer.from(`v1\n${key.selection}`);
    this.#warn = warn;
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

  /** Best effort: a folder that cannot be written gives one warning, never a failure. */
  write(copy: CachedCopy): void {
    const tmp = `${this.file}.${process.pid}.${crypto().randomBytes(4).toString('hex')}.tmp`;
    try {
      mkdirSync(this.#dir, { recursive: true, mode: 0o700 });
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
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, this.file);
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
    }
  }

  /** After the API said the token or a secret is gone, the copy must not outlive it. */
  remove(): void {
    this.#read = { copy: undefined };
    try {
      unlinkSync(this.file);
    } catch {
      // Nothing to remove.
    }
  }

  #seal(copy: CachedCopy): Buffer {
    const nonce = crypto().randomBytes(NONCE_BYTES);
    const cipher = crypto().createCipheriv('aes-256-gcm', this.#key, nonce);
    cipher.setAAD(this.#aad);
    const body = Buffer.concat([cipher.update(JSON.stringify(copy), 'utf8'), cipher.final()]);
    return Buffer.concat([MAGIC, nonce, cipher.getAuthTag(), body]);
  }

  #open(data: Buffer): CachedCopy | undefined {
    if (data.length < HEADER_BYTES || !data.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
    const nonce = data.subarray(MAGIC.length, MAGIC.length + NONCE_BYTES);
    const tag = data.subarray(MAGIC.length + NONCE_BYTES, HEADER_BYTES);
    try {
      const decipher = crypto().createDecipheriv('aes-256-gcm', this.#key, nonce);
      decipher.setAAD(this.#aad);
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

function code(error: unknown): string {
  return (error as NodeJS.ErrnoException)?.code ?? 'error';
}
