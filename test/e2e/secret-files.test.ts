/**
 * Secrets as files (NAME=@ID, clarifai://secrets/@ID) on every entry point, in spawned
 * processes on the built package: the program reads the file at the path its variable
 * holds, the file is 0600 in a 0700 folder, and it is gone once the process (for `run`, the
 * child) has ended, whichever way it ended.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { CLI, type Project, makeProject } from '../support/package-link.js';
import { baseEnv, runNode } from '../support/spawn.js';
import { expectNoLeak, expectNoLeakInFolder } from '../support/leaks.js';

const PAT = 'pat-FILES-e2e-6b1d9f04';
const USER = 'files-user';
// Past the 128 KiB no environment variable can hold, multi-line like a PEM key, with a NUL.
const KEY = `-----BEGIN PRIVATE KEY-----\n${'FILESKEY-77c1e0aa'.repeat(9000)}\n\0-----END PRIVATE KEY-----\n`;
const JSON_KEY = '{"type":"service_account","private_key":"files-json-4f2a9d"}';
const PLAIN = 'files-plain-value-3c8e';

const sha = (text: string): string => createHash('sha256').update(text).digest('hex');
const planted = { KEY, JSON_KEY, PLAIN, PAT };

let emulator: Emulator;
let project: Project;
let runtime: string;

/** A fresh runtime folder per test: its `clarifai-secrets` root holds only that test's files. */
function env(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return baseEnv({ CLARIFAI_PAT: PAT, CLARIFAI_API_BASE: emulator.url, CLARIFAI_SECRETS_CACHE_DIR: 'off', XDG_RUNTIME_DIR: runtime, ...extra });
}

interface Seen {
  path: string;
  mode: string;
  folderMode: string;
  sha: string | null;
  plain?: string | null;
}

function seen(stdout: string): Seen {
  const line = stdout.split('\n').find((l) => l.startsWith('{'));
  expect(line, 'the app printed what it saw').toBeDefined();
  return JSON.parse(line as string) as Seen;
}

function expectFile(s: Seen, value: string): void {
  expect(s.sha).toBe(sha(value));
  expect(s.mode).toBe('600');
  expect(s.folderMode).toBe('700');
  expect(s.path.startsWith(join(runtime, 'clarifai-secrets') + '/')).toBe(true);
}

beforeAll(async () => {
  emulator = await startEmulator({
    pats: { [PAT]: USER },
    users: { [USER]: [{ id: 'tls-key', value: KEY }, { id: 'gcp-key', value: JSON_KEY }, { id: 'PLAIN', value: PLAIN }] },
  });
  project = makeProject('cs-files-');
  const report = `const fs = require('node:fs');
const path = require('node:path');
function seen(name) {
  const p = process.env[name];
  if (p === undefined) return { path: null };
  const st = fs.statSync(p);
  return { path: p, mode: (st.mode & 0o777).toString(8), folderMode: (fs.statSync(path.dirname(p)).mode & 0o777).toString(8),
    sha: require('node:crypto').createHash('sha256').update(fs.readFileSync(p, 'utf8')).digest('hex'), plain: process.env.PLAIN ?? null };
}
`;
  project.write('seen.cjs', `${report}module.exports = seen;\n`);
  project.write('app.cjs', `console.log(JSON.stringify(require('./seen.cjs')(process.argv[2] ?? 'TLS_KEY')));\n`);
  project.write(
    'api.mjs',
    `import { loadSecrets } from 'clarifai-secrets';
import seen from './seen.cjs';
const report = await loadSecrets({ secrets: 'TLS_KEY=@tls-key' });
console.log(JSON.stringify({ ...seen('TLS_KEY'), set: report.set }));
`,
  );
  project.write(
    'api-sync.cjs',
    `const { loadSecretsSync } = require('clarifai-secrets');
const report = loadSecretsSync({ secrets: 'TLS_KEY=@tls-key' });
console.log(JSON.stringify({ ...require('./seen.cjs')('TLS_KEY'), set: report.set }));
`,
  );
});
afterAll(async () => {
  await emulator.close();
  project.remove();
});
beforeEach(() => {
  runtime = mkdtempSync(join(tmpdir(), 'cs-files-runtime-'));
  emulator.seed(USER, [{ id: 'tls-key', value: KEY }, { id: 'gcp-key', value: JSON_KEY }, { id: 'PLAIN', value: PLAIN }]);
});

/** No folder of any process is left in the root. */
function expectNothingLeft(): void {
  const root = join(runtime, 'clarifai-secrets');
  expect(existsSync(root) ? readdirSync(root) : []).toEqual([]);
}

