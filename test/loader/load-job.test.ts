/**
 * One load's own steps (src/load/load-job.ts, start.ts and loader.ts): the override rule on what is
 * really set, the report's timing, the marker a parent leaves, the references a later load of
 * the same env still knows, and the disk copy served inside the TTL. Through `loadSecrets`
 * against the emulator where the behaviour is the load's; the exported steps directly where
 * the step is the unit (a platform or a clock the machine cannot give).
 */
import { readdirSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Fetched, type LoadJob, MARKER, alreadyLoaded, markerFor, nowMs, prepareJob } from '../../src/load/load-job.js';
import { type Started, finishLoad } from '../../src/load/start.js';
import { type LoadSecretsOptions, loadResolved, loadSecrets } from '../../src/load/loader.js';
import { resolveConfig } from '../../src/settings/config.js';
import { parseSelection } from '../../src/settings/selection.js';
import { cacheDir, emulator, pat, useLoaderHarness, warnings } from '../support/loader-harness.js';

/** A load past its start (start.ts's Started) for a job made here, to apply a Fetched by hand. */
function startedWith(job: LoadJob, env: Env, startedAt: number): Started {
  return { config: job.config, job, env, warn: () => undefined, disk: undefined, startedAt };
}

const VALUES = {
  STRIPE_KEY: 'value-LJ-stripe-4e1a9c',
  OPENAI_API_KEY: 'value-LJ-openai-77b0d2',
  'ref-a': 'value-LJ-ref-a-0c3f',
  'ref-b': 'value-LJ-ref-b-91de',
  'ref-c': 'value-LJ-ref-c-5a62',
  // A secret whose value is itself a reference: loading it leaves a reference in the variable.
  'ref-holder': 'clarifai://secrets/ref-a',
};
const ROTATED = 'value-LJ-rotated-3b8e';
// One token per test: the in-process cache outlives a test, and its key holds the token.
const PATS = Array.from({ length: 40 }, (_, i) => `pat-LJ-${i}-6f2a0d91`);
const PLANTED: Record<string, string> = { ROTATED, ...Object.fromEntries(PATS.map((p, i) => [`PAT${i}`, p])) };
for (const [id, value] of Object.entries(VALUES)) if (!value.startsWith('clarifai://')) PLANTED[id] = value;

type Env = Record<string, string | undefined>;
useLoaderHarness({ user: 'lj', tokens: PATS, secrets: VALUES, planted: PLANTED, folder: 'cs-loadjob-' });
afterEach(() => vi.useRealTimers());

function options(env: Env, extra: LoadSecretsOptions = {}): LoadSecretsOptions & { env: Env } {
  return { pat, baseUrl: emulator.url, envFile: false, cacheDir, timeout: 10_000, env, onWarning: (m) => warnings.push(m), ...extra };
}

/** Whether `env[name]` holds the planted value `label`: compared here so a failure names the label, never the value. */
function holds(env: Env, name: string, label: keyof typeof VALUES | 'ROTATED'): boolean {
  return env[name] === (label === 'ROTATED' ? ROTATED : VALUES[label]);
}

const paths = () => emulator.requests.map((r) => `${r.path}${r.query['page'] ? `?page=${r.query['page']}` : ''}`).sort();
const get = (id: string, user = 'me') => `/v2/users/${user}/secrets/${id}`;

