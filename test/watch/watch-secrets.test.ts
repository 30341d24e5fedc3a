/** watchSecrets in this process against the emulator: changes, outages, a refused token, closing. */
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SecretsClient } from '../../src/api/client.js';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { isSecretsError } from '../../src/errors.js';
import { loadSecrets } from '../../src/load/loader.js';
import { type SecretsChange, type SecretsWatcher, type WatchSecretsOptions, watchSecrets } from '../../src/watch/watcher.js';
import { expectNoLeak, expectNoLeakInFolder } from '../support/leaks.js';

const PAT = 'pat-WATCH-8c1f0e2d77';
const VALUES = {
  OPENAI_API_KEY: 'sk-WATCH-openai-VALUE-11aa',
  APP_DB: 'postgres://WATCH-db-VALUE-22bb',
  APP_CACHE: 'redis://WATCH-cache-VALUE-33cc',
};
const NEW_VALUE = 'sk-WATCH-openai-ROTATED-44dd';
const ADDED_VALUE = 'WATCH-added-VALUE-55ee';
const PLANTED = { PAT, ...VALUES, NEW_VALUE, ADDED_VALUE };

let emulator: Emulator;
let client: SecretsClient;
let cacheDir: string;
let watcher: SecretsWatcher | undefined;
const warnings: string[] = [];

beforeAll(async () => {
  emulator = await startEmulator({ pats: { [PAT]: 'wanda' }, users: { wanda: [] } });
  client = new SecretsClient({ pat: PAT, baseUrl: emulator.url, envFile: false });
});
afterAll(() => emulator.close());
beforeEach(() => {
  emulator.reset();
  emulator.seed('wanda', Object.entries(VALUES).map(([id, value]) => ({ id, value })));
  emulator.clearRequests();
  cacheDir = mkdtempSync(join(tmpdir(), 'cs-watch-cache-'));
  warnings.length = 0;
});
afterEach(() => {
  watcher?.close();
  watcher = undefined;
  emulator.clearFaults();
  for (const line of warnings) expectNoLeak(line, PLANTED, 'a warning');
  expectNoLeakInFolder(cacheDir, PLANTED);
});

type Options = WatchSecretsOptions & { env: Record<string, string | undefined> };

function options(extra: WatchSecretsOptions = {}): Options {
  return {
    pat: PAT,
    baseUrl: emulator.url,
    envFile: false,
    cacheDir,
    timeout: 2000,
    intervalMs: 50,
    env: {},
    onWarning: (message) => warnings.push(message),
    ...extra,
  } as Options;
}

/** Waits (up to a generous bound) until `check` holds; the bound only keeps a broken build from hanging. */
async function until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function listCalls(): number {
  return emulator.requests.filter((r) => r.method === 'GET').length;
}

function changes(): { list: SecretsChange[]; onChange: (change: SecretsChange) => void } {
  const list: SecretsChange[] = [];
  return { list, onChange: (change) => list.push(change) };
}

describe('the first load', () => {
  it('is loadSecrets: the same report and the same env', async () => {
    const expected = await loadSecrets(options({ cacheDir: false }));
    const o = options({ cacheDir: false });
    watcher = await watchSecrets(o);
    expect({ ...watcher.report, durationMs: 0 }).toEqual({ ...expected, durationMs: 0 });
    expect(o.env).toMatchObject(VALUES);
  });

  it('rejects as loadSecrets would, and leaves no timer behind', async () => {
    const error = await watchSecrets(options({ secrets: 'OPENAI_API_KEY,NOPE' })).catch((e: unknown) => e);
    expect(isSecretsError(error, 'ERR_MISSING_SECRETS')).toBe(true);
    const noToken = await watchSecrets(options({ pat: '' })).catch((e: unknown) => e);
    expect(isSecretsError(noToken, 'ERR_CONFIG')).toBe(true);
    const badInterval = await watchSecrets(options({ intervalMs: 0 })).catch((e: unknown) => e);
    expect(isSecretsError(badInterval, 'ERR_CONFIG')).toBe(true);
  });
});