describe('NAME=@ID on every entry point', () => {
  it.each([
    ['--import', ['--import', 'clarifai-secrets/register', 'app.cjs']],
    ['-r', ['-r', 'clarifai-secrets/register', 'app.cjs']],
    ['loadSecrets', ['api.mjs']],
    ['loadSecretsSync', ['api-sync.cjs']],
    ['run', [CLI, 'run', '--', process.execPath, 'app.cjs']],
  ])('%s: the variable holds the path of a 0600 file with the value, gone at the end', async (_label, args) => {
    const ran = await runNode(args, { cwd: project.dir, env: env({ CLARIFAI_SECRETS: 'TLS_KEY=@tls-key, PLAIN' }) });
    expect(ran.code, ran.stderr).toBe(0);
    const s = seen(ran.stdout);
    expectFile(s, KEY);
    expect(existsSync(s.path)).toBe(false);
    expect(existsSync(dirname(s.path))).toBe(false);
    expectNothingLeft();
    expectNoLeak(ran.stderr, planted, 'stderr');
  });

  it('run --mask conceals what the file holds when the child prints it', async () => {
    const ran = await runNode([CLI, 'run', '--mask', '--secrets', 'GCP=@gcp-key', '--', 'sh', '-c', 'cat "$GCP"; echo; echo "$GCP"'], { cwd: project.dir, env: env() });
    expect(ran.code, ran.stderr).toBe(0);
    const [shown, path] = ran.stdout.split('\n');
    expect(shown).toBe('<concealed>');
    expect(path?.startsWith(join(runtime, 'clarifai-secrets'))).toBe(true);
    expectNoLeak(ran.stdout + ran.stderr, planted, 'output');
  });

  it('@ID names the variable as ID would be, and ? makes it optional', async () => {
    const ran = await runNode(['-r', 'clarifai-secrets/register', 'app.cjs', 'gcp_key'], {
      cwd: project.dir,
      env: env({ CLARIFAI_SECRETS: '@gcp-key, NOPE=@no-such-id?' }),
    });
    expect(ran.code, ran.stderr).toBe(0);
    expectFile(seen(ran.stdout), JSON_KEY);
    expect(ran.stderr).toBe('');
  });

  it('the reference form, in the env and in the .env file, sets the path', async () => {
    const dir = makeProject('cs-files-dotenv-');
    try {
      dir.write('.env', 'GOOGLE_APPLICATION_CREDENTIALS=clarifai://secrets/@gcp-key\n');
      dir.write('app.cjs', `console.log(JSON.stringify(require(${JSON.stringify(join(project.dir, 'seen.cjs'))})(process.argv[2])));\n`);
      const fromFile = await runNode(['--import', 'clarifai-secrets/register', 'app.cjs', 'GOOGLE_APPLICATION_CREDENTIALS'], { cwd: dir.dir, env: env() });
      expect(fromFile.code, fromFile.stderr).toBe(0);
      expectFile(seen(fromFile.stdout), JSON_KEY);
      const fromEnv = await runNode(['-r', 'clarifai-secrets/register', 'app.cjs', 'TLS'], {
        cwd: dir.dir,
        env: env({ TLS: 'clarifai://users/me/secrets/@tls-key' }),
      });
      expect(fromEnv.code, fromEnv.stderr).toBe(0);
      expectFile(seen(fromEnv.stdout), KEY);
      expectNothingLeft();
    } finally {
      dir.remove();
    }
  });

  it('a child that inherits the marker reuses the path and fetches nothing', async () => {
    project.write(
      'parent.cjs',
      `const { execFileSync } = require('node:child_process');
const child = execFileSync(process.execPath, ['app.cjs'], { encoding: 'utf8' });
const mine = require('./seen.cjs')('TLS_KEY');
console.log(JSON.stringify({ ...mine, child: JSON.parse(child) }));
`,
    );
    emulator.clearRequests();
    const ran = await runNode(['parent.cjs'], {
      cwd: project.dir,
      env: env({ CLARIFAI_SECRETS: 'TLS_KEY=@tls-key', NODE_OPTIONS: '--import clarifai-secrets/register' }),
    });
    expect(ran.code, ran.stderr).toBe(0);
    const s = seen(ran.stdout) as Seen & { child: Seen };
    expectFile(s.child, KEY);
    expect(s.child.path).toBe(s.path);
    // The parent fetched, once; the child's preload saw the marker.
    expect(emulator.requests).toHaveLength(1);
    expectNothingLeft();
  });
});

