/**
 * `run --mount PATH`: the selection as one file for the child's lifetime, a named pipe that
 * answers every reader whole and leaves nothing on disk. Read by real readers: `cat`, dotenv's
 * parser in a Node child, and Python's python-dotenv where it is installed.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { CLI, type Project, makeProject } from '../support/package-link.js';
import { baseEnv, run, runNode } from '../support/spawn.js';
import { expectNoLeak } from '../support/leaks.js';

const PAT = 'pat-MOUNT-e2e-2a7c55e1';
const USER = 'mount-user';
const DB = 'postgres://mount-db-81f0@db/app';
const MULTI = 'line one mount-9c1\nline "two" mount-3e7';
const BIG = 'mount-big-0d5e'.repeat(8000);
const planted = { DB, MULTI, BIG, PAT };
/** dotenv as this repository has it: the scratch project's node_modules holds only the package. */
const DOTENV = JSON.stringify(createRequire(import.meta.url).resolve('dotenv'));

let emulator: Emulator;
let project: Project;
let folder: string;

const hasPythonDotenv = spawnSync('python3', ['-c', 'import dotenv'], { stdio: 'ignore' }).status === 0;

function env(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return baseEnv({ CLARIFAI_PAT: PAT, CLARIFAI_API_BASE: emulator.url, CLARIFAI_SECRETS_CACHE_DIR: 'off', ...extra });
}

beforeAll(async () => {
  emulator = await startEmulator({ pats: { [PAT]: USER }, users: { [USER]: [] } });
  project = makeProject('cs-mount-');
  // Reads the mounted file twice with dotenv's parser, as a program reading its own .env does.
  project.write(
    'reader.cjs',
    `const { parse } = require(${DOTENV});
const fs = require('node:fs');
const path = process.argv[2];
const first = parse(fs.readFileSync(path));
const second = parse(fs.readFileSync(path));
const kind = fs.lstatSync(path).isFIFO() ? 'fifo' : 'file';
const mode = (fs.lstatSync(path).mode & 0o777).toString(8);
console.log(JSON.stringify({ kind, mode, same: JSON.stringify(first) === JSON.stringify(second),
  db: first.DB_URL === ${JSON.stringify(DB)}, multi: first.MULTI === ${JSON.stringify(MULTI)}, names: Object.keys(first) }));
`,
  );
});
afterAll(async () => {
  await emulator.close();
  project.remove();
});
beforeEach(() => {
  emulator.seed(USER, [{ id: 'DB_URL', value: DB }, { id: 'MULTI', value: MULTI }]);
  folder = mkdtempSync(join(tmpdir(), 'cs-mount-'));
});

