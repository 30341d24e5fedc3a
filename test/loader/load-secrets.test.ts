/** loadSecrets in this process against the emulator: selection, override, caches, fallback. */
import { chmodSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { isSecretsError } from '../../src/errors.js';
import { type LoadSecretsOptions, loadSecrets } from '../../src/load/loader.js';
import { loadSecretsSync } from '../../src/load/loader-sync.js';
import { expectNoLeak, expectNoLeakInFolder } from '../support/leaks.js';
import { REPO_ROOT } from '../support/package-link.js';
import { run } from '../support/spawn.js';

const PAT = 'pat-LOADER-5d1e8f20a7c3';
const OTHER_PAT = 'pat-LOADER-other-99';
const VALUES = {
  OPENAI_API_KEY: 'sk-LOADER-openai-1a2b3c',
  'db-url': 'postgres://LOADER-db-4d5e6f',
  STRIPE_KEY: 'sk_LOADER_stripe_7g8h',
  NODE_OPTIONS: '--LOADER-inspect-evil',
};
const PLANTED = { PAT, ...VALUES };

let emulator: Emulator;
let cacheDir: string;
const warnings: string[] = [];

beforeAll(async () => {
  emulator = await startEmulator({ pats: { [PAT]: 'alice', [OTHER_PAT]: 'alice' }, users: { alice: [] } });
});
afterAll(() => emulator.close());
beforeEach(() => {
  emulator.reset();
  emulator.seed('alice', Object.entries(VALUES).map(([id, value]) => ({ id, value })));
  emulator.clearRequests();
  cacheDir = mkdtempSync(join(tmpdir(), 'cs-loader-cache-'));
  warnings.length = 0;
});
afterEach(() => {
  emulator.clearFaults();
  for (const line of warnings) expectNoLeak(line, PLANTED, 'a warning');
  expectNoLeakInFolder(cacheDir, PLANTED);
});

function options(extra: LoadSecretsOptions = {}): LoadSecretsOptions & { env: Record<string, string | undefined> } {
  return {
    pat: PAT,
    baseUrl: emulator.url,
    envFile: false,
    cacheDir,
    timeout: 3000,
    env: {},
    onWarning: (message) => warnings.push(message),
    ...extra,
  } as LoadSecretsOptions & { env: Record<string, string | undefined> };
}

async function failure(promise: Promise<unknown>): Promise<Error & { code: string }> {
  try {
    await promise;
  } catch (error) {
    expect(isSecretsError(error)).toBe(true);
    expectNoLeak(String((error as Error).message), PLANTED, 'an error message');
    return error as Error & { code: string };
  }
  throw new Error('expected a failure');
}

/** What `load` wrote on stderr, line by line. */
async function stderrOf(load: () => unknown): Promise<string[]> {
  const written: string[] = [];
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  try {
    await load();
  } finally {
    spy.mockRestore();
  }
  return written.join('').split('\n').filter((line) => line !== '');
}

describe('the debug and failOpen options do what they say', () => {
  it('debug: one report line on stderr, names only; without it, nothing', async () => {
    {
      const load = loadSecrets;
      const lines = await stderrOf(() => load(options({ debug: true, secrets: 'OPENAI_API_KEY, STRIPE_KEY' })));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^clarifai-secrets: loaded 2 secrets from (api|cache) in [\d.]+ ms: OPENAI_API_KEY, STRIPE_KEY$/);
      expectNoLeak(lines.join('\n'), PLANTED, 'the debug line');
      expect(await stderrOf(() => load(options({ secrets: 'OPENAI_API_KEY' })))).toEqual([]);
    }
  });

  it('failOpen: a failed load resolves with a report that names the error, warns once, and sets nothing', async () => {
    {
      const load = loadSecrets;
      const env: Record<string, string | undefined> = {};
      const report = await load(options({ env, failOpen: true, pat: 'pat-LOADER-refused-00', cacheDir: false }));
      expect(report).toMatchObject({ set: [], skipped: [], missing: [], source: 'failed' });
      expect(report.error?.code).toBe('ERR_AUTH');
      expect(report.durationMs).toBeGreaterThanOrEqual(0);
      expect(env).toEqual({});
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/^Clarifai refused the token .*\[ERR_AUTH\] \(failOpen is on: continuing without these secrets\)$/);
      // A broken configuration fails open too, and so does a missing required secret.
      const config = await load(options({ failOpen: true, baseUrl: 'ftp://x' }));
      expect(config.error?.code).toBe('ERR_CONFIG');
      const missing = await load(options({ failOpen: true, secrets: 'NOPE_ID' }));
      expect(missing.error?.code).toBe('ERR_MISSING_SECRETS');
      // Without it, the same load rejects.
      expect((await failure(load(options({ pat: 'pat-LOADER-refused-00', cacheDir: false })))).code).toBe('ERR_AUTH');
    }
  });

  it('loadSecretsSync (the built package: its worker is dist/sync-worker.cjs) honours both the same way', async () => {
    const script = `
      const { loadSecretsSync } = require(${JSON.stringify(join(REPO_ROOT, 'dist', 'index.cjs'))});
      const base = { baseUrl: ${JSON.stringify(emulator.url)}, envFile: false, cacheDir: false, env: {} };
      const debugged = loadSecretsSync({ ...base, pat: ${JSON.stringify(PAT)}, secrets: 'OPENAI_API_KEY', debug: true });
      const warned = [];
      let failed = {};
      try { failed = loadSecretsSync({ ...base, pat: 'pat-LOADER-refused-00', failOpen: true, onWarning: (m) => warned.push(m) }); } catch {}
      let thrown;
      try { loadSecretsSync({ ...base, pat: 'pat-LOADER-refused-00' }); } catch (error) { thrown = error.code; }
      console.log(JSON.stringify({ set: debugged.set, source: failed.source, code: failed.error && failed.error.code, warned, thrown }));`;
    const ran = await run(process.execPath, ['-e', script], { env: { PATH: process.env['PATH'], HOME: tmpdir() } });
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stderr).toMatch(/^clarifai-secrets: loaded 1 secret from api in [\d.]+ ms: OPENAI_API_KEY\n$/);
    const out = JSON.parse(ran.stdout) as { set: string[]; source: string; code: string; warned: string[]; thrown: string };
    expect(out).toMatchObject({ set: ['OPENAI_API_KEY'], source: 'failed', code: 'ERR_AUTH', thrown: 'ERR_AUTH' });
    expect(out.warned).toHaveLength(1);
    expect(out.warned[0]).toMatch(/\[ERR_AUTH\] \(failOpen is on: continuing without these secrets\)$/);
    expectNoLeak(ran.stdout + ran.stderr, PLANTED, 'loadSecretsSync output');
  });
});