describe('watchSecrets', () => {
  it('a changed value rewrites the file in place and is reported by name', async () => {
    const NEW = 'files-rotated-key-91d3';
    project.write(
      'watch.mjs',
      `import { SecretsClient, watchSecrets } from 'clarifai-secrets';
import seen from './seen.cjs';
// The watcher's timer keeps nothing alive: this does, until the change came.
const alive = setInterval(() => {}, 1000);
const watcher = await watchSecrets({
  secrets: 'TLS_KEY=@tls-key', intervalMs: 200,
  onChange(change) { console.log(JSON.stringify({ change, ...seen('TLS_KEY') })); watcher.close(); clearInterval(alive); },
});
console.log(JSON.stringify(seen('TLS_KEY')));
await new SecretsClient().update([{ id: 'tls-key', value: ${JSON.stringify(NEW)} }]);
`,
    );
    const ran = await runNode(['watch.mjs'], { cwd: project.dir, env: env(), killAfterMs: 15_000 });
    expect(ran.code, ran.stderr).toBe(0);
    const [first, after] = ran.stdout.trim().split('\n').map((line) => JSON.parse(line) as Seen & { change?: unknown });
    expectFile(first as Seen, KEY);
    expect(after?.change).toEqual({ changed: ['TLS_KEY'], added: [], removed: [] });
    expect(after?.path).toBe(first?.path);
    expect(after?.sha).toBe(sha(NEW));
    expect(existsSync(first?.path as string)).toBe(false);
    expectNoLeak(ran.stderr, { ...planted, NEW }, 'stderr');
  });
});

describe('the files go when the process goes', () => {
  it('after an uncaught error', async () => {
    project.write('throws.cjs', `console.log(JSON.stringify(require('./seen.cjs')('TLS_KEY')));\nthrow new Error('app failed');\n`);
    const ran = await runNode(['--import', 'clarifai-secrets/register', 'throws.cjs'], { cwd: project.dir, env: env({ CLARIFAI_SECRETS: 'TLS_KEY=@tls-key' }) });
    expect(ran.code).toBe(1);
    expect(existsSync(seen(ran.stdout).path)).toBe(false);
    expectNothingLeft();
  });

  it.each([['SIGTERM'], ['SIGINT'], ['SIGHUP']] as const)('on %s, and the process still dies of it', async (signal) => {
    project.write('waits.cjs', `console.log(JSON.stringify(require('./seen.cjs')('TLS_KEY')));\nsetInterval(() => {}, 1000);\n`);
    const ran = await runNode(['-r', 'clarifai-secrets/register', 'waits.cjs'], {
      cwd: project.dir,
      env: env({ CLARIFAI_SECRETS: 'TLS_KEY=@tls-key' }),
      stopWhen: (out) => out.includes('\n'),
      stopSignal: signal,
    });
    expect(ran.signal).toBe(signal);
    expect(existsSync(seen(ran.stdout).path)).toBe(false);
    expectNothingLeft();
  });

  it('a worker thread that loads them removes them as it ends, while the process goes on', async () => {
    project.write(
      'worker.mjs',
      `import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
const worker = new Worker(\`const { loadSecrets } = require('clarifai-secrets');
loadSecrets({ secrets: 'TLS_KEY=@tls-key' }).then(() => {
  require('node:worker_threads').parentPort.postMessage(process.env.TLS_KEY);
  setTimeout(() => {}, 300);
});\`, { eval: true });
let path;
worker.on('message', (p) => { path = p; console.log('while it runs: ' + existsSync(p)); });
worker.on('exit', () => console.log('after it ended: ' + existsSync(path)));
`,
    );
    const ran = await runNode(['worker.mjs'], { cwd: project.dir, env: env() });
    expect(ran.stdout, ran.stderr).toBe('while it runs: true\nafter it ended: false\n');
  });

  it("an app's own signal handler decides when it ends, and the files are there until it does", async () => {
    project.write(
      'graceful.cjs',
      `const seen = require('./seen.cjs');
console.log(JSON.stringify(seen('TLS_KEY')));
process.on('SIGTERM', () => {
  setTimeout(() => { console.log(JSON.stringify({ still: require('node:fs').existsSync(process.env.TLS_KEY) })); process.exit(0); }, 100);
});
setInterval(() => {}, 1000);
`,
    );
    const ran = await runNode(['--import', 'clarifai-secrets/register', 'graceful.cjs'], {
      cwd: project.dir,
      env: env({ CLARIFAI_SECRETS: 'TLS_KEY=@tls-key' }),
      stopWhen: (out) => out.split('\n').length === 2,
    });
    expect(ran.code).toBe(0);
    expect(ran.stdout).toContain('{"still":true}');
    expect(existsSync(seen(ran.stdout).path)).toBe(false);
  });

  it('a later start removes the folders of processes that no longer run, and leaves live ones', async () => {
    const root = join(runtime, 'clarifai-secrets');
    mkdirSync(root, { mode: 0o700 });
    const tag = createHash('sha256').update(hostname()).digest('hex').slice(0, 8);
    // The pid of a process that has ended.
    const ended = await runNode(['-p', 'process.pid']);
    const deadPid = Number(ended.stdout.trim());
    const dead = join(root, `${tag}-${deadPid}-AbC123`);
    const live = join(root, `${tag}-${process.pid}-XyZ789`);
    const otherHost = join(root, `00000000-${deadPid}-QqQ000`);
    for (const folder of [dead, live, otherHost]) {
      mkdirSync(folder, { mode: 0o700 });
      writeFileSync(join(folder, 'OLD'), 'left behind', { mode: 0o600 });
    }
    const ran = await runNode(['-r', 'clarifai-secrets/register', 'app.cjs'], { cwd: project.dir, env: env({ CLARIFAI_SECRETS: 'TLS_KEY=@tls-key' }) });
    expect(ran.code, ran.stderr).toBe(0);
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(live)).toBe(true);
    expect(existsSync(otherHost)).toBe(true);
  });
});

