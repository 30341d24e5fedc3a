/**
 * DiskCache on its own, with real files in fresh folders: the file format (re-derived here
 * from the module's documentation, so a change to it is a change to what is on users' disks),
 * the round trips, the copies it must refuse, the folders it must not write to, and the
 * copies of a replaced token it deletes. The loader's tests reach it only through a load,
 * and the spawned end-to-end tests not in a way a mutation run can see.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  constants,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { type Server, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { type CachedCopy, DiskCache, type DiskCacheKey, ageOf } from '../../src/load/disk-cache.js';
import { expectNoLeak, expectNoLeakInFolder } from '../support/leaks.js';
import { afterWriteSoon, asIfMainStarted } from '../support/write-soon.js';

const TOKEN = 'pat-DC-alice-7f3e9a1c5b';
const OTHER_TOKEN = 'pat-DC-rotated-2b8d4f6a0e';
const BOB_TOKEN = 'pat-DC-bob-5e1a9c3d7f';
const VALUE = 'value-DC-9d2c7b4e1a';
const VALUE_2 = 'value-DC-3f6a8e0b52';
const PLANTED = { TOKEN, OTHER_TOKEN, BOB_TOKEN, VALUE, VALUE_2 };
const BASE_URL = 'https://api.clarifai.test';
const SELECTION = 'KEY_A,KEY_B';

const COPY: CachedCopy = {
  at: 1_700_000_000_000,
  entries: [
    ['KEY_A', VALUE],
    ['KEY_B', VALUE_2],
  ],
  missing: ['GONE'],
  dangerous: ['PATH'],
};

const HEADER_BYTES = 5 + 16 + 8 + 12 + 16;

const folder = (name: string): string => mkdtempSync(join(tmpdir(), `cs-dc-${name}-`));
const keyIn = (dir: string, extra: Partial<DiskCacheKey> = {}): DiskCacheKey => ({
  dir,
  token: TOKEN,
  baseUrl: BASE_URL,
  userId: 'alice',
  selection: SELECTION,
  ...extra,
});

/** A cache and the warnings it gave. */
function open(key: DiskCacheKey): { cache: DiskCache; warnings: string[] } {
  const warnings: string[] = [];
  return { cache: new DiskCache(key, (message) => warnings.push(message)), warnings };
}

/** The file name, key, label and AAD of a copy, derived as the module's header says. */
function derived(key: DiskCacheKey): { file: string; key: Buffer; label: Buffer; aad: Buffer } {
  const material = Buffer.from(hkdfSync('sha256', key.token, 'clarifai-secrets/last-known-good/v1', `${key.baseUrl}\n${key.userId}`, 64));
  const mac = (text: string) => createHmac('sha256', material.subarray(32)).update(text).digest();
  const group = createHash('sha256').update(`clarifai-secrets/group\n${key.baseUrl}\n${key.userId}`).digest().subarray(0, 16);
  const label = Buffer.concat([Buffer.from('CSLK\u0002', 'latin1'), group, mac('token-tag').subarray(0, 8)]);
  return {
    file: join(key.dir, `${mac(key.selection).toString('hex').slice(0, 32)}.lkg`),
    key: material.subarray(0, 32),
    label,
    aad: Buffer.concat([label, Buffer.from(`\n${key.selection}`)]),
  };
}

/** A file sealed for `key` around any plain text: how a malformed payload gets past the tag. */
function sealed(key: DiskCacheKey, text: string): Buffer {
  const d = derived(key);
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', d.key, nonce);
  cipher.setAAD(d.aad);
  const body = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
  return Buffer.concat([d.label, nonce, cipher.getAuthTag(), body]);
}

function unsealed(key: DiskCacheKey, data: Buffer): string {
  const d = derived(key);
  const decipher = createDecipheriv('aes-256-gcm', d.key, data.subarray(29, 41));
  decipher.setAAD(d.aad);
  decipher.setAuthTag(data.subarray(41, HEADER_BYTES));
  return Buffer.concat([decipher.update(data.subarray(HEADER_BYTES)), decipher.final()]).toString('utf8');
}

function plant(key: DiskCacheKey, data: Buffer, file = derived(key).file): string {
  writeFileSync(file, data, { mode: 0o600 });
  chmodSync(file, 0o600);
  return file;
}

const damaged = (file: string) =>
  `ignoring the cached copy ${file}: it is damaged, or was written with another token, user or selection`;
const notPrivate = (file: string) =>
  `ignoring the cached copy ${file}: it is readable by others or not yours (it must be mode 0600 and owned by you); delete it`;
const cannotWrite = (dir: string, code: string) =>
  `cannot write the last-known-good copy to ${dir} (${code}): set CLARIFAI_SECRETS_CACHE_DIR to a writable folder, or to off`;
const cannotRead = (dir: string, code: string) => `cannot read the cached copy in ${dir} (${code}); ignoring it`;
const folderRefused = (dir: string, why: string, path = dir) =>
  `not caching secrets in ${dir}: ${path === dir ? 'it' : path} ${why}; ` +
  'set CLARIFAI_SECRETS_CACHE_DIR to a private folder of your own (or off)';
const notAFile = (file: string, kind: string) => `ignoring the cached copy ${file}: it is ${kind}, not a regular file; delete it`;
const skipped = (file: string, why: string) => `skipping ${file} in the cache folder: it ${why}; delete it`;

const ROOT = process.geteuid?.() === 0;
/** `nobody`: an owner that is not the effective user, for the tests that run as root. */
const NOBODY = 65534;
const notYours = `is owned by another user (uid ${NOBODY})`;

