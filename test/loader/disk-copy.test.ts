/**
 * The last-known-good copy's life on disk: what a replaced token leaves behind, and how a
 * copy reaches the disk.
 */
import { mkdtempSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { loadSecrets } from '../../src/load/loader.js';
import { expectNoLeakInFolder } from '../support/leaks.js';
import { afterWriteSoon } from '../support/write-soon.js';

const OLD_PAT = 'pat-DISK-old-0a9b8c7d6e5f';
const NEW_PAT = 'pat-DISK-new-1f2e3d4c5b6a';
const BOB_PAT = 'pat-DISK-bob-9e8d7c6b5a4f';
const VALUE = 'value-DISK-5c4b3a2910';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ pats: { [OLD_PAT]: 'alice', [NEW_PAT]: 'alice', [BOB_PAT]: 'bob' }, users: { alice: [], bob: [] } });
});
afterAll(() => emulator.close());
afterEach(() => emulator.reset());

const copies = (dir: string) => readdirSync(dir).filter((name) => name.endsWith('.lkg')).sort();

describe('copies written under a replaced token', () => {
  it('are deleted once the new token succeeds; other users and selections stay', async () => {
    emulator.seed('alice', [{ id: 'KEY', value: VALUE }]);
    emulator.seed('bob', [{ id: 'KEY', value: VALUE }]);
    const cacheDir = mkdtempSync(join(tmpdir(), 'cs-disk-rotate-'));
    const load = (pat: string, userId: string, secrets?: string) =>
      loadSecrets({ envFile: false, pat, userId, baseUrl: emulator.url, cacheDir, env: {}, ...(secrets ? { secrets } : {}) });

    await load(OLD_PAT, 'alice');
    await load(OLD_PAT, 'alice', 'KEY');
    await load(BOB_PAT, 'bob');
    const before = copies(cacheDir);
    expect(before).toHaveLength(3);

    await load(NEW_PAT, 'alice');
    const after = copies(cacheDir);
    // Both of the old token's copies of alice are gone; bob's stays; the new one is there.
    expect(after).toHaveLength(2);
    expect(after.filter((name) => before.includes(name))).toHaveLength(1);

    // The new token's second selection does not delete its first.
    await load(NEW_PAT, 'alice', 'KEY');
    expect(copies(cacheDir)).toHaveLength(3);
    expectNoLeakInFolder(cacheDir, { OLD_PAT, NEW_PAT, BOB_PAT, VALUE });
  });
});

describe('a copy reaching the disk', () => {
  // disk-cache.ts takes its fs functions when it is imported: a fresh import sees the spies.
  // The import is made in a hook, not in the test, so that the code every module runs at
  // import counts as such under `npm run mutate` (not as covered by this one test).
  const fs = createRequire(import.meta.url)('node:fs') as typeof import('node:fs');
  const order: string[] = [];
  let fresh: typeof loadSecrets;
  let fsync: ReturnType<typeof vi.spyOn>;
  let rename: ReturnType<typeof vi.spyOn>;
  beforeAll(async () => {
    fsync = vi.spyOn(fs, 'fsyncSync').mockImplementation(() => void order.push('fsync'));
    rename = vi.spyOn(fs, 'renameSync').mockImplementation((from, to) => {
      order.push('rename');
      rename.mockRestore();
      fs.renameSync(from, to);
    });
    vi.resetModules();
    ({ loadSecrets: fresh } = await import('../../src/load/loader.js'));
  });
  afterAll(() => {
    fsync.mockRestore();
    rename.mockRestore();
  });

  it('is synced before it replaces the old one, and the folder after', async () => {
    emulator.seed('alice', [{ id: 'KEY', value: VALUE }]);
    const cacheDir = mkdtempSync(join(tmpdir(), 'cs-disk-sync-'));
    await fresh({ envFile: false, pat: OLD_PAT, userId: 'alice', baseUrl: emulator.url, cacheDir, env: {} });
    expect(order).toEqual(['fsync', 'rename', 'fsync']);
    expect(copies(cacheDir)).toHaveLength(1);
  });
});

describe('a copy written once the app has started (the preload and run)', () => {
  const load = (cacheDir: string, extra: { deferCopy?: boolean; pat?: string } = {}) =>
    loadSecrets({ envFile: false, pat: extra.pat ?? OLD_PAT, userId: 'alice', baseUrl: emulator.url, cacheDir, env: {}, deferCopy: extra.deferCopy ?? true });

  it('reaches the disk WRITE_SOON_MS later, and serves a fallback at once', async () => {
    emulator.seed('alice', [{ id: 'KEY', value: VALUE }]);
    const cacheDir = mkdtempSync(join(tmpdir(), 'cs-disk-soon-'));
    await load(cacheDir);
    expect(copies(cacheDir)).toHaveLength(0);
    await afterWriteSoon();
    expect(copies(cacheDir)).toHaveLength(1);
    expectNoLeakInFolder(cacheDir, { OLD_PAT, VALUE });
  });

  it('leaves no exit listener behind once written, however many loads there are', async () => {
    emulator.seed('alice', [{ id: 'KEY', value: VALUE }]);
    const cacheDir = mkdtempSync(join(tmpdir(), 'cs-disk-soon-exit-'));
    const before = process.listenerCount('exit');
    for (let i = 0; i < 3; i++) await load(cacheDir);
    // Each load's copy waits for its own timer (the preload and run make one load each).
    expect(process.listenerCount('exit')).toBe(before + 3);
    await afterWriteSoon();
    expect(process.listenerCount('exit')).toBe(before);
    expect(copies(cacheDir)).toHaveLength(1);
  });
});