describe('the last-known-good copy', () => {
  it('serves a file secret on a fallback like any other, and holds no value in clear', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'cs-files-cache-'));
    const withCache = env({ CLARIFAI_SECRETS: 'GCP=@gcp-key', CLARIFAI_SECRETS_CACHE_DIR: cacheDir });
    const first = await runNode(['-r', 'clarifai-secrets/register', 'app.cjs', 'GCP'], { cwd: project.dir, env: withCache });
    expect(first.code, first.stderr).toBe(0);
    emulator.inject({ kind: 'error', status: 503, code: 98004 }, { times: Infinity });
    try {
      const fallback = await runNode(['--import', 'clarifai-secrets/register', 'app.cjs', 'GCP'], { cwd: project.dir, env: withCache });
      expect(fallback.code, fallback.stderr).toBe(0);
      expectFile(seen(fallback.stdout), JSON_KEY);
      expect(fallback.stderr).toMatch(/last-known-good/);
    } finally {
      emulator.clearFaults();
    }
    expectNoLeakInFolder(cacheDir, planted);
    expectNothingLeft();
  });
});

/** A file system this small cannot hold the key: a full disk, where root may mount one. */
function smallDisk(): string | undefined {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'cs-files-full-'));
  return spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k,mode=700', 'tmpfs', dir], { stdio: 'ignore' }).status === 0 ? dir : undefined;
}

const disk = smallDisk();
afterAll(() => {
  if (disk) spawnSync('umount', [disk]);
});

describe('a disk that fills up', () => {
  it.skipIf(!disk)('keeps the last-known-good copy whole: a copy cut short never replaces it', async () => {
    const cacheDir = join(disk as string, 'cache');
    const withCache = env({ CLARIFAI_SECRETS: 'PLAIN', CLARIFAI_SECRETS_CACHE_DIR: cacheDir });
    const first = await runNode(['-r', 'clarifai-secrets/register', 'app.cjs'], { cwd: project.dir, env: withCache });
    expect(first.code, first.stderr).toBe(0);
    // Fill the disk to a few KB, then make the next copy larger than what is left.
    const filler = join(disk as string, 'filler');
    const free = Number(spawnSync('sh', ['-c', `df -k --output=avail "${disk as string}" | tail -1`], { encoding: 'utf8' }).stdout.trim());
    spawnSync('sh', ['-c', `head -c ${(free - 8) * 1024} /dev/zero > "${filler}"`]);
    const BIGGER = `files-bigger-${'b'.repeat(12_000)}`;
    emulator.seed(USER, [{ id: 'PLAIN', value: BIGGER }]);
    const second = await runNode(['-r', 'clarifai-secrets/register', 'app.cjs'], { cwd: project.dir, env: withCache });
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(/ENOSPC/);
    spawnSync('rm', ['-f', filler]);
    emulator.inject({ kind: 'error', status: 503, code: 98004 }, { times: Infinity });
    try {
      project.write('plain.cjs', 'console.log(process.env.PLAIN === ' + JSON.stringify(PLAIN) + ' ? "old value" : "other");\n');
      const fallback = await runNode(['-r', 'clarifai-secrets/register', 'plain.cjs'], { cwd: project.dir, env: withCache });
      expect(fallback.stdout, fallback.stderr).toBe('old value\n');
      expect(fallback.stderr).toMatch(/last-known-good/);
    } finally {
      emulator.clearFaults();
    }
  });
});

