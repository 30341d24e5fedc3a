/**
 * `clarifai://` references and prefix renames through loadSecrets in this process, against
 * the emulator: what is fetched (and how), what is set, what is reported, what is cached.
 */
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { isSecretsError } from '../../src/errors.js';
import { SecretsClient } from '../../src/api/client.js';
import { type LoadSecretsOptions, loadSecrets } from '../../src/load/loader.js';
import { watchSecrets } from '../../src/watch/watcher.js';
import { expectNoLeak, expectNoLeakInFolder } from '../support/leaks.js';

const PAT = 'pat-REFS-3e9a1c77';
const VALUES = {
  'openai-key': 'sk-REFS-openai-5b1f',
  'db-url': 'postgres://REFS-db-8c2d',
  STRIPE_KEY: 'sk_REFS_stripe_1a9e',
  'prod-DATABASE_URL': 'postgres://REFS-prod-4f0b',
  'prod-api-key': 'REFS-prod-key-6d3a',
  'staging-DATABASE_URL': 'postgres://REFS-staging-2c7e',
};
const ROTATED = 'sk-REFS-rotated-9d9d';
const PLANTED = { PAT, ...VALUES, ROTATED };

let emulator: Emulator;
let cacheDir: string;
const warnings: string[] = [];

beforeAll(async () => {
  emulator = await startEmulator({ pats: { [PAT]: 'rita' }, users: { rita: [] } });
});
afterAll(() => emulator.close());
beforeEach(() => {
  emulator.reset();
  emulator.seed('rita', Object.entries(VALUES).map(([id, value]) => ({ id, value })));
  emulator.clearRequests();
  emulator.clearFaults();
  cacheDir = mkdtempSync(join(tmpdir(), 'cs-refs-cache-'));
  warnings.length = 0;
});
afterEach(() => {
  for (const line of warnings) expectNoLeak(line, PLANTED, 'a warning');
  expectNoLeakInFolder(cacheDir, PLANTED);
});

type Env = Record<string, string | undefined>;
function options(env: Env, extra: LoadSecretsOptions = {}): LoadSecretsOptions & { env: Env } {
  return { pat: PAT, baseUrl: emulator.url, envFile: false, cacheDir, timeout: 3000, env, onWarning: (m) => warnings.push(m), ...extra };
}

async function failure(promise: Promise<unknown>): Promise<Error & { code: string; missing?: string[] }> {
  try {
    await promise;
  } catch (error) {
    expect(isSecretsError(error)).toBe(true);
    expectNoLeak(String((error as Error).message), PLANTED, 'an error message');
    return error as Error & { code: string };
  }
  throw new Error('expected a failure');
}

const paths = () => emulator.requests.map((r) => `${r.path}${r.query['page'] ? `?page=${r.query['page']}` : ''}`).sort();