describe('the override rule on what is set', () => {
  it('a variable present but undefined is unset: the secret is set', async () => {
    const env: Env = { STRIPE_KEY: undefined };
    const report = await loadSecrets(options(env, { secrets: 'STRIPE_KEY' }));
    expect(report.set).toEqual(['STRIPE_KEY']);
    expect(report.skipped).toEqual([]);
    expect(holds(env, 'STRIPE_KEY', 'STRIPE_KEY')).toBe(true);
  });

  it.skipIf(process.platform === 'win32')('compares names with their case on POSIX: stripe_key set by the app does not hold back STRIPE_KEY', async () => {
    const env: Env = { stripe_key: 'the app-LJ-own' };
    const report = await loadSecrets(options(env, { secrets: 'STRIPE_KEY' }));
    expect(report).toMatchObject({ set: ['STRIPE_KEY'], skipped: [] });
    expect(holds(env, 'STRIPE_KEY', 'STRIPE_KEY')).toBe(true);
    expect(env['stripe_key']).toBe('the app-LJ-own');
  });

  it('compares names without case on Windows, as its environment does', () => {
    const env: Env = { stripe_key: 'the app-LJ-own' };
    const job = prepareJob({ pat, baseUrl: emulator.url, envFile: false, cacheDir: false, env, secrets: 'STRIPE_KEY, OPENAI_API_KEY' });
    const fetched: Fetched = {
      entries: [
        ['OPENAI_API_KEY', VALUES.OPENAI_API_KEY],
        ['STRIPE_KEY', VALUES.STRIPE_KEY],
      ],
      missing: [],
      dangerous: [],
      source: 'api',
      at: Date.now(),
    };
    const platform = Object.getOwnPropertyDescriptor(process, 'platform') as PropertyDescriptor;
    Object.defineProperty(process, 'platform', { ...platform, value: 'win32' });
    let report;
    try {
      report = finishLoad(startedWith(job, env, nowMs()), fetched);
    } finally {
      Object.defineProperty(process, 'platform', platform);
    }
    expect(report).toMatchObject({ set: ['OPENAI_API_KEY'], skipped: ['STRIPE_KEY'] });
    expect(env['STRIPE_KEY']).toBeUndefined();
    expect(holds(env, 'OPENAI_API_KEY', 'OPENAI_API_KEY')).toBe(true);
  });
});

describe('durationMs in the report', () => {
  it('nowMs counts milliseconds', async () => {
    const [before, wallBefore] = [nowMs(), Date.now()];
    await new Promise((resolve) => setTimeout(resolve, 60));
    const [after, wallAfter] = [nowMs(), Date.now()];
    // The monotonic clock and the wall clock agree on the wait, within a few ms.
    expect(after - before).toBeGreaterThanOrEqual(55);
    expect(Math.abs(after - before - (wallAfter - wallBefore))).toBeLessThan(25);
  });

  /** A duration of at least `from` and at most what passed since, to a tenth of a ms. */
  function expectDuration(durationMs: number, from: number, since: number): void {
    expect(durationMs).toBeGreaterThanOrEqual(from);
    expect(durationMs).toBeLessThanOrEqual(from + (nowMs() - since) + 0.1);
    expect(Math.abs(durationMs * 10 - Math.round(durationMs * 10))).toBeLessThan(1e-6);
  }

  it('of a load applied: milliseconds since it started, to a tenth', () => {
    const env: Env = {};
    const job = prepareJob({ pat, baseUrl: emulator.url, envFile: false, cacheDir: false, env, secrets: 'STRIPE_KEY' });
    const fetched: Fetched = { entries: [['STRIPE_KEY', VALUES.STRIPE_KEY]], missing: [], dangerous: [], source: 'api', at: Date.now() };
    const since = nowMs();
    const report = finishLoad(startedWith(job, env, since - 1234.56), fetched);
    expectDuration(report.durationMs, 1234.5, since);
  });

  it('of a load already done (the marker): the same', async () => {
    const env: Env = {};
    await loadSecrets(options(env, { secrets: 'STRIPE_KEY' }));
    const config = resolveConfig({ pat, baseUrl: emulator.url, envFile: false, cacheDir: false, secrets: 'STRIPE_KEY' });
    const since = nowMs();
    const report = alreadyLoaded(config, env, since - 987.65);
    expect(report?.source).toBe('marker');
    expectDuration(report?.durationMs ?? Number.NaN, 987.6, since);
  });
});

