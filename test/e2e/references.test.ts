/**
 * `clarifai://` references through every entry point, as users run them on the built
 * package: examples/env-references (`node --env-file=.env` and both preloads), children under
 * NODE_OPTIONS, loadSecretsSync, and `run`. Also `run --secrets '*=prod-*'`.
 */
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { expectNoLeak } from '../support/leaks.js';
import { CLI, type Project, REPO_ROOT, makeProject } from '../support/package-link.js';
import { baseEnv, runNode } from '../support/spawn.js';

const PAT = 'pat-E2E-REFS-71c0d2';
const VALUES = {
  'openai-key': 'sk-E2E-REFS-openai-0a1b',
  'database-url': 'postgres://E2E-REFS-db-2c3d',
  'prod-API_KEY': 'E2E-REFS-prod-4e5f',
  OTHER: 'E2E-REFS-other-6a7b',
};
const PLANTED = { PAT, ...VALUES };

let emulator: Emulator;
let project: Project;
beforeAll(async () => {
  emulator = await startEmulator({ pats: { [PAT]: 'eve' }, users: { eve: [] } });
  project = makeProject('cs-e2e-refs-');
  cpSync(join(REPO_ROOT, 'examples', 'env-references'), project.dir, { recursive: true });
  // Prints each variable's state as JSON (lengths, never values), then does it again in a child.
  project.write(
    'tree.mjs',
    `import { execFileSync } from 'node:child_process';
const seen = () => Object.fromEntries(['OPENAI_API_KEY', 'DATABASE_URL', 'SENTRY_DSN', 'API_KEY', 'OTHER', 'CLARIFAI_PAT']
  .map((n) => [n, process.env[n] === undefined ? null : process.env[n].startsWith('clarifai://') ? 'reference' : process.env[n].length]));
if (process.argv[2] === 'child') console.log(JSON.stringify(seen()));
else {
  console.log(JSON.stringify(seen()));
  process.stdout.write(execFileSync(process.execPath, [process.argv[1], 'child'], { encoding: 'utf8' }));
}
`,
  );
  project.write(
    'sync.cjs',
    `const { loadSecretsSync } = require('clarifai-secrets');
const env = { KEY: 'clarifai://secrets/openai-key', GONE: 'clarifai://secrets/nope?', PLAIN: 'x' };
const report = loadSecretsSync({ env });
console.log(JSON.stringify({ report: { set: report.set, missing: report.missing }, key: env.KEY.length, gone: 'GONE' in env, plain: env.PLAIN }));
`,
  );
});
afterAll(async () => {
  await emulator.close();
  project.remove();
});
beforeEach(() => {
  emulator.reset();
  emulator.seed('eve', Object.entries(VALUES).map(([id, value]) => ({ id, value })));
  emulator.clearRequests();
});

const env = (extra: Record<string, string | undefined> = {}) =>
  baseEnv({
    CLARIFAI_PAT: PAT,
    CLARIFAI_API_BASE: emulator.url,
    CLARIFAI_SECRETS_CACHE_DIR: mkdtempSync(join(tmpdir(), 'cs-e2e-refs-cache-')),
    ...extra,
  });
const gets = () => emulator.requests.map((r) => r.path).sort();
const REFERENCE_GETS = ['/v2/users/me/secrets/database-url', '/v2/users/me/secrets/openai-key', '/v2/users/me/secrets/sentry-dsn'];

describe('examples/env-references: node --env-file=.env with the preload', () => {
  const SEEN = 'OPENAI_API_KEY: set (23 chars)\nDATABASE_URL: set (27 chars)\nSENTRY_DSN: not set\nLOG_LEVEL: set (4 chars)\n';

  it.each([['--import'], ['-r']])('%s: every reference replaced, the optional missing one unset, one GET each', async (flag) => {
    const ran = await runNode(['--env-file=.env', flag, 'clarifai-secrets/register', 'app.mjs'], { cwd: project.dir, env: env() });
    expect(ran).toMatchObject({ code: 0, stdout: SEEN, stderr: '' });
    expect(gets()).toEqual(REFERENCE_GETS);
  });

  it.each([['--import'], ['-r'], ['run']])('%s without --env-file: the preload reads the reference lines of .env itself', async (flag) => {
    const args = flag === 'run' ? [CLI, 'run', '--', process.execPath, 'app.mjs'] : [flag, 'clarifai-secrets/register', 'app.mjs'];
    const ran = await runNode(args, { cwd: project.dir, env: env() });
    // LOG_LEVEL, a plain line of the file, is not injected: only reference lines are read.
    expect(ran).toMatchObject({ code: 0, stdout: SEEN.replace('LOG_LEVEL: set (4 chars)', 'LOG_LEVEL: not set'), stderr: '' });
    expect(gets()).toEqual(REFERENCE_GETS);
  });

  it('a missing required reference stops the app with one line naming it', async () => {
    emulator.reset();
    emulator.seed('eve', [{ id: 'openai-key', value: VALUES['openai-key'] }]);
    const ran = await runNode(['--env-file=.env', '--import', 'clarifai-secrets/register', 'app.mjs'], { cwd: project.dir, env: env() });
    expect(ran.code).toBe(1);
    expect(ran.stdout).toBe('');
    expect(ran.stderr).toMatch(/^clarifai-secrets: .*database-url.*\[ERR_MISSING_SECRETS\]\n$/);
    expect(ran.stderr).not.toContain('sentry-dsn');
  });

  it('a malformed reference stops the app with one line naming the variable, not its value', async () => {
    const ran = await runNode(['--import', 'clarifai-secrets/register', 'app.mjs'], {
      cwd: project.dir,
      env: env({ OPENAI_API_KEY: `clarifai://secret/${VALUES.OTHER}` }),
    });
    expect(ran.code).toBe(1);
    expect(ran.stderr).toMatch(/^clarifai-secrets: OPENAI_API_KEY holds a malformed reference: .*\[ERR_CONFIG\]\n$/);
    expectNoLeak(ran.stderr, PLANTED, 'the failure line');
    expect(emulator.requests).toHaveLength(0);
  });
});