describe('references in options.env', () => {
  it('CLARIFAI_SECRETS unset: only the references, one GET each, set whatever the override rule says', async () => {
    const env: Env = {
      OPENAI_API_KEY: 'clarifai://secrets/openai-key',
      DATABASE_URL: 'clarifai://users/me/secrets/db-url',
      SENTRY_DSN: 'clarifai://secrets/sentry-dsn?',
      MINE: 'kept',
    };
    const report = await loadSecrets(options(env));
    expect(env).toEqual({
      OPENAI_API_KEY: VALUES['openai-key'],
      DATABASE_URL: VALUES['db-url'],
      MINE: 'kept',
      CLARIFAI_SECRETS_LOADED: expect.stringMatching(/^1\.[0-9a-f]{24}\.[0-9a-f]{24}$/),
    });
    // The optional one that does not exist leaves the variable unset, not holding the reference.
    expect('SENTRY_DSN' in env).toBe(false);
    expect(report).toMatchObject({ set: ['DATABASE_URL', 'OPENAI_API_KEY'], skipped: [], missing: ['sentry-dsn'], source: 'api' });
    expect(paths()).toEqual(['/v2/users/me/secrets/db-url', '/v2/users/me/secrets/openai-key', '/v2/users/me/secrets/sentry-dsn']);
  });

  it('many references are still GETs, never a list walk', async () => {
    const env: Env = {};
    for (let i = 0; i < 20; i++) env[`K${i}`] = `clarifai://secrets/${i % 2 ? 'openai-key' : 'STRIPE_KEY'}`;
    const report = await loadSecrets(options(env));
    expect(report.set).toHaveLength(20);
    expect(emulator.requests.every((r) => r.query['page'] === undefined)).toBe(true);
    expect(new Set(paths()).size).toBe(2);
  });

  it('CLARIFAI_SECRETS set: both, under the usual rules for the selection and always for the references', async () => {
    const env: Env = { KEY: 'clarifai://secrets/openai-key', STRIPE_KEY: 'already set' };
    const report = await loadSecrets(options(env, { secrets: 'STRIPE_KEY, DB=db-url' }));
    expect(env).toMatchObject({ KEY: VALUES['openai-key'], DB: VALUES['db-url'], STRIPE_KEY: 'already set' });
    expect(report).toMatchObject({ set: ['DB', 'KEY'], skipped: ['STRIPE_KEY'] });
    expect(paths()).toEqual(['/v2/users/me/secrets/STRIPE_KEY', '/v2/users/me/secrets/db-url', '/v2/users/me/secrets/openai-key']);

    emulator.clearRequests();
    const all: Env = { KEY: 'clarifai://secrets/openai-key' };
    const walked = await loadSecrets(options(all, { secrets: '*' }));
    expect(all['KEY']).toBe(VALUES['openai-key']);
    expect(all['openai_key']).toBeUndefined(); // a referenced id is loaded under its variable only
    expect(walked.set).toContain('STRIPE_KEY');
    expect(paths()).toEqual(['/v2/users/me/secrets?page=1', '/v2/users/me/secrets?page=2']);
  });

  it('a missing required reference joins the one ERR_MISSING_SECRETS, and nothing is set', async () => {
    const env: Env = { A: 'clarifai://secrets/gone-1', B: 'clarifai://secrets/openai-key' };
    const error = await failure(loadSecrets(options(env, { secrets: 'gone-2' })));
    expect(error.code).toBe('ERR_MISSING_SECRETS');
    expect(error.missing).toEqual(['gone-1', 'gone-2']);
    expect(env).toEqual({ A: 'clarifai://secrets/gone-1', B: 'clarifai://secrets/openai-key' });
  });

  it('a malformed reference is an ERR_CONFIG naming the variable, before any request', async () => {
    const error = await failure(loadSecrets(options({ TOKEN: `clarifai://secrets/${VALUES['openai-key']}/x` })));
    expect(error.code).toBe('ERR_CONFIG');
    expect(error.message).toMatch(/^TOKEN holds a malformed reference/);
    expect(emulator.requests).toHaveLength(0);
  });

  it('the in-process and disk caches key on the references', async () => {
    const first: Env = { K: 'clarifai://secrets/openai-key' };
    await loadSecrets(options(first, { cacheTtl: 60 }));
    const second: Env = { K: 'clarifai://secrets/db-url' };
    await loadSecrets(options(second, { cacheTtl: 60 }));
    expect(second['K']).toBe(VALUES['db-url']);
    const again: Env = { K: 'clarifai://secrets/openai-key' };
    const cached = await loadSecrets(options(again, { cacheTtl: 60 }));
    expect(cached.source).toBe('cache');
    expect(again['K']).toBe(VALUES['openai-key']);
    expect(emulator.requests).toHaveLength(2);
    expect(readdirSync(cacheDir)).toHaveLength(2);
  });

  it('each set of references falls back to its own last-known-good copy', async () => {
    // Names not used with a TTL above: the in-process results of that test are still fresh.
    await loadSecrets(options({ L: 'clarifai://secrets/db-url' }));
    await loadSecrets(options({ L: 'clarifai://secrets/openai-key' }));
    emulator.inject({ kind: 'error', status: 503, code: 98004 }, { times: Infinity });
    const fallback: Env = { L: 'clarifai://secrets/db-url' };
    expect((await loadSecrets(options(fallback, { timeout: 1500 }))).source).toBe('fallback');
    expect(fallback['L']).toBe(VALUES['db-url']);
    expect((await failure(loadSecrets(options({ L: 'clarifai://secrets/STRIPE_KEY' }, { timeout: 1500 })))).code).toBe('ERR_SERVER');
  });

  it('a parent marker covering CLARIFAI_SECRETS leaves only the new references to load', async () => {
    const parent: Env = {};
    await loadSecrets(options(parent, { secrets: 'STRIPE_KEY' }));
    emulator.clearRequests();
    const child: Env = { ...parent, EXTRA: 'clarifai://secrets/db-url' };
    const report = await loadSecrets(options(child, { secrets: 'STRIPE_KEY' }));
    expect(report.set).toEqual(['EXTRA']);
    expect(child['EXTRA']).toBe(VALUES['db-url']);
    expect(paths()).toEqual(['/v2/users/me/secrets/db-url']);
  });
});

