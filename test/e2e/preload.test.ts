/**
 * The preload as users run it: real `node --import clarifai-secrets/register` and
 * `node -r clarifai-secrets/register` processes on the built package, against the emulator,
 * on every node binary of test/support/nodes.ts.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { expectNoLeak, expectNoLeakInFolder } from '../support/leaks.js';
import { type Project, REPO_ROOT, makeProject } from '../support/package-link.js';
import { EXTRA_NODES_VAR, NODES, type NodeBinary, ONLY_THIS_NODE } from '../support/nodes.js';
import { type Ran, type RunOptions, baseEnv, run } from '../support/spawn.js';

const PAT = 'pat-E2E-PRELOAD-0c4f7a19';
const VALUES = {
  OPENAI_API_KEY: 'sk-E2E-openai-value-77aa',
  'stripe-key': 'sk_E2E_stripe_value_88bb',
  NODE_OPTIONS: '--E2E-dangerous-value-99cc',
};
const PLANTED = { PAT, ...VALUES };

// The app prints what it sees, as JSON, and proves it ran.
const APP_ESM = `console.log(JSON.stringify({ ran: true, env: {
  OPENAI_API_KEY: process.env.OPENAI_API_KEY, stripe_key: process.env.stripe_key,
  NODE_OPTIONS: process.env.NODE_OPTIONS, MINE: process.env.MINE } }));\n`;

// What the cache folder holds when the app's first line runs, and whether the secrets are there.
const FIRST_LINE = `const fs = require('node:fs');
const dir = process.env.CLARIFAI_SECRETS_CACHE_DIR;
console.log(JSON.stringify({ copies: fs.readdirSync(dir).length, loaded: process.env.OPENAI_API_KEY !== undefined }));
if (process.argv[2] === 'exit') process.exit(0);
`;
const FIRST_LINE_ESM = `import { readdirSync } from 'node:fs';
console.log(JSON.stringify({ copies: readdirSync(process.env.CLARIFAI_SECRETS_CACHE_DIR).length, loaded: process.env.OPENAI_API_KEY !== undefined }));
`;

let emulator: Emulator;
let project: Project;
let cacheDir: string;

beforeAll(async () => {
  emulator = await startEmulator({ pats: { [PAT]: 'e2e-user' }, users: { 'e2e-user': [] } });
  project = makeProject();
  project.write('app.mjs', APP_ESM);
  project.write('app.cjs', APP_ESM);
  project.write('first-line.cjs', FIRST_LINE);
  // A .js main (the usual name) and an ES module: Node 20's ESM loader takes several turns of
  // the event loop to start either after an --import preload, and a .cjs one fewer.
  project.write('first-line.js', FIRST_LINE);
  project.write('first-line.mjs', FIRST_LINE_ESM);
});
afterAll(async () => {
  await emulator.close();
  project.remove();
});
beforeEach(() => {
  emulator.reset();
  emulator.seed('e2e-user', Object.entries(VALUES).map(([id, value]) => ({ id, value })));
  emulator.clearRequests();
  emulator.clearFaults();
  cacheDir = mkdtempSync(join(tmpdir(), 'cs-e2e-cache-'));
});
afterEach(() => expectNoLeakInFolder(cacheDir, PLANTED));

const modes = [
  ['--import', ['--import', 'clarifai-secrets/register', 'app.mjs']],
  ['-r', ['-r', 'clarifai-secrets/register', 'app.cjs']],
] as const;

it.skipIf(ONLY_THIS_NODE)(`runs on other Node versions too (${EXTRA_NODES_VAR}, set by .ci/run)`, () => {
  expect(NODES.length).toBeGreaterThan(1);
});

describe.each(NODES.flatMap((node) => modes.map(([flag, args]) => [`${node.version} ${flag}`, node, flag, args] as const)))('node %s clarifai-secrets/register', (_name, node: NodeBinary, _flag, args) => {
  async function start(
    env: Record<string, string | undefined> = {},
    extraArgs: readonly string[] = args,
    more: RunOptions = {},
  ): Promise<Ran & { app?: { env: Record<string, string> } }> {
    const ran = await run(node.bin, [...extraArgs], {
      ...more,
      cwd: project.dir,
      env: baseEnv({
        CLARIFAI_PAT: PAT,
        CLARIFAI_API_BASE: emulator.url,
        CLARIFAI_SECRETS_CACHE_DIR: cacheDir,
        CLARIFAI_SECRETS_TIMEOUT: '3000',
        ...env,
      }),
    });
    // Nothing the preload prints may hold a value; the app's own stdout may.
    expectNoLeak(ran.stderr, PLANTED, 'stderr');
    const line = ran.stdout.split('\n').find((l) => l.startsWith('{'));
    return line ? { ...ran, app: JSON.parse(line) } : ran;
  }

  it('loads every secret before the first line, silently, and skips a dangerous name', async () => {
    const ran = await start();
    expect(ran.code).toBe(0);
    expect(ran.stderr).toBe('');
    expect(ran.app?.env).toEqual({ OPENAI_API_KEY: VALUES.OPENAI_API_KEY, stripe_key: VALUES['stripe-key'] });
  });

  it('loads named and mapped secrets, hyphenated ids included', async () => {
    const ran = await start({ CLARIFAI_SECRETS: 'OPENAI_API_KEY MINE=stripe-key' });
    expect(ran.app?.env).toEqual({ OPENAI_API_KEY: VALUES.OPENAI_API_KEY, MINE: VALUES['stripe-key'] });
  });

  it('sets a dangerous name that is mapped explicitly', async () => {
    const ran = await start({ CLARIFAI_SECRETS: 'NODE_OPTIONS=NODE_OPTIONS' });
    expect(ran.app?.env['NODE_OPTIONS']).toBe(VALUES.NODE_OPTIONS);
  });

  it('stops the app with every missing id named, and exit code 1', async () => {
    const ran = await start({ CLARIFAI_SECRETS: 'OPENAI_API_KEY,GONE_ONE,GONE_TWO,MAYBE?' });
    expect(ran.code).toBe(1);
    expect(ran.app).toBeUndefined();
    expect(ran.stderr).toMatch(/^clarifai-secrets: 2 secrets not found: GONE_ONE, GONE_TWO; .* \[ERR_MISSING_SECRETS\]\n$/);
    expect(ran.stderr.split('\n')).toHaveLength(2);
  });

  it('warns once, by name only, about a variable that looks like a misspelt setting, and starts', async () => {
    const ran = await start({ CLARIFAI_SECRET: 'STRIPE-misspelt-VALUE-61', CLARIFAI_SECRETS_TTL: '60' });
    expect(ran.code).toBe(0);
    expect(ran.app?.env['OPENAI_API_KEY']).toBe(VALUES.OPENAI_API_KEY);
    expect(ran.stderr).toBe(
      'clarifai-secrets: warning: variables that look like misspelt settings are set and ignored: CLARIFAI_SECRET (did you mean CLARIFAI_SECRETS?), CLARIFAI_SECRETS_TTL\n',
    );
  });

  it('reports optional ids that are missing in debug mode, and starts', async () => {
    const ran = await start({ CLARIFAI_SECRETS: 'OPENAI_API_KEY,MAYBE?', CLARIFAI_SECRETS_DEBUG: 'true' });
    expect(ran.code).toBe(0);
    expect(ran.stderr).toMatch(/^clarifai-secrets: loaded 1 secret from api in [\d.]+ ms: OPENAI_API_KEY; missing optional: MAYBE\n$/);
  });

  it('keeps a variable that is already set, unless override is on', async () => {
    const kept = await start({ CLARIFAI_SECRETS: 'MINE=stripe-key', MINE: 'already' });
    expect(kept.app?.env['MINE']).toBe('already');
    const replaced = await start({ CLARIFAI_SECRETS: 'MINE=stripe-key', MINE: 'already', CLARIFAI_SECRETS_OVERRIDE: 'true' });
    expect(replaced.app?.env['MINE']).toBe(VALUES['stripe-key']);
  });

  it('fails open with a warning when asked to', async () => {
    const ran = await start({ CLARIFAI_PAT: 'pat-E2E-wrong', CLARIFAI_SECRETS_FAIL_OPEN: 'yes' });
    expect(ran.code).toBe(0);
    expect(ran.app?.env).toEqual({});
    expect(ran.stderr).toMatch(/^clarifai-secrets: warning: Clarifai refused the token .*FAIL_OPEN.*\n$/);
  });

  it('names a bad setting and stops', async () => {
    const ran = await start({ CLARIFAI_SECRETS_TIMEOUT: 'soon' });
    expect(ran.code).toBe(1);
    expect(ran.stderr).toMatch(/^clarifai-secrets: CLARIFAI_SECRETS_TIMEOUT must be a whole number/);
  });

  it('does not fetch again in a worker thread or a child process', async () => {
    project.write(
      'family.mjs',
      `import { Worker } from 'node:worker_threads';
import { execFileSync } from 'node:child_process';
await new Promise((resolve, reject) => {
  const w = new Worker('process.exit(process.env.OPENAI_API_KEY ? 0 : 3)', { eval: true });
  w.on('exit', (code) => (code === 0 ? resolve() : reject(new Error('worker did not see the secret'))));
});
const child = execFileSync(process.execPath, ['-e', 'process.stdout.write(process.env.OPENAI_API_KEY ? "yes" : "no")'], { encoding: 'utf8' });
console.log(JSON.stringify({ env: { child } }));
`,
    );
    const ran = await start({ NODE_OPTIONS: `${args[0]} clarifai-secrets/register` }, ['family.mjs']);
    expect(ran.code).toBe(0);
    expect(ran.app?.env['child']).toBe('yes');
    // One list walk for the parent; none for the worker or the child.
    expect(emulator.requests).toHaveLength(2);
  });

  it.each([['a script'], ['a script calling process.exit()'], ['-e (with -r: the worker thread path)'], ['a .js script'], ['an ES module']])('writes the copy after the app\'s first line, and before the process ends: %s', async (how) => {
    const script = how === 'a .js script' ? 'first-line.js' : how === 'an ES module' ? 'first-line.mjs' : 'first-line.cjs';
    const main = how.startsWith('-e') ? ['-e', FIRST_LINE] : [script, ...(how.includes('exit') ? ['exit'] : [])];
    const ran = await start({}, [args[0], args[1], ...main]);
    expect(ran.code).toBe(0);
    expect(ran.stdout).toBe('{"copies":0,"loaded":true}\n');
    expect(readdirSync(cacheDir)).toHaveLength(1);
    // The copy written late is the one a later outage serves.
    emulator.inject({ kind: 'error', status: 503, code: 98004 }, { times: Infinity });
    const fallback = await start({ CLARIFAI_SECRETS_TIMEOUT: '5000' });
    expect(fallback.app?.env['OPENAI_API_KEY']).toBe(VALUES.OPENAI_API_KEY);
  });

  it('starts from the last-known-good copy when the API is down, and says so', async () => {
    expect((await start()).code).toBe(0);
    emulator.inject({ kind: 'error', status: 503, code: 98004 }, { times: Infinity });
    const ran = await start({ CLARIFAI_SECRETS_TIMEOUT: '5000' });
    expect(ran.code).toBe(0);
    expect(ran.app?.env['OPENAI_API_KEY']).toBe(VALUES.OPENAI_API_KEY);
    expect(ran.stderr).toMatch(/^clarifai-secrets: warning: Clarifai had a server error .*last-known-good copy from \d+ s ago\n$/);
  });

  it('starts from the copy when the server is gone (connection refused)', async () => {
    const doomed = await startEmulator({ pats: { [PAT]: 'e2e-user' }, users: { 'e2e-user': [{ id: 'OPENAI_API_KEY', value: VALUES.OPENAI_API_KEY }] } });
    expect((await start({ CLARIFAI_API_BASE: doomed.url })).code).toBe(0);
    await doomed.close();
    const ran = await start({ CLARIFAI_API_BASE: doomed.url, CLARIFAI_SECRETS_TIMEOUT: '5000' });
    expect(ran.code).toBe(0);
    expect(ran.app?.env['OPENAI_API_KEY']).toBe(VALUES.OPENAI_API_KEY);
    expect(ran.stderr).toMatch(/connection refused.*last-known-good copy/);
  });

  it('never falls back after a 401, and removes the copy', async () => {
    expect((await start()).code).toBe(0);
    expect(readdirSync(cacheDir)).toHaveLength(1);
    emulator.inject({ kind: 'error', status: 401, code: 11008 });
    const ran = await start();
    expect(ran.code).toBe(1);
    expect(ran.app).toBeUndefined();
    expect(ran.stderr).toMatch(/^clarifai-secrets: Clarifai refused the token .* \[ERR_AUTH\]\n$/);
    expect(readdirSync(cacheDir)).toHaveLength(0);
  });

  it('ignores a tampered copy with a warning, then fails cleanly', async () => {
    expect((await start()).code).toBe(0);
    const [file] = readdirSync(cacheDir);
    const path = join(cacheDir, file as string);
    const data = readFileSync(path);
    data[20] = (data[20] as number) ^ 0xff;
    writeFileSync(path, data, { mode: 0o600 });
    emulator.inject({ kind: 'error', status: 503, code: 98004 }, { times: Infinity });
    const ran = await start({ CLARIFAI_SECRETS_TIMEOUT: '1000' });
    expect(ran.code).toBe(1);
    expect(ran.stderr).toMatch(/warning: ignoring the cached copy .*damaged/);
    expect(ran.stderr).not.toMatch(/\n\s+at /);
  });

  it('loads with one warning when the cache folder cannot be written', async () => {
    // Under a regular file: ENOTDIR, for root too (root writes into a read-only folder).
    const file = join(mkdtempSync(join(tmpdir(), 'cs-e2e-notdir-')), 'plain-file');
    writeFileSync(file, 'not a folder');
    const ran = await start({ CLARIFAI_SECRETS_CACHE_DIR: join(file, 'cache') });
    expect(ran.code).toBe(0);
    expect(ran.app?.env['OPENAI_API_KEY']).toBe(VALUES.OPENAI_API_KEY);
    expect(ran.stderr).toMatch(/^clarifai-secrets: warning: cannot write the last-known-good copy.*\n$/);
  });

  it('serves a fresh cached copy with no request inside the TTL', async () => {
    expect((await start({ CLARIFAI_SECRETS_CACHE_TTL: '60' })).code).toBe(0);
    emulator.clearRequests();
    const ran = await start({ CLARIFAI_SECRETS_CACHE_TTL: '60', CLARIFAI_SECRETS_DEBUG: '1' });
    expect(ran.app?.env['OPENAI_API_KEY']).toBe(VALUES.OPENAI_API_KEY);
    expect(ran.stderr).toMatch(/from cache/);
    expect(emulator.requests).toHaveLength(0);
  });

  describe('with CLARIFAI_SECRETS_CACHE_TTL in the environment: the cache-hit bundle first', () => {
    const TTL = { CLARIFAI_SECRETS_CACHE_TTL: '60' };
    // A failure shows which variables were loaded, never their values.
    const loaded = (ran: { app?: { env: Record<string, string> } }) =>
      Object.entries(VALUES).filter(([id, value]) => ran.app?.env[id === 'stripe-key' ? 'stripe_key' : id] === value).map(([id]) => id);

    it('starts from a fresh copy with dist/warm.* alone: no request, no full library', async () => {
      expect((await start(TTL)).code).toBe(0);
      emulator.clearRequests();
      // A copy of the package without the full library: a start that loaded it would fail.
      const dir = mkdtempSync(join(tmpdir(), 'cs-e2e-warm-only-'));
      const pkg = join(dir, 'node_modules', 'clarifai-secrets');
      for (const part of ['package.json', 'register', 'dist/warm.js', 'dist/warm.cjs']) cpSync(join(REPO_ROOT, part), join(pkg, part), { recursive: true });
      const env = baseEnv({ CLARIFAI_PAT: PAT, CLARIFAI_API_BASE: emulator.url, CLARIFAI_SECRETS_CACHE_DIR: cacheDir, ...TTL });
      const appArgs = [args[0], args[1], join(project.dir, args[2])];
      const warm = await run(node.bin, appArgs, { cwd: dir, env: { ...env, CLARIFAI_SECRETS_DEBUG: 'true' } });
      expectNoLeak(warm.stderr, PLANTED, 'stderr');
      expect(warm.code).toBe(0);
      expect(warm.stderr).toMatch(/^clarifai-secrets: loaded 2 secrets from cache in [\d.]+ ms: OPENAI_API_KEY, stripe_key; skipped \(already set or unsafe\): NODE_OPTIONS\n$/);
      expect(loaded({ app: JSON.parse(warm.stdout) })).toEqual(['OPENAI_API_KEY', 'stripe-key']);
      expect(emulator.requests).toHaveLength(0);
      // The same start with no TTL needs the full library (the early connection's bundle first), which this copy lacks.
      const cold = await run(node.bin, appArgs, { cwd: dir, env: { ...env, CLARIFAI_SECRETS_CACHE_TTL: undefined } });
      expect(cold.code).not.toBe(0);
      expect(cold.stderr).toMatch(/dist[/\\](early\.cjs|index\.c?js)/);
      rmSync(dir, { recursive: true, force: true });
    });

    it('falls through to the full preload, saying each thing once, when the copy is old or damaged', async () => {
      const misspelt = { CLARIFAI_SECRET: 'x' };
      // No copy yet: the full preload fetches, and the misspelt setting is named once.
      const first = await start({ ...TTL, ...misspelt });
      expect(first.code).toBe(0);
      expect(first.stderr).toMatch(/^clarifai-secrets: warning: [^\n]*misspelt setting[^\n]*CLARIFAI_SECRET \(did you mean CLARIFAI_SECRETS\?\)\n$/);
      // A fresh copy: served by the small bundle, the same one warning.
      emulator.clearRequests();
      const hit = await start({ ...TTL, ...misspelt });
      expect(hit.stderr).toBe(first.stderr);
      expect(emulator.requests).toHaveLength(0);
      // A damaged copy: one warning about it (not one per bundle), then a fetch.
      const [file] = readdirSync(cacheDir);
      const path = join(cacheDir, file as string);
      const data = readFileSync(path);
      data[30] = (data[30] as number) ^ 0xff;
      writeFileSync(path, data, { mode: 0o600 });
      const damaged = await start(TTL);
      expect(damaged.code).toBe(0);
      expect(loaded(damaged)).toEqual(['OPENAI_API_KEY', 'stripe-key']);
      expect(damaged.stderr).toMatch(/^clarifai-secrets: warning: ignoring the cached copy \S+: it is damaged[^\n]*\n$/);
      expect(emulator.requests.length).toBeGreaterThan(0);
    });

    it('reads its settings from a .env file on the way (dotenv loaded from the small bundle)', async () => {
      const file = join(mkdtempSync(join(tmpdir(), 'cs-e2e-envfile-')), 'settings.env');
      writeFileSync(file, 'CLARIFAI_SECRETS=MINE=stripe-key\nOPENAI_API_KEY=from-dotenv-file\n');
      const settings = { ...TTL, CLARIFAI_SECRETS_ENV_FILE: file };
      expect((await start(settings)).code).toBe(0);
      emulator.clearRequests();
      const ran = await start({ ...settings, CLARIFAI_SECRETS_DEBUG: 'true' });
      expect(ran.stderr).toMatch(/^clarifai-secrets: loaded 1 secret from cache in [\d.]+ ms: MINE\n$/);
      expect(ran.app?.env['MINE'] === VALUES['stripe-key'] && ran.app.env['OPENAI_API_KEY'] === undefined).toBe(true);
      expect(emulator.requests).toHaveLength(0);
    });

    it('reports a bad setting once, from the full preload', async () => {
      const ran = await start({ ...TTL, CLARIFAI_SECRETS_TIMEOUT: 'soon' });
      expect(ran.code).toBe(1);
      expect(ran.stderr).toMatch(/^clarifai-secrets: CLARIFAI_SECRETS_TIMEOUT must be [^\n]* \[ERR_CONFIG\]\n$/);
    });
  });

  it('gives up on a hung server at the deadline, with one line', async () => {
    emulator.inject({ kind: 'hang' }, { times: Infinity });
    const ran = await start({ CLARIFAI_SECRETS_TIMEOUT: '1000', CLARIFAI_SECRETS_CACHE_DIR: 'off' });
    expect(ran.code).toBe(1);
    expect(ran.stderr).toMatch(/^clarifai-secrets: no answer from 127\.0\.0\.1:\d+ .*within 1000 ms.* \[ERR_TIMEOUT\]\n$/);
    expect(ran.ms).toBeLessThan(4000);
  });

  it('has the secrets before a later preload, with -e, and under an ESM main', async () => {
    // Each of these must load before that code runs: -e and a second preload take the
    // synchronous worker path, an ESM main waits for the async load.
    project.write('later-preload.cjs', 'process.stdout.write(`later preload: ${process.env.OPENAI_API_KEY ? "set" : "missing"}\\n`);\n');
    // Node runs every -r before any --import, so a later preload is one of our own kind.
    const later = await start({}, [...args.slice(0, 2), args[0], './later-preload.cjs', 'app.cjs']);
    expect(later.stdout).toMatch(/^later preload: set\n/);
    const evaluated = await start({}, [...args.slice(0, 2), '-e', 'console.log(JSON.stringify({ env: { k: process.env.OPENAI_API_KEY } }))']);
    expect(evaluated.app?.env['k']).toBe(VALUES.OPENAI_API_KEY);
    const esm = await start({}, [...args.slice(0, 2), 'app.mjs']);
    expect(esm.app?.env['OPENAI_API_KEY']).toBe(VALUES.OPENAI_API_KEY);
  });

  it('keeps an exception thrown by the app an uncaught exception, with its exit code', async () => {
    project.write('throws.cjs', 'throw new Error("app failed on purpose");\n');
    const ran = await start({}, [...args.slice(0, 2), 'throws.cjs']);
    expect(ran.code).toBe(1);
    expect(ran.stderr).toMatch(/Error: app failed on purpose/);
    expect(ran.stderr).not.toMatch(/unhandled|UnhandledPromiseRejection/i);
  });

  it('reads its settings from .env without injecting anything else from it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cs-e2e-envfile-'));
    const file = join(dir, 'settings.env');
    writeFileSync(file, `CLARIFAI_SECRETS=MINE=stripe-key\nOPENAI_API_KEY=from-dotenv-file\n`);
    const ran = await start({ CLARIFAI_SECRETS_ENV_FILE: file });
    expect(ran.app?.env).toEqual({ MINE: VALUES['stripe-key'] });
  });

  it('parses a .env only when it names a CLARIFAI_ setting: dotenv is not loaded for the rest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cs-e2e-envfile-'));
    project.write(
      'sees-dotenv.cjs',
      `console.log(JSON.stringify({ env: { MINE: process.env.MINE }, dotenv: Object.keys(require.cache).some((file) => /[\\\\/]node_modules[\\\\/]dotenv[\\\\/]/.test(file)) }));\n`,
    );
    const app = [...args.slice(0, 2), 'sees-dotenv.cjs'];
    const plain = join(dir, 'plain.env');
    writeFileSync(plain, 'OPENAI_API_KEY=from-dotenv-file\nexport OTHER_SETTING="clarifai_ in lower case"\n');
    // A failure shows whether MINE was loaded, never its value.
    const seen = (ran: Ran & { app?: { dotenv?: boolean; env: Record<string, string> } }) => ({
      loaded: ran.app?.env['MINE'] === VALUES['stripe-key'],
      dotenv: ran.app?.dotenv,
    });
    expect(seen(await start({ CLARIFAI_SECRETS: 'MINE=stripe-key', CLARIFAI_SECRETS_ENV_FILE: plain }, app))).toEqual({ loaded: true, dotenv: false });
    const ours = join(dir, 'ours.env');
    writeFileSync(ours, 'OPENAI_API_KEY=from-dotenv-file\nexport CLARIFAI_SECRETS=MINE=stripe-key\n');
    expect(seen(await start({ CLARIFAI_SECRETS_ENV_FILE: ours }, app))).toEqual({ loaded: true, dotenv: true });
  });

  describe('never silently skipped: the secrets before the first line, in every mode', () => {
    const register = args.slice(0, 2);
    const PRINT = 'JSON.stringify({ env: { OPENAI_API_KEY: process.env.OPENAI_API_KEY } })';
    // Fails (exit 1) without printing the value when the secret is not there.
    const TEST_FILE = `import test from 'node:test';
import assert from 'node:assert';
test('sees the secret', () => assert.ok(process.env.OPENAI_API_KEY?.startsWith('sk-E2E'), 'the secret is not set'));
`;
    beforeAll(() => {
      project.write('untyped/app.js', APP_ESM);
      project.write('tests/a.test.mjs', TEST_FILE);
      project.write('tests/b.test.cjs', TEST_FILE.replace(/^import (\w+) from ('[^']+');$/gm, 'const $1 = require($2);'));
    });

    it.skipIf(node.major >= 23)('--experimental-default-type=module (Node 20 and 22)', async () => {
      const ran = await start({}, ['--experimental-default-type=module', ...register, 'untyped/app.js']);
      expect(ran.code).toBe(0);
      expect(ran.app?.env['OPENAI_API_KEY']).toBe(VALUES.OPENAI_API_KEY);
    });

    it('--test, each file in a process of its own', async () => {
      const ran = await start({}, [...register, '--test', 'tests/a.test.mjs', 'tests/b.test.cjs']);
      expect(ran.code).toBe(0);
      expect(ran.stdout).toMatch(/pass 2/);
      // Node runs -r in the runner too, whose load its test processes inherit; it runs
      // --import only in each test process.
      expect(emulator.requests).toHaveLength(args[0] === '-r' ? 2 : 4);
    });

    it.skipIf(node.major < 22)('--test without isolation (Node 22 and later)', async () => {
      const isolation = node.major >= 23 ? '--test-isolation=none' : '--experimental-test-isolation=none';
      const ran = await start({}, [...register, '--test', isolation, 'tests/a.test.mjs', 'tests/b.test.cjs']);
      expect(ran.code).toBe(0);
      expect(ran.stdout).toMatch(/pass 2/);
      expect(emulator.requests).toHaveLength(2);
    });

    it('-e, -p, and a script on stdin (named - or not)', async () => {
      const code = `console.log(${PRINT})`;
      for (const [argv, input] of [
        [['-e', code], ''],
        [['-p', PRINT], ''],
        [['-'], code],
        [[], code],
      ] as const) {
        const ran = await start({}, [...register, ...argv], { input });
        expect(ran.code).toBe(0);
        expect(ran.app?.env['OPENAI_API_KEY']).toBe(VALUES.OPENAI_API_KEY);
      }
    });

    it('--watch', async () => {
      const ran = await start({}, ['--watch', ...register, 'app.mjs'], { stopWhen: (out) => out.includes('"ran":true') });
      expect(ran.app?.env['OPENAI_API_KEY']).toBe(VALUES.OPENAI_API_KEY);
    });

    it('another preload before or after this one', async () => {
      project.write('other-preload.cjs', 'process.stdout.write(`other preload: ${process.env.OPENAI_API_KEY ? "set" : "missing"}\\n`);\n');
      const other = [args[0], './other-preload.cjs'];
      const after = await start({}, [...register, ...other, 'app.mjs']);
      expect(after.stdout).toMatch(/^other preload: set\n/);
      expect(after.app?.env['OPENAI_API_KEY']).toBe(VALUES.OPENAI_API_KEY);
      const before = await start({}, [...other, ...register, 'app.cjs']);
      expect(before.app?.env['OPENAI_API_KEY']).toBe(VALUES.OPENAI_API_KEY);
    });

    it.runIf(args[0] === '-r')('-r waits in Module.runMain (no worker thread) only for a plain main script', async () => {
      // NODE_DEBUG=worker makes Node log each worker thread it starts, with its data and
      // environment: neither may hold the token.
      const env = baseEnv({ CLARIFAI_PAT: PAT, CLARIFAI_API_BASE: emulator.url, CLARIFAI_SECRETS_CACHE_DIR: 'off', NODE_DEBUG: 'worker' });
      const plain = await run(node.bin, [...register, 'app.cjs'], { cwd: project.dir, env });
      expect(plain.stdout).toContain(VALUES.OPENAI_API_KEY);
      expect(plain.stderr).not.toMatch(/WORKER/);
      const evaluated = await run(node.bin, [...register, '-p', 'process.env.OPENAI_API_KEY'], { cwd: project.dir, env });
      expect(evaluated.stdout).toContain(VALUES.OPENAI_API_KEY);
      expect(evaluated.stderr).toMatch(/WORKER/);
      expectNoLeak(evaluated.stderr, { PAT }, 'the worker debug log');
    });
  });

  describe('one load per process tree, and a worker thread behaves like a process', () => {
    beforeAll(() => {
      project.write(
        'worker-host.mjs',
        `import { Worker } from 'node:worker_threads';
const execArgv = process.env.WORKER_ARGS ? process.env.WORKER_ARGS.split(' ') : [];
const worker = await new Promise((resolve, reject) => {
  const w = new Worker(new URL('./worker-body.mjs', import.meta.url), { execArgv });
  w.on('message', resolve);
  w.on('error', reject);
  w.on('exit', (code) => resolve('exit ' + code));
});
console.log(JSON.stringify({ env: { main: process.env.OPENAI_API_KEY ? 'yes' : 'no', worker } }));
`,
      );
      project.write(
        'worker-body.mjs',
        `import { parentPort } from 'node:worker_threads';
parentPort.postMessage(process.env.OPENAI_API_KEY === ${JSON.stringify(VALUES.OPENAI_API_KEY)} ? 'yes' : 'no');
`,
      );
      project.write(
        'calls-load.mjs',
        `import { loadSecrets } from 'clarifai-secrets';
const report = await loadSecrets();
console.log(JSON.stringify({ env: { source: report.source, seen: process.env.OPENAI_API_KEY ? 'yes' : 'no' } }));
`,
      );
    });

    it('a worker thread given the preload, in a process that loaded nothing, loads', async () => {
      const ran = await start({ WORKER_ARGS: args.slice(0, 2).join(' ') }, ['worker-host.mjs']);
      expect(ran.code).toBe(0);
      expect(ran.app?.env).toEqual({ main: 'no', worker: 'yes' });
      expect(emulator.requests).toHaveLength(2);
    });

    it('a worker thread given the preload skips when its process loaded the same selection', async () => {
      const ran = await start({ WORKER_ARGS: args.slice(0, 2).join(' ') }, [...args.slice(0, 2), 'worker-host.mjs']);
      expect(ran.app?.env).toEqual({ main: 'yes', worker: 'yes' });
      expect(emulator.requests).toHaveLength(2);
    });

    it('a worker thread whose load fails says so and ends with code 1', async () => {
      const ran = await start({ WORKER_ARGS: args.slice(0, 2).join(' '), CLARIFAI_PAT: 'pat-E2E-wrong' }, ['worker-host.mjs']);
      expect(ran.app?.env).toEqual({ main: 'no', worker: 'exit 1' });
      expect(ran.stderr).toMatch(/^clarifai-secrets: Clarifai refused the token .* \[ERR_AUTH\]\n$/);
    });

    it('loadSecrets() in an app under the preload makes no second request', async () => {
      const ran = await start({}, [...args.slice(0, 2), 'calls-load.mjs']);
      expect(ran.app?.env).toEqual({ source: 'marker', seen: 'yes' });
      expect(emulator.requests).toHaveLength(2);
    });

    it('loadSecrets() in an app started by run needs no token and makes no request', async () => {
      const ran = await start({}, ['node_modules/.bin/clarifai-secrets', 'run', '--', node.bin, 'calls-load.mjs']);
      expect(ran.code).toBe(0);
      expect(ran.app?.env).toEqual({ source: 'marker', seen: 'yes' });
      expect(emulator.requests).toHaveLength(2);
    });
  });
});