describe('loadSecrets', () => {
  it('loads every secret under env names, skips dangerous ones, and reports names only', async () => {
    const o = options();
    const report = await loadSecrets(o);
    expect(o.env).toMatchObject({ OPENAI_API_KEY: VALUES.OPENAI_API_KEY, db_url: VALUES['db-url'], STRIPE_KEY: VALUES.STRIPE_KEY });
    expect(o.env['NODE_OPTIONS']).toBeUndefined();
    expect(report).toMatchObject({ set: ['OPENAI_API_KEY', 'STRIPE_KEY', 'db_url'], skipped: ['NODE_OPTIONS'], missing: [], source: 'api' });
    expect(o.env['CLARIFAI_SECRETS_LOADED']).toMatch(/^1\.[0-9a-f]{24}\.[0-9a-f]{24}$/);
    expectNoLeak(JSON.stringify(report), PLANTED, 'the report');
    // One list walk: the page with secrets and the empty page, asked for together.
    expect(emulator.requests.map((r) => r.query['page']).sort()).toEqual(['1', '2']);
  });

  it('fetches one or two named ids with GETs, and maps names', async () => {
    const o = options({ secrets: 'OPENAI=OPENAI_API_KEY, DB=db-url' });
    await loadSecrets(o);
    expect(o.env).toMatchObject({ OPENAI: VALUES.OPENAI_API_KEY, DB: VALUES['db-url'] });
    expect(emulator.requests.map((r) => r.path).sort()).toEqual(['/v2/users/me/secrets/OPENAI_API_KEY', '/v2/users/me/secrets/db-url']);
  });

  it('names every missing required id in one error, and reports missing optional ones', async () => {
    const error = await failure(loadSecrets(options({ secrets: 'OPENAI_API_KEY,NOPE_1,NOPE_2,MAYBE?' })));
    expect(error.code).toBe('ERR_MISSING_SECRETS');
    expect(error.message).toMatch(/NOPE_1, NOPE_2/);
    expect(error.message).not.toMatch(/MAYBE/);
    const o = options({ secrets: 'OPENAI_API_KEY,MAYBE?' });
    expect((await loadSecrets(o)).missing).toEqual(['MAYBE']);
  });

  it('names the nearest existing ids for a missing one (ids only), by GETs or by a list walk', async () => {
    const few = await failure(loadSecrets(options({ secrets: 'db_url' })));
    expect(few.code).toBe('ERR_MISSING_SECRETS');
    expect(few.message).toMatch(/^secret not found: db_url \(did you mean db-url\?\); create it \(clarifai-secrets create ID\) or mark it optional/);
    const many = await failure(loadSecrets(options({ secrets: 'openai_api_key, STRIPE_KEY, db-url, ZZZ_NOTHING_LIKE_IT' })));
    expect(many.message).toMatch(/^2 secrets not found: ZZZ_NOTHING_LIKE_IT, openai_api_key \(did you mean OPENAI_API_KEY\?\);|^2 secrets not found: openai_api_key \(did you mean OPENAI_API_KEY\?\), ZZZ_NOTHING_LIKE_IT;/);
    expectNoLeak(few.message + many.message, PLANTED, 'the missing-secret messages');
  });

  it('never echoes a value pasted where an id belongs, in the message or the error', async () => {
    const pasted = { openai: 'sk-proj-PASTED-4fT9xQ2mLk8vZr1B', random: 'Zq8Lr2Vx9Kp4Nw7Hj3Tb6Ym1Cf5Gd0Se' };
    const error = await failure(loadSecrets(options({ secrets: `OPENAI_API_KEY=${pasted.openai},${pasted.random}` })));
    expect(error.code).toBe('ERR_MISSING_SECRETS');
    expect(error.message).toMatch(/^2 secrets not found: <an id of 32 characters, not shown as it looks like a secret value>/);
    expectNoLeak(`${error.message} ${JSON.stringify(error)} ${String((error as { missing?: unknown }).missing)}`, pasted, 'the missing-secret error');
    // A parse error shows no pasted value either.
    const bad = await failure(loadSecrets(options({ secrets: `X=${pasted.openai}=y` })));
    expect(bad.message).toMatch(/not shown, as it looks like a secret value/);
    expectNoLeak(bad.message, pasted, 'the parse error');
  });

  it('an entry with ";" says entries are separated by commas or spaces, before any request', async () => {
    const error = await failure(loadSecrets(options({ secrets: 'OPENAI_API_KEY;STRIPE_KEY' })));
    expect(error.code).toBe('ERR_CONFIG');
    expect(error.message).toMatch(/has a ";": separate entries with commas or spaces/);
    expect(emulator.requests).toEqual([]);
  });

  it('leaves variables already set alone unless override is on', async () => {
    const o = options({ secrets: 'STRIPE_KEY', env: { STRIPE_KEY: 'mine' } });
    const report = await loadSecrets(o);
    expect(o.env['STRIPE_KEY']).toBe('mine');
    expect(report.skipped).toEqual(['STRIPE_KEY']);
    const p = options({ secrets: 'STRIPE_KEY', env: { STRIPE_KEY: 'mine' }, override: true });
    await loadSecrets(p);
    expect(p.env['STRIPE_KEY']).toBe(VALUES.STRIPE_KEY);
  });

  it('sets a dangerous name only when mapped explicitly', async () => {
    const o = options({ secrets: 'NODE_OPTIONS=NODE_OPTIONS' });
    await loadSecrets(o);
    expect(o.env['NODE_OPTIONS']).toBe(VALUES.NODE_OPTIONS);
  });

  it('sets a mapped dangerous name after the same name was skipped, both with a TTL', async () => {
    const skipped = options({ secrets: 'NODE_OPTIONS', cacheTtl: 60 });
    expect((await loadSecrets(skipped)).skipped).toEqual(['NODE_OPTIONS']);
    const mapped = options({ secrets: 'NODE_OPTIONS=NODE_OPTIONS', cacheTtl: 60 });
    await loadSecrets(mapped);
    expect(mapped.env['NODE_OPTIONS']).toBe(VALUES.NODE_OPTIONS);
  });

  it('asks the API with cacheTtl 0 after a load with a TTL, in the same process', async () => {
    const selection = { secrets: 'OPENAI_*' };
    await loadSecrets(options({ ...selection, cacheTtl: 60 }));
    emulator.clearRequests();
    emulator.seed('alice', [{ id: 'OPENAI_API_KEY', value: 'sk-LOADER-rotated-0f0f' }]);
    const o = options({ ...selection, cacheTtl: 0 });
    expect((await loadSecrets(o)).source).toBe('api');
    expect(o.env['OPENAI_API_KEY']).toBe('sk-LOADER-rotated-0f0f');
    expect(emulator.requests.length).toBeGreaterThan(0);
    // The older value kept in memory is not served after the newer answer either.
    const later = options({ ...selection, cacheTtl: 60 });
    await loadSecrets(later);
    expect(later.env['OPENAI_API_KEY']).toBe('sk-LOADER-rotated-0f0f');
  });

  it('shares one request between 50 concurrent loads', async () => {
    const all = options();
    const reports = await Promise.all(Array.from({ length: 50 }, () => loadSecrets({ ...all, env: {} })));
    expect(reports.every((r) => r.set.length === 3)).toBe(true);
    expect(emulator.requests).toHaveLength(2);
  });

  it('serves a fresh copy without a request while the TTL lasts, to the same token only', async () => {
    // A selection of its own: the in-process cache outlives this test.
    const ttl = { cacheTtl: 60, secrets: 'STRIPE_*' };
    await loadSecrets(options(ttl));
    emulator.clearRequests();
    const o = options(ttl);
    expect((await loadSecrets(o)).source).toBe('cache');
    expect(o.env['STRIPE_KEY']).toBe(VALUES.STRIPE_KEY);
    expect(emulator.requests).toHaveLength(0);
    // Another token must not read this token's copy: it asks the API.
    expect((await loadSecrets(options({ ...ttl, pat: OTHER_PAT }))).source).toBe('api');
    expect(emulator.requests).toHaveLength(2);
  });

  it('writes an encrypted 0600 copy in a 0700 folder, with no plaintext', async () => {
    const dir = join(cacheDir, 'nested');
    await loadSecrets(options({ cacheDir: dir }));
    const [file] = readdirSync(dir);
    expect(file).toMatch(/^[0-9a-f]{32}\.lkg$/);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, file as string)).mode & 0o777).toBe(0o600);
    // afterEach checks the folder for every planted value.
  });

  describe('when the API cannot answer', () => {
    beforeEach(async () => {
      await loadSecrets(options());
      emulator.clearRequests();
    });

    it.each([
      ['a 503', () => emulator.inject({ kind: 'error', status: 503, code: 98004 }, { times: Infinity })],
      ['throttling', () => emulator.inject({ kind: 'throttle', retryAfter: 60 }, { times: Infinity })],
      ['an HTML page', () => emulator.inject({ kind: 'raw', body: '<html>', contentType: 'text/html' }, { times: Infinity })],
      ['a hang', () => emulator.inject({ kind: 'hang' }, { times: Infinity })],
    ])('serves the last-known-good copy after %s, and says so', async (_what, inject) => {
      inject();
      const o = options({ timeout: 1500 });
      const started = Date.now();
      const report = await loadSecrets(o);
      expect(report.source).toBe('fallback');
      expect(o.env['OPENAI_API_KEY']).toBe(VALUES.OPENAI_API_KEY);
      expect(Date.now() - started).toBeLessThan(3000);
      expect(warnings.join('\n')).toMatch(/using the last-known-good copy/);
    });

    it('does not fall back when fallback is off', async () => {
      emulator.inject({ kind: 'error', status: 503, code: 98004 }, { times: Infinity });
      expect((await failure(loadSecrets(options({ fallback: false, timeout: 1500 })))).code).toBe('ERR_SERVER');
    });

    it.each([
      ['a refused token', () => emulator.inject({ kind: 'error', status: 401, code: 11008 }), 'ERR_AUTH'],
      ['a missing scope', () => emulator.inject({ kind: 'error', status: 403, code: 11007 }), 'ERR_FORBIDDEN'],
    ])('never serves the copy after %s, and deletes it', async (_what, inject, code) => {
      inject();
      expect((await failure(loadSecrets(options()))).code).toBe(code);
      expect(readdirSync(cacheDir)).toEqual([]);
      // With the API down now, there is nothing left to fall back on.
      emulator.inject({ kind: 'error', status: 503, code: 98004 }, { times: Infinity });
      expect((await failure(loadSecrets(options({ timeout: 1000 })))).code).toMatch(/ERR_SERVER|ERR_TIMEOUT/);
    });

    it('deletes the copy when a required secret is gone', async () => {
      const named = { secrets: 'OPENAI_API_KEY,STRIPE_KEY,db-url' };
      await loadSecrets(options(named));
      expect(readdirSync(cacheDir)).toHaveLength(2);
      emulator.reset();
      expect((await failure(loadSecrets(options(named)))).code).toBe('ERR_MISSING_SECRETS');
      // The copy of that selection is gone; the copy of "*" stays.
      expect(readdirSync(cacheDir)).toHaveLength(1);
    });

    it('ignores a tampered copy with a warning', async () => {
      const [file] = readdirSync(cacheDir);
      const path = join(cacheDir, file as string);
      const data = readFileSync(path);
      data[data.length - 1] = (data[data.length - 1] as number) ^ 0x01;
      writeFileSync(path, data, { mode: 0o600 });
      emulator.inject({ kind: 'error', status: 503, code: 98004 }, { times: Infinity });
      expect((await failure(loadSecrets(options({ timeout: 1000 })))).code).toMatch(/ERR_SERVER|ERR_TIMEOUT/);
      expect(warnings.join('\n')).toMatch(/damaged, or was written with another token/);
    });

    it('cannot decrypt a copy under another token even when it sits in that token\'s file', async () => {
      // The key must come from the token: move this token's copy to where OTHER_PAT looks.
      // (Its own copy is gone once OTHER_PAT succeeds: a new token deletes what an old one wrote.)
      const [mine] = readdirSync(cacheDir);
      const mineBytes = readFileSync(join(cacheDir, mine as string));
      const before = new Set(readdirSync(cacheDir));
      await loadSecrets(options({ pat: OTHER_PAT }));
      const theirs = readdirSync(cacheDir).find((name) => !before.has(name));
      expect(theirs).toBeDefined();
      // Their plain label (magic, base URL and user, token tag) on this token's sealed body.
      const label = readFileSync(join(cacheDir, theirs as string)).subarray(0, 29);
      writeFileSync(join(cacheDir, theirs as string), Buffer.concat([label, mineBytes.subarray(29)]), { mode: 0o600 });
      emulator.inject({ kind: 'error', status: 503, code: 98004 }, { times: Infinity });
      expect((await failure(loadSecrets(options({ pat: OTHER_PAT, timeout: 1000 })))).code).toMatch(/ERR_SERVER|ERR_TIMEOUT/);
      expect(warnings.join('\n')).toMatch(/damaged, or was written with another token/);
    });

    it('does not decrypt a copy written under another token', async () => {
      emulator.inject({ kind: 'error', status: 503, code: 98004 }, { times: Infinity });
      // OTHER_PAT derives another key and another file name: no copy for it.
      expect((await failure(loadSecrets(options({ pat: OTHER_PAT, timeout: 1000 })))).code).toMatch(/ERR_SERVER|ERR_TIMEOUT/);
    });

    it('refuses a copy readable by others', async () => {
      const [file] = readdirSync(cacheDir);
      chmodSync(join(cacheDir, file as string), 0o644);
      emulator.inject({ kind: 'error', status: 503, code: 98004 }, { times: Infinity });
      expect((await failure(loadSecrets(options({ timeout: 1000 })))).code).toMatch(/ERR_SERVER|ERR_TIMEOUT/);
      expect(warnings.join('\n')).toMatch(/readable by others/);
    });
  });

  it('warns once and still loads when the cache folder cannot be written', async () => {
    // A folder under a regular file: ENOTDIR, for root too (a read-only folder is no obstacle to root).
    const file = join(mkdtempSync(join(tmpdir(), 'cs-notdir-')), 'plain-file');
    writeFileSync(file, 'not a folder');
    const o = options({ cacheDir: join(file, 'sub') });
    const report = await loadSecrets(o);
    expect(report.source).toBe('api');
    expect(o.env['OPENAI_API_KEY']).toBe(VALUES.OPENAI_API_KEY);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/cannot write the last-known-good copy/);
  });

  it('ends within the deadline on a hung server with no copy', async () => {
    emulator.inject({ kind: 'hang' }, { times: Infinity });
    const started = Date.now();
    expect((await failure(loadSecrets(options({ timeout: 700, cacheDir: false })))).code).toBe('ERR_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(1500);
  });

  describe('a load that is already done (CLARIFAI_SECRETS_LOADED of this selection in the env)', () => {
    it('returns at once with source "marker": no request, no token needed', async () => {
      const first = options();
      await loadSecrets(first);
      emulator.clearRequests();
      // As under `run`, which removes the token from the child's environment.
      const { pat: _dropped, ...again } = first;
      const report = await loadSecrets(again);
      expect(report).toMatchObject({ set: [], skipped: [], missing: [], source: 'marker' });
      expect(loadSecretsSync(again)).toMatchObject({ set: [], source: 'marker' });
      expect(emulator.requests).toHaveLength(0);
      expect(first.env['OPENAI_API_KEY']).toBe(VALUES.OPENAI_API_KEY);
    });

    it('loads a different selection, and fetches again when asked to reload', async () => {
      const first = options();
      await loadSecrets(first);
      emulator.clearRequests();
      const other = await loadSecrets({ ...first, secrets: 'STRIPE_KEY', env: first.env });
      expect(other.source).not.toBe('marker');
      emulator.clearRequests();
      const reloaded = await loadSecrets({ ...first, env: first.env, reload: true, override: true });
      expect(reloaded.source).toBe('api');
      expect(emulator.requests.length).toBeGreaterThan(0);
    });

    it('does not trust a marker of another selection, user or server', async () => {
      const env: Record<string, string | undefined> = { CLARIFAI_SECRETS_LOADED: '0123456789abcdef01234567' };
      expect((await loadSecrets(options({ env }))).source).toBe('api');
    });
  });
});