const guards: ChildProcess[] = [];
afterAll(() => {
  for (const guard of guards) guard.kill();
});
/**
 * A FIFO at `path`. An open that blocks on it holds this whole thread, the test's own timeout
 * included: after 3 s the guard opens it read-write (which never blocks on Linux) and lets a
 * blocked reader go with an empty read, so that a regression fails its test instead of
 * hanging the run.
 */
function fifoAt(path: string): string {
  execFileSync('mkfifo', ['-m', '600', path]);
  const guard = spawn('sh', ['-c', 'sleep 3; [ -p "$1" ] && exec 3<>"$1"', 'sh', path], { stdio: 'ignore' });
  guard.unref();
  guards.push(guard);
  return path;
}

/** A listening Unix socket at `path`: a file that open() refuses (ENXIO). */
async function socketAt(path: string): Promise<Server> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return server;
}

/** Each entry's name, kind and bytes (a FIFO's or socket's are never read). */
function snapshot(dir: string): Array<[string, string]> {
  return readdirSync(dir)
    .sort()
    .map((name) => {
      const path = join(dir, name);
      const stat = lstatSync(path);
      return [name, stat.isFile() ? readFileSync(path).toString('hex') : `mode ${stat.mode.toString(8)}`];
    });
}

/** `run()`, which must not wait on anything: its result and how long it took. */
function timed<T>(run: () => T): { result: T; ms: number } {
  const started = Date.now();
  const result = run();
  return { result, ms: Date.now() - started };
}

const lkgFiles = (dir: string) => readdirSync(dir).filter((name) => name.endsWith('.lkg')).sort();
const tmpFiles = (dir: string) => readdirSync(dir).filter((name) => name.endsWith('.tmp'));
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
/** Timers that keep the process alive (a test's own timeout is one). */
const refTimers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;

/** No planted token or value in the folder's files nor in the warnings. */
function expectNothingLeaked(dir: string, warnings: string[]): void {
  expectNoLeakInFolder(dir, PLANTED);
  expectNoLeak(warnings.join('\n'), PLANTED, 'the warnings');
}

describe('ageOf', () => {
  afterEach(() => vi.useRealTimers());
  const ageAt = (msAgo: number) => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(1_800_000_000_000);
    return ageOf(1_800_000_000_000 - msAgo);
  };

  it('says seconds under 120 s, minutes under 7200 s, hours from there', () => {
    expect(ageAt(0)).toBe('0 s');
    expect(ageAt(42_000)).toBe('42 s');
    expect(ageAt(119_000)).toBe('119 s');
    expect(ageAt(119_499)).toBe('119 s');
    expect(ageAt(120_000)).toBe('2 min');
    expect(ageAt(7_199_000)).toBe('120 min');
    expect(ageAt(7_200_000)).toBe('2 h');
    expect(ageAt(9_000_000)).toBe('3 h');
  });

  it('says 0 s for a copy stamped in the future (a clock set back)', () => {
    expect(ageAt(-60_000)).toBe('0 s');
  });
});

describe('the file on disk', () => {
  it('is named, labelled and sealed as the module documents, mode 0600, with nothing in plain text', () => {
    const dir = folder('format');
    const key = keyIn(dir);
    const { cache, warnings } = open(key);
    cache.write(COPY);
    const d = derived(key);
    expect(cache.file).toBe(d.file);
    expect(readdirSync(dir)).toEqual([basename(d.file)]);
    expect(basename(d.file)).toMatch(/^[0-9a-f]{32}\.lkg$/);
    const data = readFileSync(d.file);
    expect(data.subarray(0, 29).equals(d.label)).toBe(true);
    expect(JSON.parse(unsealed(key, data))).toEqual(COPY);
    expect(statSync(d.file).mode & 0o777).toBe(0o600);
    expect(warnings).toEqual([]);
    expectNothingLeaked(dir, warnings);
  });

  it('sealed as documented is read back, with only the four known fields', () => {
    const dir = folder('format-read');
    const key = keyIn(dir);
    plant(key, sealed(key, JSON.stringify({ ...COPY, extra: 'ignored' })));
    const { cache, warnings } = open(key);
    expect(cache.read()).toStrictEqual(COPY);
    expect(warnings).toEqual([]);
  });
});

describe('round trips', () => {
  it('a written copy is read back by a new cache for the same key', () => {
    const dir = folder('trip');
    const writer = open(keyIn(dir));
    writer.cache.write(COPY);
    const reader = open(keyIn(dir));
    expect(reader.cache.read()).toStrictEqual(COPY);
    expect([...writer.warnings, ...reader.warnings]).toEqual([]);
    expect(tmpFiles(dir)).toEqual([]);
  });

  it('no copy: undefined, without a warning', () => {
    const dir = folder('none');
    const { cache, warnings } = open(keyIn(dir));
    expect(cache.read()).toBeUndefined();
    expect(warnings).toEqual([]);
  });

  it('the first read is kept: a damaged file warns once, and a later write is what reads see', () => {
    const dir = folder('once');
    const key = keyIn(dir);
    const file = plant(key, Buffer.from('CSLK\u0002 not a copy', 'latin1'));
    const { cache, warnings } = open(key);
    expect(cache.read()).toBeUndefined();
    expect(cache.read()).toBeUndefined();
    expect(warnings).toEqual([damaged(file)]);
    cache.write(COPY);
    unlinkSync(file);
    // The copy just written, without a second trip to the disk.
    expect(cache.read()).toStrictEqual(COPY);
  });

  it('a second write replaces the first', () => {
    const dir = folder('replace');
    open(keyIn(dir)).cache.write(COPY);
    const newer: CachedCopy = { ...COPY, at: COPY.at + 1, entries: [['KEY_A', VALUE_2]] };
    open(keyIn(dir)).cache.write(newer);
    expect(lkgFiles(dir)).toHaveLength(1);
    expect(open(keyIn(dir)).cache.read()).toStrictEqual(newer);
    expect(tmpFiles(dir)).toEqual([]);
  });

  it('remove deletes the copy, and reads see none; with no copy it does nothing', () => {
    const dir = folder('remove');
    const { cache, warnings } = open(keyIn(dir));
    cache.remove();
    cache.write(COPY);
    expect(cache.read()).toStrictEqual(COPY);
    cache.remove();
    expect(cache.read()).toBeUndefined();
    expect(lkgFiles(dir)).toEqual([]);
    expect(open(keyIn(dir)).cache.read()).toBeUndefined();
    expect(warnings).toEqual([]);
  });
});

