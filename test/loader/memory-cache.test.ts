/**
 * The in-process cache (src/load/memory-cache.ts) through `loadSecrets`, with no cache folder
 * wherever the disk copy would answer in its place: what is kept, for how long, what is
 * served, and what makes the next load ask the API again.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type LoadSecretsOptions, loadSecrets } from '../../src/load/loader.js';
import { watchSecrets } from '../../src/watch/watcher.js';
import { cacheDir, emulator, pat, useLoaderHarness, warnings } from '../support/loader-harness.js';

const VALUE = 'value-LJ-mem-8d21f0';
const ROTATED = 'value-LJ-mem-rotated-c47e';
// One token per test: the cache outlives a test, and its key holds the token.
const PATS = Array.from({ length: 20 }, (_, i) => `pat-LJM-${i}-0b7c3e55`);
const PLANTED: Record<string, string> = { VALUE, ROTATED, ...Object.fromEntries(PATS.map((p, i) => [`PAT${i}`, p])) };

type Env = Record<string, string | undefined>;
useLoaderHarness({ user: 'ljm', tokens: PATS, secrets: { MEM_KEY: VALUE }, planted: PLANTED, folder: 'cs-memcache-' });
afterEach(() => vi.useRealTimers());

/** MEM_KEY into `env`, this test's token, no cache folder, warnings collected. */
const memKey = (env: Env) =>
  ({ pat, baseUrl: emulator.url, envFile: false, cacheDir: false, timeout: 10_000, secrets: 'MEM_KEY', env, onWarning: (m: string) => warnings.push(m) }) as const;

/** One load of MEM_KEY with no cache folder unless given: its source, requests, and whether it set `expected`. */
async function load(extra: LoadSecretsOptions, expected: 'VALUE' | 'ROTATED' = 'VALUE') {
  emulator.clearRequests();
  const env: Env = {};
  const report = await loadSecrets({ ...memKey(env), ...extra });
  // Compared here, so that a failure names which value, never prints it.
  const value = env['MEM_KEY'] === VALUE ? 'VALUE' : env['MEM_KEY'] === ROTATED ? 'ROTATED' : 'other';
  expect(value).toBe(expected);
  return { source: report.source, requests: emulator.requests.length };
}