describe('the marker', () => {
  it('is stable across versions: a parent may run another install than the child', () => {
    // run, a preload or a parent process of another version of this package leaves it.
    const config = resolveConfig({ pat, baseUrl: 'https://api.clarifai.com', userId: 'lj-user', envFile: false, cacheDir: false });
    expect(markerFor(config, { key: 'the-key' })).toBe('8900d027024d70caf33b44fb');
  });

  it('a job prepared under a parent marker carries this selection\'s marker; without one it has hashed nothing yet', () => {
    const base = { pat, baseUrl: emulator.url, envFile: false as const, cacheDir: false as const, secrets: 'STRIPE_KEY' };
    const config = resolveConfig(base);
    const marked = prepareJob({ ...base, env: { [MARKER]: 'left-by-a-parent' } });
    expect(marked.marker).toBe(markerFor(config, parseSelection(config.secrets, config.userId)));
    // The loader hashes it while the request is out, not before.
    expect(prepareJob({ ...base, env: {} }).marker).toBeUndefined();
  });

  it('reload: true loads CLARIFAI_SECRETS again next to the references, although the marker covers it', async () => {
    const env: Env = { K: 'clarifai://secrets/ref-a' };
    await loadSecrets(options(env, { secrets: 'STRIPE_KEY' }));
    expect(holds(env, 'STRIPE_KEY', 'STRIPE_KEY')).toBe(true);
    emulator.seed('lj', [{ id: 'STRIPE_KEY', value: ROTATED }]);
    emulator.clearRequests();
    const report = await loadSecrets(options(env, { secrets: 'STRIPE_KEY', reload: true, override: true }));
    expect(report.set).toEqual(['K', 'STRIPE_KEY']);
    expect(holds(env, 'STRIPE_KEY', 'ROTATED')).toBe(true);
    expect(paths()).toEqual([get('STRIPE_KEY'), get('ref-a')]);
  });
  it('a marker of another selection covers nothing: CLARIFAI_SECRETS is loaded next to the new reference', async () => {
    const env: Env = {};
    await loadSecrets(options(env, { secrets: 'OPENAI_API_KEY' }));
    env['K'] = 'clarifai://secrets/ref-a';
    emulator.clearRequests();
    const report = await loadSecrets(options(env, { secrets: 'STRIPE_KEY' }));
    expect(report.set).toEqual(['K', 'STRIPE_KEY']);
    expect(holds(env, 'STRIPE_KEY', 'STRIPE_KEY') && holds(env, 'K', 'ref-a')).toBe(true);
    expect(paths()).toEqual([get('STRIPE_KEY'), get('ref-a')]);
  });
});

describe('references a later load of the same env still knows', () => {
  it('only references are remembered, not the secrets CLARIFAI_SECRETS named', async () => {
    const env: Env = {};
    await loadSecrets(options(env, { secrets: 'STRIPE_KEY' }));
    emulator.clearRequests();
    // Another selection: STRIPE_KEY is a plain variable to it, set and left alone.
    const report = await loadSecrets(options(env, { secrets: 'OPENAI_API_KEY', reload: true }));
    expect(report.set).toEqual(['OPENAI_API_KEY']);
    expect(paths()).toEqual([get('OPENAI_API_KEY')]);
  });

  it('only for the same user and server: another user id takes the variable for a plain value', async () => {
    const env: Env = { K: 'clarifai://secrets/ref-a' };
    await loadSecrets(options(env));
    emulator.clearRequests();
    const report = await loadSecrets(options(env, { userId: 'lj', secrets: 'STRIPE_KEY', reload: true }));
    expect(report.set).toEqual(['STRIPE_KEY']);
    expect(holds(env, 'K', 'ref-a')).toBe(true);
    expect(paths()).toEqual([get('STRIPE_KEY', 'lj')]);
  });

  it('a variable the app deleted since is no reference any more', async () => {
    const env: Env = { K: 'clarifai://secrets/ref-a', L: 'clarifai://secrets/ref-b' };
    await loadSecrets(options(env));
    delete env['K'];
    emulator.clearRequests();
    const report = await loadSecrets(options(env, { reload: true }));
    expect(report.set).toEqual(['L']);
    expect('K' in env).toBe(false);
    expect(paths()).toEqual([get('ref-b')]);
  });

  it('earlier and new references make one selection whatever their order: it shares the cache', async () => {
    const env: Env = { B: 'clarifai://secrets/ref-b' };
    await loadSecrets(options(env));
    // New references on both sides of the one resolved earlier.
    env['A'] = 'clarifai://secrets/ref-a';
    env['C'] = 'clarifai://secrets/ref-c';
    const reloaded = await loadSecrets(options(env, { reload: true, cacheTtl: 60 }));
    expect(reloaded.set).toEqual(['A', 'B', 'C']);
    emulator.clearRequests();
    const fresh: Env = { C: 'clarifai://secrets/ref-c', A: 'clarifai://secrets/ref-a', B: 'clarifai://secrets/ref-b' };
    const cached = await loadSecrets(options(fresh, { cacheTtl: 60, cacheDir: false }));
    expect(cached.source).toBe('cache');
    expect(emulator.requests).toHaveLength(0);
    expect(holds(fresh, 'A', 'ref-a') && holds(fresh, 'B', 'ref-b') && holds(fresh, 'C', 'ref-c')).toBe(true);
  });

  it('a variable that now holds a new reference follows the new one, not the one it was loaded from', async () => {
    const env: Env = { K: 'clarifai://secrets/ref-holder' };
    await loadSecrets(options(env));
    // The value loaded is itself a reference: the next load resolves that one.
    expect(env['K']).toBe('clarifai://secrets/ref-a');
    emulator.clearRequests();
    const report = await loadSecrets(options(env, { reload: true }));
    expect(report.set).toEqual(['K']);
    expect(holds(env, 'K', 'ref-a')).toBe(true);
    expect(paths()).toEqual([get('ref-a')]);
  });
});

