/**
 * The trust boundaries, attacked from outside: spawned processes on the built package
 * against hostile folders, servers and proxies, all on 127.0.0.1.
 */
import { existsSync, mkdtempSync, readdirSync, unlinkSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { type Listening, hostileServer, proxy } from '../support/hostile.js';
import { expectNoLeak } from '../support/leaks.js';
import { CLI, type Project, makeProject } from '../support/package-link.js';
import { baseEnv, runNode } from '../support/spawn.js';

const PAT = 'pat-HARDEN-e2e-41c7d09b';
const USER = 'harden-user';
const VALUES = { HARDEN_A: 'value-HARDEN-a-5e1f09', HARDEN_B: 'value-HARDEN-b-77d2c4' };
const PLANTED = { PAT, ...VALUES };
const APP = 'console.log(JSON.stringify({ a: process.env.HARDEN_A ?? null }));\n';

let emulator: Emulator;
let project: Project;
let cacheDir: string;

beforeAll(async () => {
  // The name a working proxy is asked for (it tunnels every host to loopback).
  emulator = await startEmulator({ pats: { [PAT]: USER }, users: { [USER]: [] }, allowedHosts: ['clarifai-secrets-test.test'] });
  project = makeProject('cs-harden-');
  project.write('app.cjs', APP);
});
afterAll(async () => {
  await emulator.close();
  project.remove();
});
beforeEach(() => {
  emulator.reset();
  emulator.seed(USER, Object.entries(VALUES).map(([id, value]) => ({ id, value })));
  emulator.clearFaults();
  cacheDir = mkdtempSync(join(tmpdir(), 'cs-harden-cache-'));
});

function env(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return baseEnv({ CLARIFAI_PAT: PAT, CLARIFAI_API_BASE: emulator.url, CLARIFAI_SECRETS_CACHE_DIR: cacheDir, ...extra });
}

describe('a .env file in the current folder', () => {
  let recorder: Listening;
  let folder: Project;
  beforeAll(async () => {
    recorder = await hostileServer((_req, res) => res.end('{}'));
    folder = makeProject('cs-harden-cloned-');
    folder.write('app.cjs', APP);
    folder.write('.env', `CLARIFAI_API_BASE=${recorder.url}\nCLARIFAI_SECRETS_ALLOW_HTTP=true\n`);
  });
  afterAll(async () => {
    await recorder.close();
    folder.remove();
  });
  afterEach(() => expect(recorder.seen).toEqual([]));

  const exported = baseEnv({ CLARIFAI_PAT: PAT, CLARIFAI_SECRETS_TIMEOUT: '3000' });
  it.each([
    ['doctor', [CLI, 'doctor']],
    ['list', [CLI, 'list']],
    ['--import', ['--import', 'clarifai-secrets/register', 'app.cjs']],
    ['-r', ['-r', 'clarifai-secrets/register', 'app.cjs']],
  ])('cannot send an exported token elsewhere (%s)', async (_name, args) => {
    const ran = await runNode(args, { cwd: folder.dir, env: exported, killAfterMs: 20_000 });
    expect(ran.code).toBe(1);
    expect(ran.stdout + ran.stderr).toMatch(/CLARIFAI_API_BASE in .*\.env is not used/);
    expectNoLeak(ran.stdout + ran.stderr, PLANTED, 'output');
  });
});

describe('an empty or relative HOME', () => {
  it.each([
    ['', '--import'],
    ['relative-home', '-r'],
  ])('keeps no copy under the current folder (HOME=%j, %s), and says so once', async (HOME, flag) => {
    const folder = makeProject('cs-harden-home-');
    folder.write('app.cjs', APP);
    try {
      const ran = await runNode([flag, 'clarifai-secrets/register', 'app.cjs'], {
        cwd: folder.dir,
        env: { ...env({ CLARIFAI_SECRETS_CACHE_DIR: undefined }), HOME },
        killAfterMs: 20_000,
      });
      expect(ran.code).toBe(0);
      expect(JSON.parse(ran.stdout)).toEqual({ a: VALUES.HARDEN_A });
      expect(existsSync(join(folder.dir, '.cache'))).toBe(false);
      expect(existsSync(join(folder.dir, HOME, '.cache'))).toBe(false);
      expect(ran.stderr.match(/HOME is not an absolute path/g)).toHaveLength(1);
      expectNoLeak(ran.stderr, PLANTED, 'stderr');
    } finally {
      folder.remove();
    }
  });
});

describe('secrets named like the hooks of common children', () => {
  it('never reach `run -- git status` with the selection "*"', async () => {
    const repo = makeProject('cs-harden-git-');
    const marker = join(repo.dir, 'pwned');
    try {
      execFileSync('git', ['init', '-q', repo.dir]);
      emulator.seed(USER, [
        { id: 'GIT_CONFIG_PARAMETERS', value: `'core.fsmonitor'='touch ${marker}'` },
        { id: 'GIT_CONFIG_COUNT', value: '1' },
        { id: 'GIT_CONFIG_KEY_0', value: 'core.fsmonitor' },
        { id: 'GIT_CONFIG_VALUE_0', value: `touch ${marker}` },
      ]);
      const ran = await runNode([CLI, 'run', '--', 'git', 'status', '--short'], {
        cwd: repo.dir,
        env: env({ CLARIFAI_SECRETS: '*', CLARIFAI_SECRETS_DEBUG: 'true' }),
        killAfterMs: 20_000,
      });
      expect(ran.code).toBe(0);
      expect(existsSync(marker)).toBe(false);
      expect(ran.stderr).toMatch(/GIT_CONFIG_PARAMETERS/);
    } finally {
      repo.remove();
    }
  });
});

const ENTRIES: Array<[string, (dir: string) => string[]]> = [
  ['--import', () => ['--import', 'clarifai-secrets/register', 'app.cjs']],
  ['-r', () => ['-r', 'clarifai-secrets/register', 'app.cjs']],
  ['run', (dir) => [CLI, 'run', '--', process.execPath, join(dir, 'app.cjs')]],
];

describe('a proxy that cuts every CONNECT', () => {
  let cutter: Listening;
  beforeAll(async () => {
    cutter = await proxy('cuts');
  });
  afterAll(() => cutter.close());

  it.each(ENTRIES)('cannot hang %s past its deadline, nor be hammered', async (_name, args) => {
    cutter.seen.length = 0;
    const ran = await runNode(args(project.dir), {
      cwd: project.dir,
      // The host is only ever named to the proxy, which resolves nothing.
      env: env({
        HTTPS_PROXY: cutter.url,
        CLARIFAI_API_BASE: 'https://clarifai-secrets-test.invalid',
        CLARIFAI_SECRETS_TIMEOUT: '2000',
        CLARIFAI_SECRETS_FAIL_OPEN: 'true',
      }),
      killAfterMs: 25_000,
    });
    expect(ran.signal).toBeNull();
    expect(ran.code).toBe(0);
    expect(JSON.parse(ran.stdout)).toEqual({ a: null });
    expect(ran.stderr).toMatch(/^clarifai-secrets: warning: .*(proxy|ERR_NETWORK|ERR_TIMEOUT)/m);
    expect(cutter.seen.length).toBeGreaterThan(0);
    expect(cutter.seen.length).toBeLessThanOrEqual(20);
    expectNoLeak(ran.stdout + ran.stderr, PLANTED, 'output');
  });
});

describe('a working proxy', () => {
  let tunnel: Listening;
  beforeAll(async () => {
    tunnel = await proxy('tunnels', true);
  });
  afterAll(() => tunnel.close());

  it.each(ENTRIES)('carries the load of %s to a host that is not loopback', async (_name, args) => {
    tunnel.seen.length = 0;
    const ran = await runNode(args(project.dir), {
      cwd: project.dir,
      env: env({
        HTTPS_PROXY: tunnel.url,
        HTTP_PROXY: tunnel.url,
        CLARIFAI_API_BASE: emulator.url.replace('127.0.0.1', 'clarifai-secrets-test.test'),
        CLARIFAI_SECRETS_ALLOW_HTTP: 'true',
      }),
      killAfterMs: 25_000,
    });
    expect(ran.stderr).toBe('');
    expect(JSON.parse(ran.stdout)).toEqual({ a: VALUES.HARDEN_A });
    expect(tunnel.seen.length).toBeGreaterThan(0);
  });
});

describe('a proxy and a loopback base URL', () => {
  let recorder: Listening;
  beforeAll(async () => {
    recorder = await proxy('cuts');
  });
  afterAll(() => recorder.close());

  it.each([...ENTRIES, ['list', () => [CLI, 'list']] as [string, (dir: string) => string[]]])(
    'never sends the token through the proxy (%s)',
    async (_name, args) => {
      recorder.seen.length = 0;
      const ran = await runNode(args(project.dir), {
        cwd: project.dir,
        env: env({ HTTP_PROXY: recorder.url, HTTPS_PROXY: recorder.url, http_proxy: recorder.url }),
        killAfterMs: 25_000,
      });
      expect(ran.code).toBe(0);
      // The app prints the value; `list` prints the id.
      expect(ran.stdout.includes(VALUES.HARDEN_A) || ran.stdout.includes('HARDEN_A')).toBe(true);
      expect(recorder.seen).toEqual([]);
    },
  );
});

describe('a cache folder that cannot be made', () => {
  // Node's recursive mkdir loops forever under /proc; elsewhere there is nothing to show.
  const procfs = existsSync('/proc/self');
  it.skipIf(!procfs)('costs one warning, never the deadline (CLARIFAI_SECRETS_CACHE_DIR=/proc/nope)', async () => {
    for (const flag of ['--import', '-r']) {
      const ran = await runNode([flag, 'clarifai-secrets/register', 'app.cjs'], {
        cwd: project.dir,
        env: env({ CLARIFAI_SECRETS_CACHE_DIR: '/proc/nope/clarifai-secrets', CLARIFAI_SECRETS_TIMEOUT: '5000' }),
        killAfterMs: 20_000,
      });
      expect(ran.signal).toBeNull();
      expect(ran.code).toBe(0);
      expect(JSON.parse(ran.stdout)).toEqual({ a: VALUES.HARDEN_A });
      expect(ran.stderr.match(/cannot write the last-known-good copy/g)).toHaveLength(1);
    }
  });
});

describe('a FIFO in the cache folder', () => {
  const start = (flag: string, extra: Record<string, string> = {}) =>
    runNode([flag, 'clarifai-secrets/register', 'app.cjs'], { cwd: project.dir, env: env(extra), killAfterMs: 20_000 });

  /** Starts the app once to leave its copy, then puts a FIFO in its place and another beside it. */
  async function plantFifos(flag: string): Promise<{ copy: string; beside: string }> {
    expect((await start(flag)).code).toBe(0);
    const [name] = readdirSync(cacheDir).filter((entry) => entry.endsWith('.lkg'));
    const copy = join(cacheDir, name ?? 'none.lkg');
    unlinkSync(copy);
    const beside = join(cacheDir, 'anything.lkg');
    for (const path of [copy, beside]) execFileSync('mkfifo', ['-m', '600', path]);
    return { copy, beside };
  }

  it.each(['--import', '-r'])('cannot freeze a start that reads the copy (%s, a TTL): its secrets, and one warning per FIFO', async (flag) => {
    const { copy, beside } = await plantFifos(flag);
    const ran = await start(flag, { CLARIFAI_SECRETS_CACHE_TTL: '600' });
    expect(ran.signal).toBeNull();
    expect(ran.code).toBe(0);
    expect(JSON.parse(ran.stdout)).toEqual({ a: VALUES.HARDEN_A });
    // The read before the request, then the look for a replaced token's copies after the write.
    expect(ran.stderr).toBe(
      `clarifai-secrets: warning: ignoring the cached copy ${copy}: it is a FIFO, not a regular file; delete it\n` +
        `clarifai-secrets: warning: skipping ${beside} in the cache folder: it is a FIFO, not a regular file; delete it\n`,
    );
    expect(ran.ms).toBeLessThan(10_000);
    expectNoLeak(ran.stderr, PLANTED, 'stderr');
  });

  it.each(['--import', '-r'])('cannot freeze a fallback (%s): the API\'s error, and the warning', async (flag) => {
    const { copy } = await plantFifos(flag);
    emulator.inject({ kind: 'error', status: 503, code: 98004 }, { times: Infinity });
    const ran = await start(flag, { CLARIFAI_SECRETS_TIMEOUT: '3000' });
    expect(ran.signal).toBeNull();
    expect(ran.code).toBe(1);
    expect(ran.stdout).toBe('');
    const lines = ran.stderr.split('\n').filter(Boolean);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe(`clarifai-secrets: warning: ignoring the cached copy ${copy}: it is a FIFO, not a regular file; delete it`);
    expect(lines[1]).toMatch(/^clarifai-secrets: Clarifai had a server error.* \[ERR_\w+\]$/);
    expectNoLeak(ran.stderr, PLANTED, 'stderr');
  });
});

describe('a .env that is not a regular file (a cloned repository can hold one)', () => {
  it.each([
    ['--import', false],
    ['-r', false],
    ['--import', true],
    ['-r', true],
  ])('a FIFO named .env cannot freeze a start (%s, marker set: %s): one line naming it', async (flag, marked) => {
    const dir = makeProject('cs-harden-fifo-env-');
    try {
      dir.write('app.cjs', 'console.log("app ran");\n');
      execFileSync('mkfifo', ['-m', '600', join(dir.dir, '.env')]);
      const ran = await runNode([flag, 'clarifai-secrets/register', 'app.cjs'], {
        cwd: dir.dir,
        env: env(marked ? { CLARIFAI_SECRETS_LOADED: `1.${'0'.repeat(24)}.${'0'.repeat(24)}` } : {}),
        killAfterMs: 15_000,
      });
      expect(ran.signal).toBeNull();
      expect(ran.code).toBe(1);
      expect(ran.stderr).toMatch(/^clarifai-secrets: cannot read the env file .*\.env \(not a regular file\)/);
    } finally {
      dir.remove();
    }
  });
});
