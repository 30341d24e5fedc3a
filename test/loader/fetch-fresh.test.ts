/**
 * Asking the API and what surrounds it (src/load/fetch-fresh.ts): how many GETs are out at
 * once, the hint for a missing id, when the copy is written, kept or deleted, and a poll
 * (`fetchFromApi` with a signal, as a watcher calls it) ended by its caller.
 */
import { readdirSync } from 'node:fs';
import { Agent } from 'undici';
import { describe, expect, it } from 'vitest';
import type { RecordedRequest } from '../../src/emulator/index.js';
import { isSecretsError } from '../../src/errors.js';
import { loadTransport } from '../../src/api/transport/choose.js';
import { fetchFresh, fetchFromApi } from '../../src/load/fetch-fresh.js';
import { keepFresh, peekMemory } from '../../src/load/memory-cache.js';
import { prepareJob } from '../../src/load/load-job.js';
import { diskCacheFor } from '../../src/load/start.js';
import { type LoadSecretsOptions, loadSecrets } from '../../src/load/loader.js';
import { expectNoLeak } from '../support/leaks.js';
import { until } from '../support/until.js';
import { afterWriteSoon } from '../support/write-soon.js';
import { cacheDir, emulator, pat, useLoaderHarness, warnings } from '../support/loader-harness.js';

// 17 ids: more than the 8 GETs a load keeps out at once, in three waves.
const MANY = Array.from({ length: 17 }, (_, i) => `many-${String(i).padStart(2, '0')}`);
const VALUES: Record<string, string> = {
  STRIPE_KEY: 'value-LJF-stripe-51c0',
  OPENAI_API_KEY: 'value-LJF-openai-e93a',
  ...Object.fromEntries(MANY.map((id, i) => [id, `value-LJF-many-${i}-7d`])),
};
const PATS = Array.from({ length: 30 }, (_, i) => `pat-LJF-${i}-a4c19e`);
const PLANTED: Record<string, string> = { ...VALUES, ...Object.fromEntries(PATS.map((p, i) => [`PAT${i}`, p])) };

type Env = Record<string, string | undefined>;
useLoaderHarness({ user: 'ljf', tokens: PATS, secrets: VALUES, planted: PLANTED, folder: 'cs-fetchfresh-' });

function options(env: Env, extra: LoadSecretsOptions = {}): LoadSecretsOptions & { env: Env } {
  return { pat, baseUrl: emulator.url, envFile: false, cacheDir, timeout: 10_000, env, onWarning: (m) => warnings.push(m), ...extra };
}

async function failure(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (error) {
    expectNoLeak(String((error as Error).message), PLANTED, 'an error message');
    return error as Error & { code?: string };
  }
  throw new Error('expected a failure');
}


describe('GETs by id', () => {
  it('at most 8 are out at once, whatever the transport allows', async () => {
    // undici's Agent opens as many connections as asked: the limit must be the load's own.
    const dispatcher = new Agent();
    try {
      emulator.inject({ kind: 'latency', ms: 400 }, { times: Infinity });
      const env: Env = Object.fromEntries(MANY.map((id) => [id.toUpperCase().replace('-', '_'), `clarifai://secrets/${id}`]));
      const report = await loadSecrets(options(env, { dispatcher, cacheDir: false }));
      expect(report.set).toHaveLength(17);
      const arrivals = emulator.requests.map((r) => r.at).sort((a, b) => a - b);
      expect(arrivals).toHaveLength(17);
      // The 9th GET leaves only once one of the first 8 is answered, 400 ms after it arrived.
      expect((arrivals[8] as number) - (arrivals[0] as number)).toBeGreaterThanOrEqual(390);
    } finally {
      await dispatcher.close();
    }
  });
});