describe('writeSoon', () => {
  const exitListeners = () => process.listeners('exit');

  describe('with a CommonJS main module running (-r, or run)', () => {
    let undo: () => void;
    beforeEach(() => {
      undo = asIfMainStarted();
    });
    afterEach(() => undo());

    it('reads see the copy at once; the disk gets it at the next turn, and the exit listener goes', async () => {
      const dir = folder('soon');
      const before = exitListeners();
      const { cache, warnings } = open(keyIn(dir));
      cache.writeSoon(COPY);
      expect(cache.read()).toStrictEqual(COPY);
      expect(lkgFiles(dir)).toEqual([]);
      expect(exitListeners()).toHaveLength(before.length + 1);
      await nextTurn();
      expect(open(keyIn(dir)).cache.read()).toStrictEqual(COPY);
      expect(exitListeners()).toEqual(before);
      expect(warnings).toEqual([]);
    });

    it("a second writeSoon takes the first one's place", async () => {
      const dir = folder('soon-twice');
      const before = exitListeners().length;
      const { cache } = open(keyIn(dir));
      const newer: CachedCopy = { ...COPY, at: COPY.at + 5 };
      cache.writeSoon(COPY);
      cache.writeSoon(newer);
      expect(exitListeners()).toHaveLength(before + 1);
      await nextTurn();
      expect(open(keyIn(dir)).cache.read()).toStrictEqual(newer);
      expect(exitListeners()).toHaveLength(before);
    });

    it('a remove before the next turn drops the pending write', async () => {
      const dir = folder('soon-remove');
      const before = exitListeners();
      const { cache } = open(keyIn(dir));
      cache.writeSoon(COPY);
      cache.remove();
      expect(exitListeners()).toEqual(before);
      await nextTurn();
      expect(lkgFiles(dir)).toEqual([]);
      expect(cache.read()).toBeUndefined();
    });

    it('a write before the next turn drops the pending one', async () => {
      const dir = folder('soon-write');
      const before = exitListeners();
      const { cache } = open(keyIn(dir));
      const newer: CachedCopy = { ...COPY, at: COPY.at + 7 };
      cache.writeSoon(COPY);
      cache.write(newer);
      expect(exitListeners()).toEqual(before);
      await nextTurn();
      expect(open(keyIn(dir)).cache.read()).toStrictEqual(newer);
    });
  });

  describe('with no CommonJS main module running (an ES module main, or one still loading)', () => {
    it('the disk gets it WRITE_SOON_MS later, on a timer that keeps no process alive', async () => {
      const dir = folder('soon-timer');
      const before = exitListeners();
      const timers = refTimers();
      const { cache, warnings } = open(keyIn(dir));
      cache.writeSoon(COPY);
      // On Node 20 an --import start runs the app's first line several turns after the preload.
      await nextTurn();
      await nextTurn();
      expect(lkgFiles(dir)).toEqual([]);
      expect(cache.read()).toStrictEqual(COPY);
      expect(exitListeners()).toHaveLength(before.length + 1);
      // A process with nothing else to do ends, and writes as it exits.
      expect(refTimers()).toBe(timers);
      await afterWriteSoon();
      expect(open(keyIn(dir)).cache.read()).toStrictEqual(COPY);
      expect(exitListeners()).toEqual(before);
      expect(warnings).toEqual([]);
    });

    it('a remove while the timer waits drops the pending write', async () => {
      const dir = folder('soon-timer-remove');
      const before = exitListeners();
      const { cache } = open(keyIn(dir));
      cache.writeSoon(COPY);
      await nextTurn();
      cache.remove();
      expect(exitListeners()).toEqual(before);
      await afterWriteSoon();
      expect(lkgFiles(dir)).toEqual([]);
    });
  });

  it('writes at exit when the process ends first', () => {
    const dir = folder('soon-exit');
    const before = exitListeners();
    const { cache } = open(keyIn(dir));
    cache.writeSoon(COPY);
    const added = exitListeners().filter((listener) => !before.includes(listener));
    expect(added).toHaveLength(1);
    // What process.exit would run; emitting 'exit' here would run the test runner's listeners too.
    added[0]?.(0);
    expect(open(keyIn(dir)).cache.read()).toStrictEqual(COPY);
    expect(exitListeners()).toEqual(before);
  });
});