describe('polling', () => {
  it('with failOpen, a first load that fails is a warning, and a later poll brings the values', async () => {
    emulator.inject({ kind: 'error', status: 503, code: 98004 }, { times: Infinity });
    const changes: SecretsChange[] = [];
    const opts = options({ failOpen: true, cacheDir: false, onChange: (change) => changes.push(change) });
    watcher = await watchSecrets(opts);
    expect(watcher.report).toMatchObject({ source: 'failed', set: [] });
    expect(warnings.some((line) => /failOpen is on/.test(line))).toBe(true);
    emulator.clearFaults();
    await until(() => changes.length > 0, 'a poll that brings the values');
    expect(changes[0]?.added.sort()).toEqual(Object.keys(VALUES).sort());
    expect(opts.env['OPENAI_API_KEY'] === VALUES.OPENAI_API_KEY).toBe(true);
  });

  it('applies a changed value and reports its name only', async () => {
    const seen = changes();
    const o = options({ onChange: seen.onChange });
    watcher = await watchSecrets(o);
    await client.update([{ id: 'OPENAI_API_KEY', value: NEW_VALUE }]);
    await until(() => seen.list.length > 0, 'a change');
    expect(seen.list).toEqual([{ changed: ['OPENAI_API_KEY'], added: [], removed: [] }]);
    expect(o.env['OPENAI_API_KEY']).toBe(NEW_VALUE);
    expectNoLeak(JSON.stringify(seen.list), PLANTED, 'the change event');
  });

  it('reports a secret that joins a PREFIX* selection, and one that leaves it, by name', async () => {
    const seen = changes();
    const o = options({ secrets: 'APP_*', onChange: seen.onChange });
    watcher = await watchSecrets(o);
    expect(watcher.report.set.sort()).toEqual(['APP_CACHE', 'APP_DB']);
    await client.create([{ id: 'APP_QUEUE', value: ADDED_VALUE }]);
    await client.delete(['APP_CACHE']);
    await until(() => seen.list.flatMap((c) => [...c.added, ...c.removed]).length >= 2, 'both changes');
    const all = { added: seen.list.flatMap((c) => c.added), removed: seen.list.flatMap((c) => c.removed) };
    expect(all).toEqual({ added: ['APP_QUEUE'], removed: ['APP_CACHE'] });
    expect(o.env['APP_QUEUE']).toBe(ADDED_VALUE);
    expect('APP_CACHE' in o.env).toBe(false);
    expect(o.env['APP_DB']).toBe(VALUES.APP_DB);
  });

  it('under a preload or run (the marker in the env), keeps the names that hold the secrets current', async () => {
    const seen = changes();
    const o = options({ onChange: seen.onChange });
    await loadSecrets(o);
    watcher = await watchSecrets(o);
    expect(watcher.report.source).toBe('marker');
    await client.update([{ id: 'OPENAI_API_KEY', value: NEW_VALUE }]);
    await until(() => seen.list.length > 0, 'a change');
    expect(seen.list).toEqual([{ changed: ['OPENAI_API_KEY'], added: [], removed: [] }]);
    expect(o.env['OPENAI_API_KEY']).toBe(NEW_VALUE);
  });

  it('never touches a variable it did not set', async () => {
    const seen = changes();
    const o = options({ onChange: seen.onChange, env: { OPENAI_API_KEY: 'set-by-the-app' } });
    watcher = await watchSecrets(o);
    expect(watcher.report.skipped).toEqual(['OPENAI_API_KEY']);
    await client.update([{ id: 'OPENAI_API_KEY', value: NEW_VALUE }]);
    await client.delete(['APP_DB']);
    await until(() => seen.list.length > 0, 'a change');
    expect(seen.list).toEqual([{ changed: [], added: [], removed: ['APP_DB'] }]);
    expect(o.env['OPENAI_API_KEY']).toBe('set-by-the-app');
  });

  it('asks the API at every poll, even inside the cache TTL', async () => {
    // A selection of its own: the result stays in the in-process cache for the TTL.
    watcher = await watchSecrets(options({ cacheTtl: 3600, secrets: 'APP_*,OPENAI_API_KEY' }));
    const before = listCalls();
    await until(() => listCalls() >= before + 6, 'three polls');
  });

  it('keeps at most one poll in flight', async () => {
    watcher = await watchSecrets(options({ timeout: 1500 }));
    emulator.clearRequests();
    emulator.inject({ kind: 'hang' }, { times: Infinity });
    const polls = (): number => emulator.requests.filter((r) => r.query['page'] === '1').length;
    await until(() => polls() >= 1, 'a poll');
    // Twenty intervals later, the hung poll is still the only one.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(polls()).toBe(1);
  });

  it('rewrites the disk copy only when values change', async () => {
    watcher = await watchSecrets(options({ onChange: () => {} }));
    const file = join(cacheDir, readdirSync(cacheDir)[0] as string);
    const first = readFileSync(file);
    const before = listCalls();
    await until(() => listCalls() >= before + 6, 'three polls');
    expect(readFileSync(file).equals(first)).toBe(true);
    await client.update([{ id: 'APP_DB', value: NEW_VALUE }]);
    await until(() => !readFileSync(file).equals(first), 'the copy rewritten');
    const fresh = await loadSecrets(options({ pat: PAT, fallback: true, cacheTtl: 3600 }));
    expect(fresh.source).toBe('cache');
  });
});

