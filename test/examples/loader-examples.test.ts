/** Every loader example and the demo, run as users run them, against the emulator. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { expectNoLeak } from '../support/leaks.js';
import { REPO_ROOT } from '../support/package-link.js';
import { baseEnv, run, runNode } from '../support/spawn.js';

const PAT = 'pat-EXAMPLES-6b2d';
const VALUES = { OPENAI_API_KEY: 'sk-EXAMPLES-openai-31', STRIPE_KEY: 'sk_EXAMPLES_stripe_42', DATABASE_URL: 'postgres://EXAMPLES-53' };
const EXAMPLES = join(REPO_ROOT, 'examples');

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ pats: { [PAT]: 'ex' }, users: { ex: Object.entries(VALUES).map(([id, value]) => ({ id, value })) } });
});
afterAll(() => emulator.close());
beforeEach(() => emulator.clearRequests());

const env = () =>
  baseEnv({
    CLARIFAI_PAT: PAT,
    CLARIFAI_API_BASE: emulator.url,
    CLARIFAI_SECRETS_CACHE_DIR: mkdtempSync(join(tmpdir(), 'cs-examples-')),
  });

const SEEN = 'OPENAI_API_KEY: set (21 chars)\nSTRIPE_KEY: set (21 chars)\nDATABASE_URL: set (22 chars)\n';

describe('examples', () => {
  it('esm-import: node --import clarifai-secrets/register app.mjs', async () => {
    const ran = await runNode(['--import', 'clarifai-secrets/register', 'app.mjs'], { cwd: join(EXAMPLES, 'esm-import'), env: env() });
    expect(ran).toMatchObject({ code: 0, stdout: SEEN, stderr: '' });
  });

  it('cjs-require: node -r clarifai-secrets/register app.cjs', async () => {
    const ran = await runNode(['-r', 'clarifai-secrets/register', 'app.cjs'], { cwd: join(EXAMPLES, 'cjs-require'), env: env() });
    expect(ran).toMatchObject({ code: 0, stdout: SEEN, stderr: '' });
  });

  it('programmatic: loadSecrets() with a selection and a report', async () => {
    const ran = await runNode(['load.mjs'], { cwd: join(EXAMPLES, 'programmatic'), env: env() });
    expect(ran.code).toBe(0);
    expect(ran.stdout).toBe('source: api\nset: DATABASE_URL, OPENAI_API_KEY\nmissing optional: SENTRY_DSN\nDATABASE_URL: set\n');
    expectNoLeak(ran.stdout + ran.stderr, { PAT, ...VALUES }, 'the example output');
  });

  it('programmatic: a clear error and exit 1 without a token', async () => {
    const ran = await runNode(['load.mjs'], { cwd: join(EXAMPLES, 'programmatic'), env: { ...env(), CLARIFAI_PAT: undefined } });
    expect(ran.code).toBe(1);
    expect(ran.stderr).toMatch(/^could not load secrets \(ERR_CONFIG\): CLARIFAI_PAT is not set/);
  });

  it('node-options: parent and child see the secrets, one fetch in all', async () => {
    const ran = await run('sh', [join(EXAMPLES, 'node-options', 'start.sh')], { env: env() });
    expect(ran).toMatchObject({ code: 0, stdout: 'parent: OPENAI_API_KEY set\nchild: OPENAI_API_KEY set\n' });
    expect(emulator.requests).toHaveLength(2);
  });

  it('demo: every way in works on the embedded default', async () => {
    const ran = await runNode([join(EXAMPLES, 'demo.mjs')], { env: baseEnv() });
    expect(ran.stderr).not.toMatch(/failed/);
    expect(ran.code).toBe(0);
    expect(ran.stdout).toMatch(/demo: every way in worked\./);
  });

  it('demo: says what it does first, shows the commands a user types, and the names they know', async () => {
    const ran = await runNode([join(EXAMPLES, 'demo.mjs')], { env: baseEnv() });
    expect(ran.code).toBe(0);
    const output = ran.stdout + ran.stderr;
    // The built dist is fresh here (the suite builds first): nothing of a build is printed.
    expect(output.split('\n')[0]).toMatch(/^clarifai-secrets demo: /);
    expect(output).not.toMatch(/ESM Build|CJS Build|DTS Build|tsup/);
    expect(output).toContain('== run wrapper: npx clarifai-secrets run -- node esm-import/app.mjs\n');
    expect(output).not.toContain(REPO_ROOT);
    expect(output).not.toContain('cli.cjs');
    expect(output).toContain('DATABASE_URL: set');
    expect(output).not.toMatch(/database_url/);
    expect(output.split('\n').length).toBeLessThan(45);
  });

  it('npm run demo builds nothing itself when dist/ is fresh: npm ci built it once (prepare)', () => {
    const { scripts } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(scripts['demo']).toBe('node examples/demo.mjs');
    expect(scripts['build']).toMatch(/tsup --silent$/);
  });
});