describe('copies that must not be trusted', () => {
  /** Writes under `from`, then puts those bytes where `to` reads, relabelled for `to` so that decryption is tried. */
  function movedAcross(from: Partial<DiskCacheKey>, to: Partial<DiskCacheKey>, relabel: boolean) {
    const dir = folder('across');
    const source = keyIn(dir, from);
    open(source).cache.write(COPY);
    const bytes = Buffer.from(readFileSync(derived(source).file));
    const target = keyIn(dir, to);
    if (relabel) derived(target).label.copy(bytes, 0);
    const file = plant(target, bytes);
    const { cache, warnings } = open(target);
    return { copy: cache.read(), warnings, file, dir };
  }

  it.each([
    ['another token', { token: OTHER_TOKEN }],
    ['another user', { userId: 'bob' }],
    ['another base URL', { baseUrl: 'https://api.elsewhere.test' }],
    ['another selection', { selection: 'KEY_A' }],
  ])('written under %s is refused, as written and relabelled', (_what, other) => {
    for (const relabel of [false, true]) {
      const { copy, warnings, file, dir } = movedAcross({}, other, relabel);
      expect(copy).toBeUndefined();
      expect(warnings).toEqual([damaged(file)]);
      expectNothingLeaked(dir, warnings);
    }
  });

  it.each([
    ['the magic', 3],
    ['the version', 4],
    ['the group', 10],
    ['the token tag', 25],
    ['the nonce', 33],
    ['the tag', 45],
    ['the body', HEADER_BYTES + 3],
  ])('with a byte of %s changed is refused', (_what, at) => {
    const dir = folder('flip');
    const key = keyIn(dir);
    open(key).cache.write(COPY);
    const file = derived(key).file;
    const bytes = Buffer.from(readFileSync(file));
    bytes[at] = (bytes[at] ?? 0) ^ 0x01;
    plant(key, bytes);
    const { cache, warnings } = open(key);
    expect(cache.read()).toBeUndefined();
    expect(warnings).toEqual([damaged(file)]);
  });

  it.each([0, 5, 29, HEADER_BYTES - 1, HEADER_BYTES, HEADER_BYTES + 1])('cut to %i bytes is refused', (length) => {
    const dir = folder('cut');
    const key = keyIn(dir);
    open(key).cache.write(COPY);
    const file = derived(key).file;
    plant(key, readFileSync(file).subarray(0, length));
    const { cache, warnings } = open(key);
    expect(cache.read()).toBeUndefined();
    expect(warnings).toEqual([damaged(file)]);
  });

  const valid = { at: 1, entries: [['A', 'x']], missing: ['M'], dangerous: ['D'] };
  it.each([
    ['a number', '42'],
    ['a string', '"text"'],
    ['null', 'null'],
    ['an array', '[]'],
    ['not JSON', '{"at": 1,'],
    ['`at` as a string', JSON.stringify({ ...valid, at: '1' })],
    ['no `at`', JSON.stringify({ ...valid, at: undefined })],
    ['`entries` as an object', JSON.stringify({ ...valid, entries: { A: 'x' } })],
    ['an entry as a two-character string', JSON.stringify({ ...valid, entries: ['Ax'] })],
    ['an entry as an array-like object', JSON.stringify({ ...valid, entries: [{ 0: 'A', 1: 'x', length: 2 }] })],
    ['an entry of one string', JSON.stringify({ ...valid, entries: [['A']] })],
    ['an entry of three strings', JSON.stringify({ ...valid, entries: [['A', 'x', 'y']] })],
    ['an entry with a numeric name', JSON.stringify({ ...valid, entries: [[1, 'x']] })],
    ['an entry with a numeric value', JSON.stringify({ ...valid, entries: [['A', 1]] })],
    ['a bad entry after a good one', JSON.stringify({ ...valid, entries: [['A', 'x'], ['B', 2]] })],
    ['`missing` as a string', JSON.stringify({ ...valid, missing: 'M' })],
    ['a number in `missing` after a string', JSON.stringify({ ...valid, missing: ['M', 1] })],
    ['`dangerous` as a string', JSON.stringify({ ...valid, dangerous: 'D' })],
    ['a number in `dangerous` after a string', JSON.stringify({ ...valid, dangerous: ['D', 1] })],
    ['no `dangerous`', JSON.stringify({ ...valid, dangerous: undefined })],
  ])('sealed properly around %s is refused', (_what, text) => {
    const dir = folder('payload');
    const key = keyIn(dir);
    const file = plant(key, sealed(key, text));
    const { cache, warnings } = open(key);
    expect(cache.read()).toBeUndefined();
    expect(warnings).toEqual([damaged(file)]);
  });

  it('sealed properly around a well-formed payload is accepted (the control for the cases above)', () => {
    const dir = folder('payload-ok');
    const key = keyIn(dir);
    plant(key, sealed(key, JSON.stringify(valid)));
    const { cache, warnings } = open(key);
    expect(cache.read()).toStrictEqual(valid);
    expect(warnings).toEqual([]);
  });

  it.each([0o644, 0o640, 0o604, 0o660])('with mode %o is refused, and left for the user to delete', (mode) => {
    const dir = folder('mode');
    const key = keyIn(dir);
    open(key).cache.write(COPY);
    const file = derived(key).file;
    chmodSync(file, mode);
    const { cache, warnings } = open(key);
    expect(cache.read()).toBeUndefined();
    expect(warnings).toEqual([notPrivate(file)]);
    expect(existsSync(file)).toBe(true);
  });

  it.runIf(process.getuid?.() === 0)('owned by another user is refused, even at mode 0600', () => {
    const dir = folder('owner');
    const key = keyIn(dir);
    open(key).cache.write(COPY);
    const file = derived(key).file;
    chownSync(file, 4321, 4321);
    const { cache, warnings } = open(key);
    expect(cache.read()).toBeUndefined();
    expect(warnings).toEqual([notPrivate(file)]);
  });

  it('that cannot be opened (its folder is a file) warns with the reason', () => {
    const parent = folder('enotdir');
    writeFileSync(join(parent, 'plain'), 'x');
    const dir = join(parent, 'plain', 'cache');
    const { cache, warnings } = open(keyIn(dir));
    expect(cache.read()).toBeUndefined();
    expect(warnings).toEqual([cannotRead(dir, 'ENOTDIR')]);
  });

  it('that is a private folder, not a file, is refused naming it', () => {
    const dir = folder('eisdir');
    const key = keyIn(dir);
    mkdirSync(derived(key).file, { mode: 0o700 });
    const { cache, warnings } = open(key);
    expect(cache.read()).toBeUndefined();
    expect(warnings).toEqual([notAFile(derived(key).file, 'a folder')]);
  });
});