describe('failures', () => {
  it('an outage keeps the values, warns once, and notes the recovery once', async () => {
    const o = options({ timeout: 400 });
    watcher = await watchSecrets(o);
    emulator.inject({ kind: 'error', status: 503, code: 98004 }, { times: Infinity });
    const before = listCalls();
    await until(() => listCalls() >= before + 8, 'several failed attempts');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^cannot refresh secrets: .*keeping the values loaded before/);
    expect(o.env).toMatchObject(VALUES);
    emulator.clearFaults();
    await until(() => warnings.length >= 2, 'the recovery line');
    expect(warnings[1]).toMatch(/^refreshing secrets works again after \d+ failed polls?$/);
    const after = listCalls();
    await until(() => listCalls() >= after + 4, 'two more polls');
    expect(warnings).toHaveLength(2);
  });

  it('throttling with a Retry-After past the deadline: the error carries it, and no poll comes before it', async () => {
    const errors: unknown[] = [];
    watcher = await watchSecrets(options({ onError: (error) => errors.push(error) }));
    emulator.inject({ kind: 'throttle', retryAfter: 3600 }, { times: Infinity });
    await until(() => errors.length >= 1, 'a throttled poll');
    expect(isSecretsError(errors[0], 'ERR_THROTTLED')).toBe(true);
    expect((errors[0] as { retryAfterMs?: number }).retryAfterMs).toBe(3_600_000);
    const after = emulator.requests.length;
    // Ten intervals later, nothing more was asked.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(emulator.requests.length).toBe(after);
  });

  it('a refused token goes to onError at every poll; the values stay and the copy is deleted', async () => {
    const errors: unknown[] = [];
    const o = options({ onError: (error) => errors.push(error) });
    watcher = await watchSecrets(o);
    expect(readdirSync(cacheDir)).toHaveLength(1);
    emulator.inject({ kind: 'error', status: 401, code: 11008 }, { times: Infinity });
    await until(() => errors.length >= 3, 'three refused polls');
    expect(errors.every((e) => isSecretsError(e, 'ERR_AUTH'))).toBe(true);
    expect(warnings).toEqual([]);
    expect(o.env).toMatchObject(VALUES);
    expect(readdirSync(cacheDir)).toEqual([]);
  });
});

describe('closing', () => {
  it('close() stops polling, twice is fine, and Symbol.dispose closes too', async () => {
    const first = await watchSecrets(options());
    first.close();
    first.close();
    const second = await watchSecrets(options());
    second[Symbol.dispose]();
    emulator.clearRequests();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(emulator.requests).toEqual([]);
  });

  it('close() abandons a poll in flight: nothing is applied after it', async () => {
    const seen = changes();
    const o = options({ onChange: seen.onChange });
    watcher = await watchSecrets(o);
    emulator.clearRequests();
    emulator.inject({ kind: 'latency', ms: 300 }, { times: Infinity });
    await client.update([{ id: 'OPENAI_API_KEY', value: NEW_VALUE }]);
    await until(() => emulator.requests.some((r) => r.method === 'GET'), 'a poll');
    watcher.close();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(seen.list).toEqual([]);
    expect(o.env['OPENAI_API_KEY']).toBe(VALUES.OPENAI_API_KEY);
  });
});
