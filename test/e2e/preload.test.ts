/**
 * The preload as users run it: real `node --import clarifai-secrets/register` and
 * `node -r clarifai-secrets/register` processes on the built package, against the emulator.
 */
import { chmodSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { expectNoLeak, expectNoLeakInFolder } from '../support/leaks.js';
import { type Project, makeProject } from '../support/package-link.js';
import { type Ran, baseEnv, runNode } from '../support/spawn.js';

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

let emulator: Emulator;
let project: Project;
let cacheDir: string;

beforeAll(async () => {
  emulator = await startEmulator({ pats: { [PAT]: 'e2e-user' }, users: { 'e2e-user': [] } });
  project = makeProject();
  project.write('app.mjs', APP_ESM);
  project.write('app.cjs', APP_ESM);
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

describe.each(modes)('node %s clarifai-secrets/register', (_flag, args) => {
  async function start(env: Record<string, string | undefined> = {}, extraArgs: readonly string[] = args): Promise<Ran & { app?: { env: Record<string, string> } }> {
    const ran = await runNode([...extraArgs], {
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

  it('starts from the last-known-good copy when the API is down, and says so', async () => {
    expect((await start()).code).toBe(0);
    emulator.inject({ kind: 'error', status: 503, code: 98004 }, { times: Infinity });
    const ran = await start({ CLARIFAI_SECRETS_TIMEOUT: '1500' });
    expect(ran.code).toBe(0);
    expect(ran.app?.env['OPENAI_API_KEY']).toBe(VALUES.OPENAI_API_KEY);
    expect(ran.stderr).toMatch(/^clarifai-secrets: warning: Clarifai had a server error .*last-known-good copy from \d+ s ago\n$/);
  });

  it('starts from the copy when the server is gone (connection refused)', async () => {
    const doomed = await startEmulator({ pats: { [PAT]: 'e2e-user' }, users: { 'e2e-user': [{ id: 'OPENAI_API_KEY', value: VALUES.OPENAI_API_KEY }] } });
    expect((await start({ CLARIFAI_API_BASE: doomed.url })).code).toBe(0);
    await doomed.close();
    const ran = await start({ CLARIFAI_API_BASE: doomed.url, CLARIFAI_SECRETS_TIMEOUT: '1500' });
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

  it('loads with one warning when the cache folder is read-only', async () => {
    const readOnly = mkdtempSync(join(tmpdir(), 'cs-e2e-ro-'));
    chmodSync(readOnly, 0o500);
    const ran = await start({ CLARIFAI_SECRETS_CACHE_DIR: join(readOnly, 'cache') });
    expect(ran.code).toBe(0);
    expect(ran.app?.env['OPENAI_API_KEY']).toBe(VALUES.OPENAI_API_KEY);
    if (process.getuid?.() !== 0) expect(ran.stderr).toMatch(/^clarifai-secrets: warning: cannot write the last-known-good copy.*\n$/);
  });

  it('serves a fresh cached copy with no request inside the TTL', async () => {
    expect((await start({ CLARIFAI_SECRETS_CACHE_TTL: '60' })).code).toBe(0);
    emulator.clearRequests();
    const ran = await start({ CLARIFAI_SECRETS_CACHE_TTL: '60', CLARIFAI_SECRETS_DEBUG: '1' });
    expect(ran.app?.env['OPENAI_API_KEY']).toBe(VALUES.OPENAI_API_KEY);
    expect(ran.stderr).toMatch(/from cache/);
    expect(emulator.requests).toHaveLength(0);
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
});