describe('the disk copy inside the TTL', () => {
  it('is served with no request, to the day: from age 0 up to the TTL, not at it, not from the future', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const t = Date.UTC(2026, 11, 4, 3, 0, 0);
    vi.setSystemTime(t);
    const selection = { secrets: 'STRIPE_KEY, OPENAI_API_KEY' };
    // With no TTL nothing stays in memory: only the disk can answer below.
    expect((await loadSecrets(options({}, selection))).source).toBe('api');
    expect(readdirSync(cacheDir)).toHaveLength(1);

    const load = async (at: number) => {
      vi.setSystemTime(at);
      emulator.clearRequests();
      const env: Env = {};
      const report = await loadSecrets(options(env, { ...selection, cacheTtl: 60 }));
      expect(holds(env, 'STRIPE_KEY', 'STRIPE_KEY') && holds(env, 'OPENAI_API_KEY', 'OPENAI_API_KEY')).toBe(true);
      return { source: report.source, requests: emulator.requests.length };
    };
    expect(await load(t)).toEqual({ source: 'cache', requests: 0 });
    expect(await load(t + 59_999)).toEqual({ source: 'cache', requests: 0 });
    expect(await load(t + 60_000)).toEqual({ source: 'api', requests: 2 });
    // That load kept its answer (in memory and on disk) at t + 60 s: a clock put back by 1 ms
    // finds it in the future, and asks again.
    expect(await load(t + 59_999)).toEqual({ source: 'api', requests: 2 });
  });

  it('is not read at all with cacheTtl 0', async () => {
    await loadSecrets(options({}, { secrets: 'STRIPE_KEY' }));
    emulator.clearRequests();
    expect((await loadSecrets(options({}, { secrets: 'STRIPE_KEY', cacheTtl: 0 }))).source).toBe('api');
    expect(emulator.requests).toHaveLength(1);
  });
});

describe('no cache folder', () => {
  it('says once why no copy is kept (a relative HOME), and loads', async () => {
    const base = { pat, baseUrl: emulator.url, envFile: false as const, secrets: 'STRIPE_KEY' };
    const config = resolveConfig(base, { HOME: 'relative/home' });
    expect(config.cacheDir).toBeUndefined();
    const env: Env = {};
    const report = await loadResolved(config, { ...base, env, onWarning: (m) => warnings.push(m) });
    expect(report.source).toBe('api');
    expect(holds(env, 'STRIPE_KEY', 'STRIPE_KEY')).toBe(true);
    expect(warnings).toEqual([expect.stringMatching(/^no last-known-good copy is kept: HOME is not an absolute path/)]);
  });
});
