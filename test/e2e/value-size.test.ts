/**
 * Values no environment variable can hold (past Linux's 128 KiB for one string, or with a
 * NUL): never put into an environment, so no exec fails with E2BIG. Named: the load fails
 * with one line; through `*`: skipped with one warning.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { CLI, type Project, makeProject } from '../support/package-link.js';
import { baseEnv, runNode } from '../support/spawn.js';
import { expectNoLeak } from '../support/leaks.js';

const PAT = 'pat-SIZE-e2e-7c2f09ab';
const USER = 'size-user';
const BIG = `BIGVALUE-${'x'.repeat(200 * 1024)}`;
const SMALL = 'small-SIZE-value-31d8';

let emulator: Emulator;
let project: Project;

beforeAll(async () => {
  emulator = await startEmulator({ pats: { [PAT]: USER }, users: { [USER]: [{ id: 'BIG_KEY', value: BIG }, { id: 'SMALL_KEY', value: SMALL }] } });
  project = makeProject('cs-size-');
  // The app starts a child, as apps do: with a 200 KiB variable this exec fails with E2BIG.
  project.write('app.cjs', "const { execFileSync } = require('node:child_process');\nexecFileSync('true');\nconsole.log(JSON.stringify({ small: process.env.SMALL_KEY ?? null, big: process.env.BIG_KEY === undefined ? null : 'set' }));\n");
});
afterAll(async () => {
  await emulator.close();
  project.remove();
});

const env = (extra: Record<string, string> = {}) => baseEnv({ CLARIFAI_PAT: PAT, CLARIFAI_API_BASE: emulator.url, CLARIFAI_SECRETS_CACHE_DIR: 'off', ...extra });
const shapes: Array<[string, string[]]> = [
  ['--import', ['--import', 'clarifai-secrets/register', 'app.cjs']],
  ['-r', ['-r', 'clarifai-secrets/register', 'app.cjs']],
  ['run', [CLI, 'run', '--', process.execPath, 'app.cjs']],
];

describe('a value larger than an environment variable can hold', () => {
  it.each(shapes)('through *: skipped with one warning naming it, and every exec still works (%s)', async (_shape, args) => {
    const ran = await runNode(args, { cwd: project.dir, env: env(), killAfterMs: 20_000 });
    expect(ran.code, ran.stderr.slice(0, 500)).toBe(0);
    expect(JSON.parse(ran.stdout)).toEqual({ small: SMALL, big: null });
    const warnings = ran.stderr.split('\n').filter((line) => line.includes('not loaded: "BIG_KEY" (201 KiB)'));
    expect(warnings).toHaveLength(1);
    expect(ran.stderr).not.toMatch(/E2BIG \(|spawn .*E2BIG/);
    expectNoLeak(ran.stdout + ran.stderr, { BIG: BIG.slice(0, 40), PAT }, 'output');
  });

  it.each(shapes)('named: the load fails with one line naming it and the way out (%s)', async (_shape, args) => {
    const ran = await runNode(args, { cwd: project.dir, env: env({ CLARIFAI_SECRETS: 'BIG_KEY,SMALL_KEY' }), killAfterMs: 20_000 });
    expect(ran.code).toBe(1);
    expect(ran.stdout).toBe('');
    expect(ran.stderr).toMatch(/^clarifai-secrets: secret "BIG_KEY" \(201 KiB\) cannot be loaded, .*NAME=@ID in CLARIFAI_SECRETS.*\[ERR_INVALID_VALUE\]\n$/);
    expectNoLeak(ran.stderr, { BIG: BIG.slice(0, 40), PAT }, 'stderr');
  });
});