describe('the hint for a missing id', () => {
  it('after a list walk comes from that walk: no second walk', async () => {
    const error = await failure(loadSecrets(options({}, { secrets: 'STRIPE_*, OPENAI_API_KEX', cacheDir: false })));
    expect(error.code).toBe('ERR_MISSING_SECRETS');
    expect(error.message).toMatch(/^secret not found: OPENAI_API_KEX \(did you mean OPENAI_API_KEY\?\)/);
    expect(emulator.requests.map((r) => r.query['page']).sort()).toEqual(['1', '2']);
  });

  it('is left out when its own walk fails part way, and the error is still the missing id', async () => {
    // Page 1 (every id) arrives; the empty page 2 that ends the walk is refused.
    emulator.inject({ kind: 'error', status: 403, code: 11007 }, { path: /[?&]page=2\b/, times: Infinity });
    const error = await failure(loadSecrets(options({}, { secrets: 'OPENAI_API_KEX', cacheDir: false })));
    expect(error.code).toBe('ERR_MISSING_SECRETS');
    expect(error.message).toMatch(/^secret not found: OPENAI_API_KEX; create it \(clarifai-secrets create ID\) or mark it optional/);
    expect(emulator.requests.some((r) => r.query['page'] === '1' && r.status === 200)).toBe(true);
  });
});

describe('a list walk', () => {
  it('reads only ids and values: a field the load does not use cannot fail it', async () => {
    const unused = { created_at: 'yesterday', modified_at: 42, expires_at: {}, version: 'v1', description: [] };
    emulator.inject(
      { kind: 'transform', transform: (json) => ({ ...json, secrets: (json['secrets'] as object[]).map((secret) => ({ ...secret, ...unused })) }) },
      { path: /[?&]page=1\b/ },
    );
    const env: Env = {};
    const report = await loadSecrets(options(env, { secrets: 'STRIPE_KEY, OPENAI_*', cacheDir: false }));
    expect(report.set.sort()).toEqual(['OPENAI_API_KEY', 'STRIPE_KEY']);
    expect(env['OPENAI_API_KEY'] === VALUES['OPENAI_API_KEY']).toBe(true);
  });

  it('still refuses an id or a value of the wrong kind, naming the item', async () => {
    emulator.inject({ kind: 'transform', transform: (json) => ({ ...json, secrets: [{ id: 'A', value: 7 }] }) }, { path: /[?&]page=1\b/ });
    const error = await failure(loadSecrets(options({}, { secrets: 'OPENAI_*', cacheDir: false, fallback: false })));
    expect(error.code).toBe('ERR_BAD_RESPONSE');
    expect(error.message).toMatch(/to list secrets: secrets\[0\]\.value is a number, expected a string/);
  });
});

describe('when the copy is written', () => {
  it('with no cache folder, a load and a deferred load both succeed', async () => {
    const env: Env = {};
    expect((await loadSecrets(options(env, { secrets: 'STRIPE_KEY', cacheDir: false }))).source).toBe('api');
    expect(env['STRIPE_KEY'] === VALUES['STRIPE_KEY']).toBe(true);
    const deferred: Env = {};
    expect((await loadSecrets(options(deferred, { secrets: 'STRIPE_KEY', cacheDir: false, deferCopy: true }))).source).toBe('api');
    expect(deferred['STRIPE_KEY'] === VALUES['STRIPE_KEY']).toBe(true);
  });

  it.each([
    ['fetchFresh alone', false, undefined, 0, 0],
    ['keepFresh', false, true, 1, 1],
    ['keepFresh, the copy deferred', true, true, 0, 1],
    ['keepFresh, the copy kept as it is', false, false, 0, 0],
  ] as const)('%s: %#', async (_what, deferCopy, writeCopy, atOnce, later) => {
    const job = { ...prepareJob(options({}, { secrets: 'STRIPE_KEY', cacheTtl: 60 })), deferCopy };
    const disk = diskCacheFor(job, (m) => warnings.push(m));
    const fetched = await fetchFresh(job, loadTransport(undefined), (m) => warnings.push(m), disk);
    expect(fetched.source).toBe('api');
    if (writeCopy !== undefined) keepFresh(job, disk, fetched, writeCopy);
    // The one rule also keeps the answer in memory for the TTL.
    expect(peekMemory(job)?.source).toBe(writeCopy === undefined ? undefined : 'cache');
    expect(readdirSync(cacheDir)).toHaveLength(atOnce);
    await afterWriteSoon();
    expect(readdirSync(cacheDir)).toHaveLength(later);
  });
});