describe('children do not fetch again', () => {
  it('NODE_OPTIONS=--import: the parent resolves the references, the child inherits values and the marker', async () => {
    const ran = await runNode(['--env-file=.env', 'tree.mjs'], {
      cwd: project.dir,
      env: env({ NODE_OPTIONS: '--import clarifai-secrets/register' }),
    });
    expect(ran.stderr).toBe('');
    const [parent, child] = ran.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(parent).toMatchObject({ OPENAI_API_KEY: 23, DATABASE_URL: 27, SENTRY_DSN: null, OTHER: null });
    expect(child).toEqual(parent);
    expect(gets()).toEqual(REFERENCE_GETS);
  });

  it("a child's own new reference is still resolved, and nothing else is fetched again", async () => {
    const ran = await runNode(['-e', `
      const { execFileSync } = require('node:child_process');
      process.stdout.write(execFileSync(process.execPath, ['tree.mjs', 'child'], { encoding: 'utf8', env: { ...process.env, OTHER: 'clarifai://secrets/OTHER' } }));
    `], { cwd: project.dir, env: env({ NODE_OPTIONS: '-r clarifai-secrets/register', CLARIFAI_SECRETS: 'API_KEY=prod-API_KEY' }) });
    expect(ran.stderr).toBe('');
    expect(JSON.parse(ran.stdout)).toMatchObject({ API_KEY: VALUES['prod-API_KEY'].length, OTHER: VALUES.OTHER.length });
    // The folder's .env holds reference lines too: the parent resolves them once, with CLARIFAI_SECRETS.
    expect(gets()).toEqual([...REFERENCE_GETS, '/v2/users/me/secrets/OTHER', '/v2/users/me/secrets/prod-API_KEY'].sort());
  });
});

describe('loadSecretsSync', () => {
  it('resolves references on options.env', async () => {
    const ran = await runNode(['sync.cjs'], { cwd: project.dir, env: env() });
    expect(ran.stderr).toBe('');
    // The folder's .env reference lines apply to options.env as well, for the names it does not set.
    expect(JSON.parse(ran.stdout)).toEqual({
      report: { set: ['DATABASE_URL', 'KEY', 'OPENAI_API_KEY'], missing: ['nope', 'sentry-dsn'] },
      key: VALUES['openai-key'].length,
      gone: false,
      plain: 'x',
    });
  });
});

describe('run', () => {
  it('replaces references in the environment it passes on; a nested preload does not fetch again', async () => {
    const ran = await runNode([CLI, 'run', '--', process.execPath, '--import', 'clarifai-secrets/register', 'tree.mjs'], {
      cwd: project.dir,
      env: env({ OPENAI_API_KEY: 'clarifai://secrets/openai-key', SENTRY_DSN: 'clarifai://secrets/sentry-dsn?', CLARIFAI_SECRETS_OVERRIDE: 'false' }),
    });
    expect(ran.stderr).toBe('');
    const [parent, child] = ran.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    // DATABASE_URL comes from the folder's .env reference line, which run reads too.
    expect(parent).toMatchObject({ OPENAI_API_KEY: 23, SENTRY_DSN: null, DATABASE_URL: 27, CLARIFAI_PAT: null });
    expect(child).toEqual(parent);
    expect(gets()).toEqual(REFERENCE_GETS);
  });

  it("--secrets '*=prod-*' loads an environment's secrets under their plain names", async () => {
    const ran = await runNode([CLI, 'run', '--secrets', '*=prod-*', '--', process.execPath, 'tree.mjs', 'child'], { cwd: project.dir, env: env() });
    expect(ran.stderr).toBe('');
    expect(JSON.parse(ran.stdout)).toMatchObject({ API_KEY: VALUES['prod-API_KEY'].length, OTHER: null });
  });
});
