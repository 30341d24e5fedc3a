/**
 * The recipes of docs/recipes.md, each run as written, with the tools installed from this folder's
 * package.json, against the emulator: the app or the tests see the secret, and the emulator's
 * request log counts what one run costs. The commands and config lines are checked against the
 * guide, so the two cannot drift apart.
 *
 *   npm run build && npm ci --prefix test/integrations --no-audit --no-fund
 *   npx vitest run --config test/integrations/vitest.config.mjs
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator } from '../../dist/emulator.js';
import { expectNoLeak } from '../support/leaks.ts';
import { baseEnv, run } from '../support/spawn.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const APPS = join(HERE, 'apps');
const BIN = join(HERE, 'node_modules', '.bin');
const INSTALLED = existsSync(join(BIN, 'jest'));
const RECIPES = readFileSync(join(HERE, '..', '..', 'docs', 'recipes.md'), 'utf8');

const PAT = 'pat-INT-recipes-3e9d71';
const VALUE = 'sk-INT-openai-value-51c2';
// One load is one list walk: the page of secrets and the empty page after it, asked together.
const LOAD = 2;

let emulator;
let scratch;

beforeAll(async () => {
  // The fixtures import the package by name, as users do: from this folder's node_modules,
  // linked to the repository (and its built dist/).
  const link = join(HERE, 'node_modules', 'clarifai-secrets');
  if (INSTALLED && !existsSync(link)) symlinkSync(join(HERE, '..', '..'), link, 'dir');
  emulator = await startEmulator({ pats: { [PAT]: 'int-user' }, users: { 'int-user': [{ id: 'OPENAI_API_KEY', value: VALUE }] } });
});
afterAll(() => emulator?.close());
beforeEach(() => {
  emulator.clearRequests();
  scratch = mkdtempSync(join(tmpdir(), 'cs-recipes-'));
  return () => rmSync(scratch, { recursive: true, force: true });
});

function env(extra = {}) {
  return baseEnv({
    PATH: `${BIN}:${process.env.PATH}`,
    CLARIFAI_PAT: PAT,
    CLARIFAI_API_BASE: emulator.url,
    CLARIFAI_SECRETS_CACHE_DIR: join(scratch, 'cache'),
    NEXT_TELEMETRY_DISABLED: '1',
    ...extra,
  });
}

/** A recipe's command line as argv and env (`A='b c'` words before the command are env). */
function parseRecipe(line, shown = true) {
  if (shown) expect(RECIPES, `docs/recipes.md shows: ${line}`).toContain(line);
  const words = line.match(/(?:[^\s']+|'[^']*')+/g);
  const assigned = {};
  while (/^[A-Z_]+=/.test(words[0])) {
    const [name, ...value] = words.shift().split('=');
    assigned[name] = value.join('=').replace(/^'(.*)'$/, '$1');
  }
  return { argv: words.map((w) => w.replace(/^'(.*)'$/, '$1')), assigned };
}

/** Runs a recipe's command line to its end. */
async function recipe(line, { cwd, extraEnv = {}, shown = true } = {}) {
  const { argv, assigned } = parseRecipe(line, shown);
  const ran = await run(argv[0], argv.slice(1), { cwd, env: env({ ...assigned, ...extraEnv }) });
  expectNoLeak(ran.stderr, { PAT }, 'stderr');
  return ran;
}

/**
 * Starts a recipe's command line that never ends on its own (a watcher, a server); `watch` sees
 * stdout as it grows and returns true to end it (SIGTERM). Resolves to what it printed.
 */
function serve(line, { cwd, extraEnv = {}, watch }) {
  const { argv, assigned } = parseRecipe(line);
  return new Promise((resolve, reject) => {
    // A process group of its own: the tool's children go with it, whatever it does with SIGTERM.
    const child = spawn(argv[0], argv.slice(1), { cwd, env: env({ ...assigned, ...extraEnv }), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    let stopping = false;
    const stop = () => {
      if (stopping) return;
      stopping = true;
      process.kill(-child.pid, 'SIGTERM');
    };
    child.stdout.setEncoding('utf8').on('data', async (chunk) => {
      stdout += chunk;
      if (await watch(stdout)) stop();
    });
    child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', () => {
      expectNoLeak(stderr, { PAT }, 'stderr');
      resolve({ stdout, stderr });
    });
  });
}

/** docs/recipes.md shows this block of a config file exactly as the fixture has it. */
function expectShown(file, excerpt) {
  expect(readFileSync(join(APPS, file), 'utf8'), file).toContain(excerpt);
  expect(RECIPES, `docs/recipes.md shows ${file}`).toContain(excerpt);
}

/** A copy of a fixture app in the scratch folder: watchers are made to restart by touching it. */
function copyApp(name) {
  const dir = join(scratch, name);
  cpSync(join(APPS, name), dir, { recursive: true });
  return dir;
}

const seenLines = (stdout) => stdout.split('\n').filter((line) => line.startsWith('{"seen":'));

it.skipIf(INSTALLED)('runs the recipes (npm ci --prefix test/integrations, which .ci/run does)', () => {});

describe.skipIf(!INSTALLED)('recipes', () => {
  // The fixtures resolve clarifai-secrets through this folder's node_modules (a link to the
  // repository); their copies in the scratch folder get the same link.
  beforeEach(() => {
    mkdirSync(join(scratch, 'node_modules'));
    symlinkSync(join(HERE, '..', '..'), join(scratch, 'node_modules', 'clarifai-secrets'), 'dir');
  });

  describe('vitest: globalSetup, one load for the run, in every pool', () => {
    it.each(['forks', 'threads', 'vmForks', 'vmThreads'])('--pool=%s', async (pool) => {
      expectShown('vitest/vitest.config.mjs', "test: { globalSetup: 'clarifai-secrets/register' },");
      const ran = await run(join(BIN, 'vitest'), ['run', `--pool=${pool}`], { cwd: join(APPS, 'vitest'), env: env() });
      expect(ran.code, ran.stdout.slice(-2000)).toBe(0);
      expect(ran.stdout).toMatch(/2 passed/);
      expect(emulator.requests).toHaveLength(LOAD);
    });
  });

  it('jest: globalSetup, one load for the run, every worker sees it', async () => {
    expectShown('jest/jest.config.js', "globalSetup: 'clarifai-secrets/register',");
    // Jest runs in band on its own on 2 cores or with timings that say the tests are fast:
    // force workers once, with a cache of its own (no timings).
    for (const args of [['--maxWorkers=2', `--cacheDirectory=${join(scratch, 'jest-cache')}`], ['--runInBand']]) {
      emulator.clearRequests();
      const ran = await run(join(BIN, 'jest'), args, { cwd: join(APPS, 'jest'), env: env() });
      expect(ran.code, ran.stderr.slice(-2000)).toBe(0);
      expect(ran.stderr).toMatch(/Tests:\s+2 passed/);
      expect(emulator.requests).toHaveLength(LOAD);
    }
  });

  it('tsx', async () => {
    const ran = await recipe('tsx --import clarifai-secrets/register app.ts', { cwd: join(APPS, 'tsx') });
    expect(ran.code).toBe(0);
    expect(seenLines(ran.stdout)).toEqual(['{"seen":true}']);
    expect(emulator.requests).toHaveLength(LOAD);
  });

  it('node --watch: one load per restart', async () => {
    const dir = copyApp('watch');
    const ran = await serve('node --watch --import clarifai-secrets/register app.js', { cwd: dir, watch: restartOnce(dir) });
    expect(seenLines(ran.stdout)).toEqual(['{"seen":true}', '{"seen":true}']);
    expect(emulator.requests).toHaveLength(2 * LOAD);
  });

  it('nodemon: one load per restart', async () => {
    expectShown('nodemon/nodemon.json', '"execMap": { "js": "node --import clarifai-secrets/register" }');
    const dir = copyApp('nodemon');
    const ran = await serve('nodemon app.js', { cwd: dir, watch: restartOnce(dir) });
    expect(seenLines(ran.stdout)).toEqual(['{"seen":true}', '{"seen":true}']);
    expect(emulator.requests).toHaveLength(2 * LOAD);
  });

  describe('pm2: node_args, one load per instance', () => {
    it.each([
      ['fork', 'pm2 start ecosystem.config.js', 1],
      // The guide's file with cluster mode's two lines added.
      ['cluster', 'pm2 start ecosystem.cluster.config.js', 2],
    ])('%s mode', async (mode, line, instances) => {
      expectShown('pm2/ecosystem.config.js', "node_args: '--import clarifai-secrets/register',");
      const results = join(scratch, 'results');
      mkdirSync(results);
      const pm2 = { PM2_HOME: join(scratch, 'pm2-home'), RESULT_DIR: results };
      try {
        const ran = await recipe(line, { cwd: join(APPS, 'pm2'), extraEnv: pm2, shown: mode === 'fork' });
        expect(ran.code, ran.stderr).toBe(0);
        const files = await waitFor(() => (existsSync(results) && readdirSync(results).length >= instances ? readdirSync(results) : undefined));
        expect(files.map((f) => JSON.parse(readFileSync(join(results, f), 'utf8')))).toEqual(Array(instances).fill({ seen: true }));
        expect(emulator.requests).toHaveLength(instances * LOAD);
      } finally {
        await run(join(BIN, 'pm2'), ['kill'], { cwd: join(APPS, 'pm2'), env: env(pm2) });
      }
    });
  });

  describe('Next.js: the flag on next start, values read at request time', () => {
    beforeAll(async () => {
      // Built without secrets: nothing here reads them at build time.
      const built = await run(join(BIN, 'next'), ['build'], { cwd: join(APPS, 'next'), env: baseEnv({ PATH: `${BIN}:${process.env.PATH}`, NEXT_TELEMETRY_DISABLED: '1' }) });
      expect(built.code, built.stdout.slice(-3000) + built.stderr.slice(-3000)).toBe(0);
    }, 600_000);

    it('NODE_OPTIONS on next start', async () => {
      const port = await freePort();
      let answer;
      const ran = await serve("NODE_OPTIONS='--import clarifai-secrets/register' next start", {
        cwd: join(APPS, 'next'),
        extraEnv: { PORT: String(port), HOSTNAME: '127.0.0.1' },
        watch: async (stdout) => {
          if (answer || !/Ready/.test(stdout)) return false;
          answer = {};
          try {
            answer.body = await (await fetch(`http://127.0.0.1:${port}/api/secret`)).json();
          } catch (error) {
            answer.error = String(error);
          }
          return true;
        },
      });
      expect(answer?.body, `${answer?.error ?? ''} ${ran.stdout.slice(-2000)}`).toEqual({ seen: true });
      expect(emulator.requests).toHaveLength(LOAD);
    }, 120_000);
  });
});

/** stopWhen for a watcher: touch the app after its first line, stop after its second. */
function restartOnce(dir) {
  let touched = false;
  return (stdout) => {
    const lines = seenLines(stdout).length;
    if (lines >= 1 && !touched) {
      touched = true;
      const file = join(dir, 'app.js');
      writeFileSync(file, readFileSync(file, 'utf8') + '// touched\n');
    }
    return lines >= 2;
  };
}

async function waitFor(probe, tries = 200) {
  for (let i = 0; i < tries; i++) {
    const value = probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('gave up waiting');
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}