describe('where a copy is not written', () => {
  it("a folder open to other users: a warning, no file, and the old token's copies stay", () => {
    const dir = folder('open');
    open(keyIn(dir, { token: OTHER_TOKEN })).cache.write(COPY);
    const old = lkgFiles(dir);
    chmodSync(dir, 0o755);
    const { cache, warnings } = open(keyIn(dir));
    cache.write(COPY);
    expect(warnings).toEqual([
      `not caching secrets in ${dir}: the folder is open to other users; ` +
        'chmod 700 it, or set CLARIFAI_SECRETS_CACHE_DIR to a private folder (or off)',
    ]);
    expect(lkgFiles(dir)).toEqual(old);
    expect(tmpFiles(dir)).toEqual([]);
  });

  it('a folder under a regular file (ENOTDIR, even for root): one warning, no throw', () => {
    const parent = folder('under-file');
    writeFileSync(join(parent, 'plain'), 'x');
    const dir = join(parent, 'plain', 'cache');
    const { cache, warnings } = open(keyIn(dir));
    cache.write(COPY);
    expect(warnings).toEqual([cannotWrite(dir, 'ENOTDIR')]);
    expectNothingLeaked(parent, warnings);
  });

  it("a folder where the copy should be: the temporary file is removed, and the old token's copies stay", () => {
    const dir = folder('rename');
    open(keyIn(dir, { token: OTHER_TOKEN })).cache.write(COPY);
    const key = keyIn(dir);
    mkdirSync(derived(key).file, { mode: 0o700 });
    writeFileSync(join(derived(key).file, 'inside'), 'x');
    const { cache, warnings } = open(key);
    cache.write(COPY);
    expect(warnings).toEqual([cannotWrite(dir, 'EISDIR')]);
    expect(tmpFiles(dir)).toEqual([]);
    expect(lkgFiles(dir)).toHaveLength(2);
    expectNothingLeaked(dir, warnings);
  });

  it('a copy that cannot be serialised: a warning naming no code, and no temporary file', () => {
    const dir = folder('bigint');
    const { cache, warnings } = open(keyIn(dir));
    cache.write({ ...COPY, at: 1n as unknown as number });
    expect(warnings).toEqual([cannotWrite(dir, 'error')]);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('the cache folder is made when missing', () => {
  const chain = (base: string, count: number) => Array.from({ length: count }, (_, i) => join(base, ...Array(i + 1).fill('d')));

  it('one new folder, mode 0700', () => {
    const base = folder('mk1');
    const dir = join(base, 'cache');
    const { cache, warnings } = open(keyIn(dir));
    cache.write(COPY);
    expect(warnings).toEqual([]);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(open(keyIn(dir)).cache.read()).toStrictEqual(COPY);
  });

  it('nested new folders, each mode 0700', () => {
    const base = folder('mk3');
    const dirs = chain(base, 3);
    const dir = dirs[2] ?? '';
    const { cache, warnings } = open(keyIn(dir));
    cache.write(COPY);
    expect(warnings).toEqual([]);
    for (const made of dirs) expect(statSync(made).mode & 0o777).toBe(0o700);
    expect(lkgFiles(dir)).toHaveLength(1);
  });

  it('up to 33 new folders (32 above the cache folder); 34 are refused before any is made', () => {
    const base = folder('mk33');
    const deepest = chain(base, 33)[32] ?? '';
    const ok = open(keyIn(deepest));
    ok.cache.write(COPY);
    expect(ok.warnings).toEqual([]);
    expect(lkgFiles(deepest)).toHaveLength(1);

    const other = folder('mk34');
    const tooDeep = chain(other, 34)[33] ?? '';
    const refused = open(keyIn(tooDeep));
    refused.cache.write(COPY);
    expect(refused.warnings).toEqual([cannotWrite(tooDeep, 'ENOENT')]);
    expect(readdirSync(other)).toEqual([]);
  });

  it('a path longer than the system takes: refused at once, without making the folders above it', () => {
    const base = folder('mklong');
    // Over PATH_MAX (4096) as a whole, though each name is short enough and each parent is not.
    const dir = join(base, 'new', ...Array(21).fill('z'.repeat(200)));
    const { cache, warnings } = open(keyIn(dir));
    cache.write(COPY);
    expect(warnings).toEqual([cannotWrite(dir, 'ENAMETOOLONG')]);
    expect(readdirSync(base)).toEqual([]);
  });
});

describe('copies written under another token', () => {
  it('of the same base URL and user are deleted after a write; everything else stays', () => {
    const dir = folder('forget');
    // Planted, not written: a write would itself delete the other token's copies.
    const put = (extra: Partial<DiskCacheKey>) => {
      const key = keyIn(dir, extra);
      return basename(plant(key, sealed(key, JSON.stringify(COPY))));
    };
    const oldAll = put({ token: OTHER_TOKEN });
    const oldOne = put({ token: OTHER_TOKEN, selection: 'KEY_A' });
    put({ selection: 'KEY_B' });
    put({ token: BOB_TOKEN, userId: 'bob' });
    put({ token: OTHER_TOKEN, baseUrl: 'https://api.elsewhere.test' });
    expect(lkgFiles(dir)).toHaveLength(5);

    const oldBytes = readFileSync(join(dir, oldAll));
    const ours = derived(keyIn(dir)).label;
    // The old token's bytes, but not a copy's name: never ours to delete.
    writeFileSync(join(dir, 'backup.lkg.bak'), oldBytes, { mode: 0o600 });
    writeFileSync(join(dir, 'notes.txt'), oldBytes, { mode: 0o600 });
    // Shorter than a label: the old token's label without its last byte, and the group alone.
    writeFileSync(join(dir, 'short-tag.lkg'), oldBytes.subarray(0, 28), { mode: 0o600 });
    writeFileSync(join(dir, 'short-group.lkg'), oldBytes.subarray(0, 21), { mode: 0o600 });
    // Our group's first 13 bytes, then others: another group.
    const near = Buffer.from(oldBytes);
    ours.copy(near, 0, 0, 18);
    near[18] = (ours[18] ?? 0) ^ 0xff;
    writeFileSync(join(dir, 'near-group.lkg'), near, { mode: 0o600 });
    // A folder with a copy's name is not a copy: left alone, with a warning.
    mkdirSync(join(dir, 'folder.lkg'));
    const before = readdirSync(dir).sort();

    const { cache, warnings } = open(keyIn(dir));
    cache.write(COPY);
    expect(warnings).toEqual([skipped(join(dir, 'folder.lkg'), 'is a folder, not a regular file')]);
    const mine = basename(cache.file);
    expect(readdirSync(dir).sort()).toEqual([...before.filter((name) => name !== oldAll && name !== oldOne), mine].sort());
    expect(open(keyIn(dir)).cache.read()).toStrictEqual(COPY);
    expect(open(keyIn(dir, { selection: 'KEY_B' })).cache.read()).toStrictEqual(COPY);
    expectNothingLeaked(dir, warnings);
  });

  it('writes and reads leave no file open, whichever way they end', () => {
    const fdDir = '/proc/self/fd';
    if (!existsSync(fdDir)) return;
    const dir = folder('fds');
    open(keyIn(dir, { token: BOB_TOKEN, userId: 'bob' })).cache.write(COPY);
    const modeDir = folder('fds-mode');
    open(keyIn(modeDir)).cache.write(COPY);
    chmodSync(derived(keyIn(modeDir)).file, 0o644);
    const openFiles = () => readdirSync(fdDir).length;
    const before = openFiles();
    for (let i = 0; i < 10; i++) {
      open(keyIn(dir)).cache.write(COPY);
      expect(open(keyIn(dir)).cache.read()).toStrictEqual(COPY);
      expect(open(keyIn(modeDir)).cache.read()).toBeUndefined();
    }
    // Each leak would leave ten; a stray file some other code opened meanwhile is not one.
    expect(openFiles() - before).toBeLessThan(5);
  });
});

describe('a cache folder that is not your own', () => {
  it.runIf(ROOT)("owned by another user: one warning naming it, and no copy read, written or deleted", () => {
    const dir = folder('nobody');
    open(keyIn(dir)).cache.write(COPY);
    // An old token's copy, which a write would delete.
    const old = keyIn(dir, { token: OTHER_TOKEN, selection: 'KEY_A' });
    plant(old, sealed(old, JSON.stringify(COPY)));
    chownSync(dir, NOBODY, NOBODY);
    const before = snapshot(dir);
    const { cache, warnings } = open(keyIn(dir));
    expect(cache.read()).toBeUndefined();
    cache.write({ ...COPY, at: COPY.at + 1 });
    cache.remove();
    expect(warnings).toEqual([folderRefused(dir, notYours)]);
    expect(snapshot(dir)).toEqual(before);
    expectNothingLeaked(dir, warnings);
  });

  it.runIf(ROOT)('owned by another user, with no copy in it yet: the first write says so, the second says nothing', () => {
    const dir = folder('nobody-empty');
    chownSync(dir, NOBODY, NOBODY);
    const { cache, warnings } = open(keyIn(dir));
    expect(cache.read()).toBeUndefined();
    cache.write(COPY);
    cache.write(COPY);
    expect(warnings).toEqual([folderRefused(dir, notYours)]);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a symbolic link to a folder of yours: one warning naming it, and no copy read or written through it', () => {
    const real = folder('link-target');
    open(keyIn(real)).cache.write(COPY);
    const before = snapshot(real);
    const dir = join(folder('link'), 'cache');
    symlinkSync(real, dir);
    const { cache, warnings } = open(keyIn(dir));
    expect(cache.read()).toBeUndefined();
    cache.write({ ...COPY, at: COPY.at + 1 });
    cache.remove();
    expect(warnings).toEqual([folderRefused(dir, 'is a symbolic link, not a folder')]);
    expect(snapshot(real)).toEqual(before);
  });

  it('a regular file where the folder should be: one warning naming it', () => {
    const dir = join(folder('file-dir'), 'cache');
    writeFileSync(dir, 'x', { mode: 0o600 });
    const { cache, warnings } = open(keyIn(dir));
    expect(cache.read()).toBeUndefined();
    cache.write(COPY);
    expect(warnings).toEqual([folderRefused(dir, 'is not a folder')]);
    expect(readFileSync(dir, 'utf8')).toBe('x');
  });
});

describe('what else a cache folder may hold where a copy is looked for', () => {
  it('a FIFO where the copy should be: no wait, a warning naming it, and the next write replaces it', () => {
    const dir = folder('fifo');
    const key = keyIn(dir);
    const file = fifoAt(derived(key).file);
    const { cache, warnings } = open(key);
    const { result, ms } = timed(() => cache.read());
    expect(result).toBeUndefined();
    expect(ms).toBeLessThan(1000);
    expect(warnings).toEqual([notAFile(file, 'a FIFO')]);
    cache.write(COPY);
    expect(warnings).toHaveLength(1);
    expect(lstatSync(file).isFile()).toBe(true);
    expect(open(key).cache.read()).toStrictEqual(COPY);
    expectNothingLeaked(dir, warnings);
  });

  it('a symbolic link where the copy should be, to a good copy: not followed, and a warning naming it', () => {
    const elsewhere = folder('link-copy');
    open(keyIn(elsewhere)).cache.write(COPY);
    const dir = folder('linked');
    const key = keyIn(dir);
    symlinkSync(derived(keyIn(elsewhere)).file, derived(key).file);
    const { cache, warnings } = open(key);
    expect(cache.read()).toBeUndefined();
    expect(warnings).toEqual([notAFile(derived(key).file, 'a symbolic link')]);
  });

  it('a socket where the copy should be: a warning naming it', async () => {
    const dir = folder('socket');
    const key = keyIn(dir);
    const server = await socketAt(derived(key).file);
    try {
      const { cache, warnings } = open(key);
      expect(cache.read()).toBeUndefined();
      expect(warnings).toEqual([notAFile(derived(key).file, 'a socket')]);
    } finally {
      server.close();
    }
  });

  it.runIf(ROOT)('a copy owned by another user, at mode 0600: refused naming it, and left alone', () => {
    const dir = folder('copy-nobody');
    const key = keyIn(dir);
    open(key).cache.write(COPY);
    const file = derived(key).file;
    chownSync(file, NOBODY, NOBODY);
    const { cache, warnings } = open(key);
    expect(cache.read()).toBeUndefined();
    expect(warnings).toEqual([notPrivate(file)]);
    expect(existsSync(file)).toBe(true);
    expectNothingLeaked(dir, warnings);
  });

  it("the look for a replaced token's copies: a FIFO, a link and a socket are skipped at once, each named once; the old copy goes", async () => {
    const dir = folder('scan');
    const old = keyIn(dir, { token: OTHER_TOKEN });
    const oldCopy = basename(plant(old, sealed(old, JSON.stringify(COPY))));
    // An old token's copy elsewhere: a write that followed the link would delete the link.
    const elsewhere = folder('scan-target');
    const target = plant(keyIn(elsewhere, { token: OTHER_TOKEN }), sealed(keyIn(elsewhere, { token: OTHER_TOKEN }), JSON.stringify(COPY)));
    const fifo = fifoAt(join(dir, 'anything.lkg'));
    const link = join(dir, 'link.lkg');
    symlinkSync(target, link);
    const server = await socketAt(join(dir, 'socket.lkg'));
    try {
      const { cache, warnings } = open(keyIn(dir));
      const { ms } = timed(() => cache.write(COPY));
      expect(ms).toBeLessThan(2000);
      expect([...warnings].sort()).toEqual(
        [
          skipped(fifo, 'is a FIFO, not a regular file'),
          skipped(link, 'is a symbolic link, not a regular file'),
          skipped(join(dir, 'socket.lkg'), 'is a socket, not a regular file'),
        ].sort(),
      );
      expect(lkgFiles(dir)).toEqual(['anything.lkg', basename(cache.file), 'link.lkg', 'socket.lkg'].sort());
      expect(lkgFiles(dir)).not.toContain(oldCopy);
      expect(existsSync(target)).toBe(true);
      expectNoLeak(warnings.join('\n'), PLANTED, 'the warnings');
    } finally {
      server.close();
    }
  });

  it.runIf(ROOT)("the look for a replaced token's copies: one owned by another user is skipped naming it, and not deleted", () => {
    const dir = folder('scan-nobody');
    const old = keyIn(dir, { token: OTHER_TOKEN });
    const file = plant(old, sealed(old, JSON.stringify(COPY)));
    chownSync(file, NOBODY, NOBODY);
    const { cache, warnings } = open(keyIn(dir));
    cache.write(COPY);
    expect(warnings).toEqual([skipped(file, notYours)]);
    expect(existsSync(file)).toBe(true);
    expectNothingLeaked(dir, warnings);
  });
});

describe('what only a spy on node:fs or the platform can reach', () => {
  // disk-cache.ts takes its fs functions and the platform when it is imported: a fresh import
  // sees the spies. The import is made in a hook (see disk-copy.test.ts for why).
  const fs = createRequire(import.meta.url)('node:fs') as typeof import('node:fs');
  const realMkdir = fs.mkdirSync;
  const realReaddir = fs.readdirSync;
  const realOpen = fs.openSync;
  let onSecondMkdir: { path: string; act: (path: string) => void } | undefined;
  let unlistable: string | undefined;
  /** The flags of every open under this folder. */
  let opensUnder: { dir: string; seen: Array<{ path: string; flags: unknown }> } | undefined;
  let Fresh: typeof DiskCache;
  let OnWindows: typeof DiskCache;
  const spies: Array<{ mockRestore(): void }> = [];

  beforeAll(async () => {
    const mkdirCalls = new Map<string, number>();
    spies.push(
      vi.spyOn(fs, 'mkdirSync').mockImplementation(((path: string, options?: import('node:fs').MakeDirectoryOptions) => {
        const calls = (mkdirCalls.get(path) ?? 0) + 1;
        mkdirCalls.set(path, calls);
        if (onSecondMkdir?.path === path && calls === 2) onSecondMkdir.act(path);
        return realMkdir(path, options);
      }) as typeof fs.mkdirSync),
      vi.spyOn(fs, 'readdirSync').mockImplementation(((path: string, options?: unknown) => {
        if (path === unlistable) throw Object.assign(new Error('listing refused'), { code: 'EACCES' });
        return (realReaddir as (p: string, o?: unknown) => unknown)(path, options);
      }) as typeof fs.readdirSync),
      vi.spyOn(fs, 'openSync').mockImplementation(((path: string, flags?: import('node:fs').OpenMode, mode?: import('node:fs').Mode) => {
        if (opensUnder && path.startsWith(opensUnder.dir)) opensUnder.seen.push({ path, flags });
        return realOpen(path, flags ?? 'r', mode);
      }) as typeof fs.openSync),
    );
    vi.resetModules();
    ({ DiskCache: Fresh } = await import('../../src/load/disk-cache.js'));
    const platform = Object.getOwnPropertyDescriptor(process, 'platform');
    if (!platform) throw new Error('process.platform has no descriptor');
    Object.defineProperty(process, 'platform', { ...platform, value: 'win32' });
    try {
      vi.resetModules();
      ({ DiskCache: OnWindows } = await import('../../src/load/disk-cache.js'));
    } finally {
      Object.defineProperty(process, 'platform', platform);
    }
  });
  afterAll(() => {
    for (const spy of spies) spy.mockRestore();
  });
  afterEach(() => {
    onSecondMkdir = undefined;
    unlistable = undefined;
    opensUnder = undefined;
  });

  const openFresh = (Cache: typeof DiskCache, key: DiskCacheKey) => {
    const warnings: string[] = [];
    return { cache: new Cache(key, (message) => warnings.push(message)), warnings };
  };

  it('a folder another process makes between our two tries is used', () => {
    const base = folder('race');
    const dir = join(base, 'new', 'cache');
    onSecondMkdir = { path: dir, act: (path) => realMkdir(path, { mode: 0o700 }) };
    const { cache, warnings } = openFresh(Fresh, keyIn(dir));
    cache.write(COPY);
    expect(warnings).toEqual([]);
    expect(lkgFiles(dir)).toHaveLength(1);
  });

  it.runIf(ROOT)('a folder above the cache folder that another user makes between our two tries: nothing is written below it', () => {
    const base = folder('race-nobody');
    const taken = join(base, 'a', 'b');
    const dir = join(taken, 'cache');
    onSecondMkdir = {
      path: taken,
      act: (path) => {
        realMkdir(path, { mode: 0o700 });
        chownSync(path, NOBODY, NOBODY);
      },
    };
    const { cache, warnings } = openFresh(Fresh, keyIn(dir));
    cache.write(COPY);
    expect(warnings).toEqual([folderRefused(dir, notYours, taken)]);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('every file is opened without following a link or waiting on a FIFO; the temporary one only if it is new', () => {
    const dir = folder('flags');
    const old = keyIn(dir, { token: OTHER_TOKEN, selection: 'KEY_A' });
    plant(old, sealed(old, JSON.stringify(COPY)));
    opensUnder = { dir, seen: [] };
    const { cache, warnings } = openFresh(Fresh, keyIn(dir));
    cache.write(COPY);
    expect(openFresh(Fresh, keyIn(dir)).cache.read()).toStrictEqual(COPY);
    expect(warnings).toEqual([]);
    const { O_CREAT, O_DIRECTORY, O_EXCL, O_NOFOLLOW, O_NONBLOCK, O_WRONLY } = constants;
    const has = (flags: unknown, bits: number) => typeof flags === 'number' && (flags & bits) === bits;
    const seen = opensUnder.seen;
    // The temporary file, the folder's sync, the old copy's label, and the read.
    expect(seen.map(({ path }) => (path.endsWith('.tmp') ? 'tmp' : path === dir ? 'dir' : basename(path)))).toEqual([
      'tmp',
      'dir',
      basename(derived(old).file),
      basename(cache.file),
    ]);
    for (const { flags } of seen) expect(has(flags, O_NOFOLLOW | O_NONBLOCK)).toBe(true);
    expect(has(seen[0]?.flags, O_WRONLY | O_CREAT | O_EXCL)).toBe(true);
    expect(has(seen[1]?.flags, O_DIRECTORY)).toBe(true);
  });

  it('a second try that fails otherwise gives its own reason', () => {
    const base = folder('race-fail');
    const dir = join(base, 'new', 'cache');
    onSecondMkdir = {
      path: dir,
      act: () => {
        throw Object.assign(new Error('refused'), { code: 'EACCES' });
      },
    };
    const { cache, warnings } = openFresh(Fresh, keyIn(dir));
    cache.write(COPY);
    expect(warnings).toEqual([cannotWrite(dir, 'EACCES')]);
  });

  it('a folder that cannot be listed after the write: the copy stands, and no other is touched', () => {
    const dir = folder('unlistable');
    openFresh(Fresh, keyIn(dir, { token: OTHER_TOKEN })).cache.write(COPY);
    unlistable = dir;
    const { cache, warnings } = openFresh(Fresh, keyIn(dir));
    cache.write(COPY);
    unlistable = undefined;
    expect(warnings).toEqual([]);
    expect(lkgFiles(dir)).toHaveLength(2);
    expect(openFresh(Fresh, keyIn(dir)).cache.read()).toStrictEqual(COPY);
  });

  it("where files have no POSIX modes (Windows), neither the file's nor the folder's mode is asked", () => {
    const dir = folder('windows');
    chmodSync(dir, 0o755);
    const writer = openFresh(OnWindows, keyIn(dir));
    writer.cache.write(COPY);
    expect(writer.warnings).toEqual([]);
    chmodSync(derived(keyIn(dir)).file, 0o644);
    const reader = openFresh(OnWindows, keyIn(dir));
    expect(reader.cache.read()).toStrictEqual(COPY);
    expect(reader.warnings).toEqual([]);
  });
});