describe('a later load of the same env', () => {
  it('reload: true fetches the references it resolved earlier again, and nothing else', async () => {
    const env: Env = { KEY: 'clarifai://secrets/openai-key', MINE: 'clarifai://secrets/db-url' };
    await loadSecrets(options(env));
    expect(env['KEY']).toBe(VALUES['openai-key']);
    // Without reload the marker says it is done.
    expect((await loadSecrets(options(env))).source).toBe('marker');

    await new SecretsClient({ pat: PAT, baseUrl: emulator.url, envFile: false }).update([{ id: 'openai-key', value: ROTATED }]);
    env['MINE'] = 'changed by the app';
    emulator.clearRequests();
    const report = await loadSecrets(options(env, { reload: true }));
    expect(report.set).toEqual(['KEY']);
    expect(env['KEY']).toBe(ROTATED);
    // A variable the app changed since is its own again, no longer a reference.
    expect(env['MINE']).toBe('changed by the app');
    expect(paths()).toEqual(['/v2/users/me/secrets/openai-key']);
  });

  it('reload: true keeps a file reference a file: the variable holds a path again, never the value', async () => {
    const env: Env = { DB_FILE: 'clarifai://secrets/@db-url' };
    await loadSecrets(options(env));
    const path = env['DB_FILE'] as string;
    expect(readFileSync(path, 'utf8')).toBe(VALUES['db-url']);

    await new SecretsClient({ pat: PAT, baseUrl: emulator.url, envFile: false }).update([{ id: 'db-url', value: ROTATED }]);
    const report = await loadSecrets(options(env, { reload: true }));
    expect(report.set).toEqual(['DB_FILE']);
    expectNoLeak(JSON.stringify(env), PLANTED, 'the env after a reload');
    // The same file, replaced: the program that holds the path reads the new value there.
    expect(env['DB_FILE']).toBe(path);
    expect(readFileSync(path, 'utf8')).toBe(ROTATED);
  });

  it('reload: true of a .env reference line finds the copy its first load kept, when the API is down', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'cs-refs-envfile-'));
    const envFile = join(folder, '.env');
    writeFileSync(envFile, 'DB=clarifai://secrets/db-url\n');
    const env: Env = {};
    expect((await loadSecrets(options(env, { envFile }))).source).toBe('api');
    expect(env['DB']).toBe(VALUES['db-url']);

    emulator.inject({ kind: 'error', status: 503, code: 98004 }, { times: Infinity });
    const report = await loadSecrets(options(env, { envFile, reload: true }));
    expect(report).toMatchObject({ source: 'fallback', set: ['DB'] });
    expect(env['DB']).toBe(VALUES['db-url']);
  });
});

describe('environments by prefix', () => {
  it('*=prod-* loads prod- secrets without their prefix; APP_*=staging-* under APP_', async () => {
    const env: Env = {};
    const report = await loadSecrets(options(env, { secrets: '*=prod-*, APP_*=staging-*' }));
    expect(report.set).toEqual(['APP_DATABASE_URL', 'DATABASE_URL', 'api_key']);
    expect(env).toMatchObject({
      DATABASE_URL: VALUES['prod-DATABASE_URL'],
      api_key: VALUES['prod-api-key'],
      APP_DATABASE_URL: VALUES['staging-DATABASE_URL'],
    });
    expect(env['STRIPE_KEY']).toBeUndefined();
  });
});

describe('watchSecrets', () => {
  it('keeps polling the references it started with, not the whole account', async () => {
    const env: Env = { KEY: 'clarifai://secrets/openai-key' };
    const changes: string[][] = [];
    const watcher = await watchSecrets({ ...options(env), intervalMs: 50, onChange: (change) => changes.push(change.changed) });
    try {
      expect(env['KEY']).toBe(VALUES['openai-key']);
      emulator.clearRequests();
      await new SecretsClient({ pat: PAT, baseUrl: emulator.url, envFile: false }).update([{ id: 'openai-key', value: ROTATED }]);
      const end = Date.now() + 10_000;
      while (changes.length === 0 && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(changes[0]).toEqual(['KEY']);
      expect(env['KEY']).toBe(ROTATED);
      expect(env['STRIPE_KEY']).toBeUndefined();
      expect(emulator.requests.filter((r) => r.method === 'GET').every((r) => r.path === '/v2/users/me/secrets/openai-key')).toBe(true);
    } finally {
      watcher.close();
    }
  });
});
