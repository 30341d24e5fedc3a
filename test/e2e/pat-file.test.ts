/**
 * CLARIFAI_PAT_FILE on every entry point: the token is read from a mounted file, so no
 * environment block holds it; `run` passes neither the token nor the file's path on.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { CLI, type Project, makeProject } from '../support/package-link.js';
import { baseEnv, runNode } from '../support/spawn.js';
import { expectNoLeak } from '../support/leaks.js';

const PAT = 'pat-PATFILE-e2e-0d4c8e21';
const USER = 'patfile-user';
const VALUE = 'value-PATFILE-9a7b3c';

let emulator: Emulator;
let project: Project;
let tokenFile: string;

beforeAll(async () => {
  emulator = await startEmulator({ pats: { [PAT]: USER }, users: { [USER]: [{ id: 'PF_KEY', value: VALUE }] } });
  project = makeProject('cs-patfile-');
  tokenFile = join(mkdtempSync(join(tmpdir(), 'cs-patfile-token-')), 'pat');
  writeFileSync(tokenFile, `${PAT}\n`, { mode: 0o600 });
  // What the app sees: the secret, whether any token or token path reached it, and whether
  // its parent's starting environment (Linux keeps it in /proc) holds the token.
  project.write(
    'app.cjs',
    `const fs = require('node:fs');
let parent = null;
try { parent = fs.readFileSync('/proc/' + process.ppid + '/environ', 'latin1').includes(${JSON.stringify(PAT)}); } catch {}
console.log(JSON.stringify({ key: process.env.PF_KEY ?? null, pat: process.env.CLARIFAI_PAT ?? null, file: process.env.CLARIFAI_PAT_FILE ?? null, parent }));
`,
  );
  project.write(
    'api.mjs',
    `import { loadSecrets } from 'clarifai-secrets';\nconst report = await loadSecrets();\nconsole.log(JSON.stringify({ key: process.env.PF_KEY ?? null, set: report.set }));\n`,
  );
});
afterAll(async () => {
  await emulator.close();
  project.remove();
});

const env = (): Record<string, string | undefined> =>
  baseEnv({ CLARIFAI_PAT_FILE: tokenFile, CLARIFAI_API_BASE: emulator.url, CLARIFAI_SECRETS_CACHE_DIR: 'off' });

describe('CLARIFAI_PAT_FILE', () => {
  it.each([
    ['--import', ['--import', 'clarifai-secrets/register', 'app.cjs']],
    ['-r', ['-r', 'clarifai-secrets/register', 'app.cjs']],
  ])('loads with the token from the file (%s)', async (_shape, args) => {
    const ran = await runNode(args, { cwd: project.dir, env: env(), killAfterMs: 20_000 });
    expect(ran.code, ran.stderr).toBe(0);
    expect(JSON.parse(ran.stdout)).toMatchObject({ key: VALUE, pat: null, file: tokenFile });
    expectNoLeak(ran.stderr, { PAT }, 'stderr');
  });

  it('loads through loadSecrets', async () => {
    const ran = await runNode(['api.mjs'], { cwd: project.dir, env: env(), killAfterMs: 20_000 });
    expect(ran.code, ran.stderr).toBe(0);
    expect(JSON.parse(ran.stdout)).toEqual({ key: VALUE, set: ['PF_KEY'] });
  });

  it("run gives its child neither the token nor the file's path, and holds no token in its own environment", async () => {
    const ran = await runNode([CLI, 'run', '--', process.execPath, 'app.cjs'], { cwd: project.dir, env: env(), killAfterMs: 20_000 });
    expect(ran.code, ran.stderr).toBe(0);
    const seen = JSON.parse(ran.stdout) as { parent: boolean | null };
    expect(seen).toMatchObject({ key: VALUE, pat: null, file: null });
    if (process.platform === 'linux') expect(seen.parent).toBe(false);
  });

  it('run --keep-pat passes the path on, still not the token', async () => {
    const ran = await runNode([CLI, 'run', '--keep-pat', '--', process.execPath, 'app.cjs'], { cwd: project.dir, env: env(), killAfterMs: 20_000 });
    expect(ran.code, ran.stderr).toBe(0);
    expect(JSON.parse(ran.stdout)).toMatchObject({ key: VALUE, pat: null, file: tokenFile });
  });

  it('doctor names the token file as the source, and takes CLARIFAI_PAT_FILE for no misspelt setting', async () => {
    const ran = await runNode([CLI, 'doctor'], { cwd: project.dir, env: env(), killAfterMs: 20_000 });
    expect(ran.code, ran.stdout).toBe(0);
    expect(ran.stdout).toContain(`token: set (CLARIFAI_PAT_FILE (${tokenFile}))`);
    expect(ran.stdout + ran.stderr).not.toMatch(/misspelt/);
    expectNoLeak(ran.stdout + ran.stderr, { PAT }, 'doctor');
  });

  it('a FIFO in its place is refused at once, not waited on', async () => {
    const fifo = join(mkdtempSync(join(tmpdir(), 'cs-patfile-fifo-')), 'pat');
    (await import('node:child_process')).execFileSync('mkfifo', [fifo]);
    const ran = await runNode(['--import', 'clarifai-secrets/register', 'app.cjs'], { cwd: project.dir, env: { ...env(), CLARIFAI_PAT_FILE: fifo }, killAfterMs: 20_000 });
    expect(ran.signal).toBeNull();
    expect(ran.code).toBe(1);
    expect(ran.stderr).toMatch(/^clarifai-secrets: CLARIFAI_PAT_FILE .* is not a regular file/m);
  });
});