describe('the in-process cache', () => {
  it('serves a result for the TTL with no request', async () => {
    expect(await load({ cacheTtl: 60 })).toEqual({ source: 'api', requests: 1 });
    expect(await load({ cacheTtl: 60 })).toEqual({ source: 'cache', requests: 0 });
    expect(await load({ cacheTtl: 5 })).toEqual({ source: 'cache', requests: 0 });
  });

  it('serves from age 0 up to the asking load\'s TTL, not at it, and not from the future', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const t = Date.UTC(2026, 11, 4, 3, 30, 0);
    vi.setSystemTime(t);
    expect(await load({ cacheTtl: 120 })).toEqual({ source: 'api', requests: 1 });
    expect(await load({ cacheTtl: 120 })).toEqual({ source: 'cache', requests: 0 });
    vi.setSystemTime(t + 29_999);
    expect(await load({ cacheTtl: 30 })).toEqual({ source: 'cache', requests: 0 });
    vi.setSystemTime(t + 30_000);
    expect(await load({ cacheTtl: 30 })).toEqual({ source: 'api', requests: 1 });
    // That answer was kept at t + 30 s: a clock put back by 1 ms finds it in the future.
    vi.setSystemTime(t + 29_999);
    expect(await load({ cacheTtl: 120 })).toEqual({ source: 'api', requests: 1 });
  });

  it('keeps a result no longer than the TTL of the load that stored it', async () => {
    expect(await load({ cacheTtl: 1 })).toEqual({ source: 'api', requests: 1 });
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(await load({ cacheTtl: 60 })).toEqual({ source: 'api', requests: 1 });
  });

  it('keeps nothing from a load with cacheTtl 0, and drops what an earlier load kept', async () => {
    expect(await load({ cacheTtl: 0 })).toEqual({ source: 'api', requests: 1 });
    expect(await load({ cacheTtl: 60 })).toEqual({ source: 'api', requests: 1 });
    emulator.seed('ljm', [{ id: 'MEM_KEY', value: ROTATED }]);
    expect(await load({ cacheTtl: 0 }, 'ROTATED')).toEqual({ source: 'api', requests: 1 });
    // Neither the older value nor the newer one is served from memory now.
    expect(await load({ cacheTtl: 60 }, 'ROTATED')).toEqual({ source: 'api', requests: 1 });
  });

  it('keeps only answers from the API, not a copy served from the disk', async () => {
    // The copy reaches the disk; with no TTL nothing stays in memory.
    expect(await load({ cacheTtl: 0, cacheDir })).toEqual({ source: 'api', requests: 1 });
    expect(await load({ cacheTtl: 60, cacheDir })).toEqual({ source: 'cache', requests: 0 });
    // With no folder to read, only memory could answer: it holds nothing, so the API is asked.
    expect(await load({ cacheTtl: 60 })).toEqual({ source: 'api', requests: 1 });
  });

  it('keeps only answers from the API, not the fallback copy', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const t = Date.UTC(2026, 11, 4, 3, 40, 0);
    vi.setSystemTime(t);
    expect(await load({ cacheTtl: 0, cacheDir })).toEqual({ source: 'api', requests: 1 });
    // A minute later the copy is past this TTL, and the API is down: the copy is the fallback.
    vi.setSystemTime(t + 61_000);
    emulator.inject({ kind: 'error', status: 503, code: 98004 }, { times: Infinity });
    expect((await load({ cacheTtl: 60, cacheDir, timeout: 1500 })).source).toBe('fallback');
    expect(warnings.join('\n')).toMatch(/using the last-known-good copy/);
    emulator.clearFaults();
    // A load with a longer TTL and no folder: memory holds nothing, the API is asked.
    expect(await load({ cacheTtl: 120 })).toEqual({ source: 'api', requests: 1 });
  });

  describe('in a process that has kept nothing yet', () => {
    const SLOT = Symbol.for('clarifai-secrets.memory-cache.v2');
    const global = globalThis as Record<symbol, unknown>;
    let saved: unknown;
    beforeEach(() => {
      saved = global[SLOT];
      delete global[SLOT];
    });
    afterEach(() => {
      global[SLOT] = saved;
    });

    it('a first load with cacheTtl 0, then one with a TTL, both ask the API', async () => {
      expect(await load({ cacheTtl: 0 })).toEqual({ source: 'api', requests: 1 });
      expect(await load({ cacheTtl: 60 })).toEqual({ source: 'api', requests: 1 });
      expect(await load({ cacheTtl: 60 })).toEqual({ source: 'cache', requests: 0 });
    });

    it('a watcher started where a parent loaded the selection polls with cacheTtl 0', async () => {
      // The parent's load, elsewhere: this process starts with the marker in its env, and nothing kept.
      const env: Env = {};
      await loadSecrets({ pat, baseUrl: emulator.url, envFile: false, cacheDir: false, secrets: 'MEM_KEY', env });
      delete global[SLOT];
      const changes: string[][] = [];
      const errors: unknown[] = [];
      const watcher = await watchSecrets({
        ...memKey(env),
        intervalMs: 50,
        onChange: (change) => changes.push(change.changed),
        onError: (error) => errors.push(error),
      });
      try {
        expect(watcher.report.source).toBe('marker');
        emulator.seed('ljm', [{ id: 'MEM_KEY', value: ROTATED }]);
        const end = Date.now() + 15_000;
        while (changes.length === 0 && errors.length === 0 && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 10));
        expect(errors.map((e) => (e as Error).name)).toEqual([]);
        expect(changes[0]).toEqual(['MEM_KEY']);
        expect(env['MEM_KEY'] === ROTATED).toBe(true);
      } finally {
        watcher.close();
      }
    });
  });
});