describe('bad input: one line, no file left', () => {

  it.skipIf(!disk)('a full disk', async () => {
    runtime = join(disk as string, 'runtime');
    mkdirSync(runtime);
    const ran = await runNode(['-r', 'clarifai-secrets/register', 'app.cjs'], { cwd: project.dir, env: env({ CLARIFAI_SECRETS: 'PLAIN_FILE=@PLAIN, TLS_KEY=@tls-key' }) });
    expect(ran.code, ran.stdout).toBe(1);
    expect(ran.stdout).toBe('');
    expect(ran.stderr).toMatch(/^clarifai-secrets: cannot write the file of TLS_KEY in .*\(no space left on the device\).*\[ERR_FILE\]\n$/);
    expectNoLeak(ran.stderr, planted, 'stderr');
    expectNothingLeft();
  });

  it.each([
    ['a required id that does not exist', 'TLS_KEY=@tls-key, NOPE=@no-such-id', /^clarifai-secrets: .*no-such-id.*\[ERR_MISSING_SECRETS\]\n$/],
    ['an exec-hook name, even mapped', 'NODE_OPTIONS=@tls-key', /^clarifai-secrets: CLARIFAI_SECRETS entry "NODE_OPTIONS=@tls-key" would put a file's path into NODE_OPTIONS.*\[ERR_CONFIG\]\n$/],
    ['LD_PRELOAD as a file', 'LD_PRELOAD=@tls-key', /LD_PRELOAD.*\[ERR_CONFIG\]\n$/],
    ['a name asked for as a value and as a file', 'TLS_KEY=tls-key, TLS_KEY=@tls-key', /both as a value and as a file.*\[ERR_CONFIG\]\n$/],
  ])('%s', async (_label, secrets, line) => {
    for (const args of [['-r', 'clarifai-secrets/register', 'app.cjs'], [CLI, 'run', '--', process.execPath, 'app.cjs']]) {
      const ran = await runNode(args, { cwd: project.dir, env: env({ CLARIFAI_SECRETS: secrets }) });
      expect(ran.code).toBe(1);
      expect(ran.stdout).toBe('');
      expect(ran.stderr).toMatch(line);
      expectNoLeak(ran.stderr, planted, 'stderr');
      expectNothingLeft();
    }
  });

  it('a file reference into an exec-hook name is refused, from the env and from a .env file', async () => {
    const ran = await runNode(['-r', 'clarifai-secrets/register', 'app.cjs'], { cwd: project.dir, env: env({ BASH_ENV: 'clarifai://secrets/@tls-key' }) });
    expect(ran.code).toBe(1);
    expect(ran.stderr).toMatch(/^clarifai-secrets: BASH_ENV holds a file reference that would put a file's path into BASH_ENV.*\[ERR_CONFIG\]\n$/);
    const dir = makeProject('cs-files-hook-');
    try {
      dir.write('.env', 'CLARIFAI_SECRETS=GIT_SSH=@tls-key\n');
      dir.write('app.cjs', 'console.log(process.env.GIT_SSH ?? "unset");\n');
      const fromFile = await runNode(['--import', 'clarifai-secrets/register', 'app.cjs'], { cwd: dir.dir, env: env() });
      expect(fromFile.code).toBe(1);
      expect(fromFile.stderr).toMatch(/GIT_SSH.*\[ERR_CONFIG\]\n$/);
    } finally {
      dir.remove();
    }
    expectNothingLeft();
  });

  it('a root folder that is not private is refused, and nothing is written in it', async () => {
    const root = join(runtime, 'clarifai-secrets');
    mkdirSync(root, { mode: 0o755 });
    const ran = await runNode(['-r', 'clarifai-secrets/register', 'app.cjs'], { cwd: project.dir, env: env({ CLARIFAI_SECRETS: 'TLS_KEY=@tls-key' }) });
    expect(ran.code).toBe(1);
    expect(ran.stderr).toMatch(/^clarifai-secrets: cannot keep secret files private: .* is not a folder of yours that only you can open.*\[ERR_FILE\]\n$/);
    expect(readdirSync(root)).toEqual([]);
    expect(statSync(root).mode & 0o777).toBe(0o755);
  });
});
