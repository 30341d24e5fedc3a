/**
 * What the loader's tests share: one emulator whose user has a token per test (the
 * in-process cache outlives a test, and its key holds the token), its secrets seeded again
 * before each test, a fresh cache folder per test, and the warnings a test collects. After
 * each test, neither the warnings nor the folder may hold a planted token or value.
 *
 * The state is exported as live bindings: a test file imports `emulator`, `pat`, `cacheDir`
 * and `warnings`, calls `useLoaderHarness` once at its top level, and reads the current test's
 * values (vitest gives every test file its own copy of this module).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { expectNoLeak, expectNoLeakInFolder } from './leaks.js';

export let emulator: Emulator;
/** This test's own token. */
export let pat: string;
/** This test's own cache folder. */
export let cacheDir: string;
/** What the current test's loads warned (pass `(m) => warnings.push(m)` as `onWarning`). */
export const warnings: string[] = [];

export interface LoaderHarnessSetup {
  /** The user every token belongs to. */
  user: string;
  /** One per test, used in order: more than the file has tests. */
  tokens: readonly string[];
  /** The user's secrets at the start of each test, by id. */
  secrets: Record<string, string>;
  /** What must never show in a warning or a cache file, by label (tokens included). */
  planted: Record<string, string>;
  /** The start of each test's cache folder name under the temp folder. */
  folder: string;
}

export function useLoaderHarness(setup: LoaderHarnessSetup): void {
  let next = 0;
  beforeAll(async () => {
    emulator = await startEmulator({ pats: Object.fromEntries(setup.tokens.map((token) => [token, setup.user])), users: { [setup.user]: [] } });
  });
  afterAll(() => emulator.close());
  beforeEach(() => {
    emulator.reset();
    emulator.seed(setup.user, Object.entries(setup.secrets).map(([id, value]) => ({ id, value })));
    emulator.clearRequests();
    const token = setup.tokens[next++];
    if (token === undefined) throw new Error(`useLoaderHarness: more tests than the ${setup.tokens.length} tokens given`);
    pat = token;
    cacheDir = mkdtempSync(join(tmpdir(), setup.folder));
    warnings.length = 0;
  });
  afterEach(() => {
    emulator.clearFaults();
    for (const line of warnings) expectNoLeak(line, setup.planted, 'a warning');
    expectNoLeakInFolder(cacheDir, setup.planted);
  });
}