describe('when the API cannot answer', () => {
  it('with fallback off, the error comes and the copy is kept for a later fallback', async () => {
    await loadSecrets(options({}, { secrets: 'STRIPE_KEY' }));
    expect(readdirSync(cacheDir)).toHaveLength(1);
    emulator.inject({ kind: 'error', status: 503, code: 98004 }, { times: Infinity });
    expect((await failure(loadSecrets(options({}, { secrets: 'STRIPE_KEY', fallback: false, timeout: 1500 })))).code).toBe('ERR_SERVER');
    expect(readdirSync(cacheDir)).toHaveLength(1);
    const env: Env = {};
    expect((await loadSecrets(options(env, { secrets: 'STRIPE_KEY', timeout: 1500 }))).source).toBe('fallback');
    expect(env['STRIPE_KEY'] === VALUES['STRIPE_KEY']).toBe(true);
  });

  it('a refused token with no cache folder is ERR_AUTH', async () => {
    emulator.inject({ kind: 'error', status: 401, code: 11008 });
    const error = await failure(loadSecrets(options({}, { secrets: 'STRIPE_KEY', cacheDir: false })));
    expect(isSecretsError(error, 'ERR_AUTH')).toBe(true);
  });
});

describe('a poll ended by its caller (fetchFromApi with a signal)', () => {
  /**
   * Starts a poll of `secrets` with a long deadline, aborts it once `hung` holds for the
   * requests received, and returns how long it took to end after that.
   */
  async function abortedPoll(secrets: string, hung: (requests: readonly RecordedRequest[]) => boolean): Promise<{ error: Error & { code?: string }; ms: number }> {
    // Only this poll's requests count: an earlier test's hung walk would end this one before its GET.
    emulator.clearRequests();
    const job = prepareJob(options({}, { secrets, timeout: 15_000, cacheDir: false }));
    const controller = new AbortController();
    const poll = failure(fetchFromApi(job, loadTransport(undefined), controller.signal));
    await until(() => hung(emulator.requests));
    const abortedAt = Date.now();
    controller.abort();
    const error = await poll;
    return { error, ms: Date.now() - abortedAt };
  }

  /**
   * A walk asks for pages 1 and 2 at once. Waiting for both means no page of an aborted walk
   * can still be on its way to the emulator when the next test starts: one arriving after
   * that test's clearRequests() would look like its own walk and end it too early (the GET
   * aborted instead of the hint's walk).
   */
  const bothPagesHung = (requests: readonly RecordedRequest[]): boolean =>
    new Set(requests.filter((r) => r.path === '/v2/users/me/secrets').map((r) => r.query['page'])).size >= 2;

  it('stops a hung GET', async () => {
    emulator.inject({ kind: 'hang' }, { path: '/v2/users/me/secrets/STRIPE_KEY', times: Infinity });
    const { error, ms } = await abortedPoll('STRIPE_KEY', (requests) => requests.some((r) => r.path.endsWith('/STRIPE_KEY')));
    expect(isSecretsError(error)).toBe(false);
    expect(ms).toBeLessThan(5000);
  });

  it('stops a hung list walk', async () => {
    emulator.inject({ kind: 'hang' }, { path: '/v2/users/me/secrets', times: Infinity });
    const { error, ms } = await abortedPoll('STRIPE_*', bothPagesHung);
    expect(isSecretsError(error)).toBe(false);
    expect(ms).toBeLessThan(5000);
  });

  it('stops the hint\'s hung walk, and the error is the missing id', async () => {
    emulator.inject({ kind: 'hang' }, { path: '/v2/users/me/secrets', times: Infinity });
    const { error, ms } = await abortedPoll('OPENAI_API_KEX', bothPagesHung);
    expect(error.code).toBe('ERR_MISSING_SECRETS');
    expect(error.message).toMatch(/^secret not found: OPENAI_API_KEX; create it \(clarifai-secrets create ID\) or mark it optional/);
    expect(ms).toBeLessThan(5000);
  });
});