describe('run --mount', () => {
  it('gives a reader the selection as .env lines, every time it reads, from a 0600 pipe that is gone at the end', async () => {
    const path = join(folder, 'secrets.env');
    const ran = await runNode([CLI, 'run', '--mount', path, '--', process.execPath, 'reader.cjs', path], { cwd: project.dir, env: env() });
    expect(ran.code, ran.stderr).toBe(0);
    expect(JSON.parse(ran.stdout)).toEqual({ kind: 'fifo', mode: '600', same: true, db: true, multi: true, names: ['DB_URL', 'MULTI'] });
    expect(existsSync(path)).toBe(false);
    expectNoLeak(ran.stderr, planted, 'stderr');
  });

  it('answers `cat` twice, and the JSON format', async () => {
    const path = join(folder, 'secrets.json');
    const ran = await runNode([CLI, 'run', '--secrets', 'DB_URL', '--mount', path, '--mount-format', 'json', '--', 'sh', '-c', `cat "${path}"; cat "${path}"`], {
      cwd: project.dir,
      env: env(),
    });
    expect(ran.code, ran.stderr).toBe(0);
    const once = `${JSON.stringify({ DB_URL: DB }, null, 2)}\n`;
    expect(ran.stdout === once + once, 'both reads got the whole JSON object').toBe(true);
    expect(existsSync(path)).toBe(false);
  });

  it.skipIf(!hasPythonDotenv)("is read by Python's python-dotenv as a .env file", async () => {
    const path = join(folder, '.env');
    const script = `import json, sys\nfrom dotenv import dotenv_values\nv = dotenv_values(sys.argv[1])\nprint(json.dumps({"db": v.get("DB_URL") == ${JSON.stringify(DB)}, "multi": v.get("MULTI") == ${JSON.stringify(MULTI)}}))`;
    const ran = await runNode([CLI, 'run', '--mount', path, '--', 'python3', '-c', script, path], { cwd: project.dir, env: env() });
    expect(ran.code, ran.stderr).toBe(0);
    expect(JSON.parse(ran.stdout)).toEqual({ db: true, multi: true });
  });

  it('with --watch, each reader gets the newest values', async () => {
    const path = join(folder, 'watch.env');
    const NEW = 'postgres://mount-rotated-4b2d@db/app';
    // The first child reads, rotates the secret and waits; the restarted one reads and ends.
    project.write(
      'rotate.cjs',
      `const { parse } = require(${DOTENV});
const fs = require('node:fs');
const now = parse(fs.readFileSync(process.argv[2])).DB_URL;
if (now === ${JSON.stringify(NEW)}) { console.log('new'); process.exit(0); }
console.log('old');
const { SecretsClient } = require('clarifai-secrets');
new SecretsClient().update([{ id: 'DB_URL', value: ${JSON.stringify(NEW)} }]).then(() => setInterval(() => {}, 1000));
`,
    );
    const ran = await runNode(
      [CLI, 'run', '--keep-pat', '--watch', '--watch-interval', '2', '--watch-grace', '1', '--secrets', 'DB_URL', '--mount', path, '--', process.execPath, 'rotate.cjs', path],
      { cwd: project.dir, env: env(), killAfterMs: 20_000 },
    );
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout).toBe('old\nnew\n');
    expect(existsSync(path)).toBe(false);
    expectNoLeak(ran.stderr, { ...planted, NEW }, 'stderr');
  });

  it('a reader that opens the pipe and never reads does not keep run from ending, and the pipe is gone', async () => {
    emulator.seed(USER, [{ id: 'BIG', value: BIG }]);
    const path = join(folder, 'stalled.env');
    // Opens the pipe and keeps it open unread, in a process that outlives the command.
    const ran = await runNode(
      [CLI, 'run', '--secrets', 'BIG', '--mount', path, '--', 'sh', '-c', `(exec 3<"${path}"; sleep 5) >/dev/null 2>&1 & sleep 0.5`],
      { cwd: project.dir, env: env(), killAfterMs: 15_000 },
    );
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.ms).toBeLessThan(4_000);
    expect(ran.stderr).toMatch(/a reader of --mount .* opened it and stopped reading/);
    expect(existsSync(path)).toBe(false);
    expectNoLeak(ran.stderr, planted, 'stderr');
  });
});

describe('run --mount refuses, in one line, before the command starts', () => {
  it.each([
    ['a path that exists', (dir: string) => {
      const path = join(dir, 'taken.env');
      writeFileSync(path, 'KEEP=me\n');
      return path;
    }, /^clarifai-secrets: --mount .*taken\.env already exists: .*\[ERR_FILE\]\n$/],
    ['a folder that does not exist', (dir: string) => join(dir, 'no-such-folder', 'x.env'), /^clarifai-secrets: --mount .*: the folder .*no-such-folder does not exist.*\[ERR_FILE\]\n$/],
  ])('%s', async (_label, pathIn, line) => {
    const path = pathIn(folder);
    const ran = await runNode([CLI, 'run', '--mount', path, '--', 'sh', '-c', 'echo started'], { cwd: project.dir, env: env() });
    expect(ran.code).toBe(1);
    expect(ran.stdout).toBe('');
    expect(ran.stderr).toMatch(line);
  });

  it('a path that exists is left as it was', async () => {
    const path = join(folder, 'taken.env');
    writeFileSync(path, 'KEEP=me\n');
    await runNode([CLI, 'run', '--mount', path, '--', 'true'], { cwd: project.dir, env: env() });
    const cat = await run('cat', [path]);
    expect(cat.stdout).toBe('KEEP=me\n');
  });

  it.each([
    [['--mount-format', 'json'], /--mount-format needs --mount PATH/],
    [['--mount', 'x', '--mount-format', 'yaml'], /--mount-format takes env or json \(got "yaml"\)/],
  ])('usage errors exit 2: %j', async (flags, line) => {
    const ran = await runNode([CLI, 'run', ...flags, '--', 'true'], { cwd: project.dir, env: env() });
    expect(ran.code).toBe(2);
    expect(ran.stderr).toMatch(line);
  });
});
