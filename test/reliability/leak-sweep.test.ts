/**
 * The leak sweep: a distinctive token and distinctive values (spaces, unicode, several
 * lines, a URL) are planted, then every entry point and every CLI command runs under every
 * failure class, with CLARIFAI_SECRETS_DEBUG=true. Everything they produce is collected and
 * searched: stdout, stderr, thrown errors (message, stack, JSON.stringify, util.inspect, the
 * whole `cause` chain), `--json` output, debug lines and warnings, the cache folder, and every
 * file that appeared in the children's private TMPDIR and HOME and in the project folder.
 *
 * No value may appear anywhere but where printing it is the command's job (`get`, `get
 * --json` and `pull` stdout when they succeed); the token may appear nowhere, ever: not in an
 * output, a file, a request URL the emulator saw, or the environment of a child of `run`
 * without `--keep-pat`. Failure messages name the planted item by label (expectNoLeak), never
 * the item. Counts go to test/reports/leak-sweep.json.
 */
import { createServer } from 'node:net';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/settings/config.js';
import { type Emulator, type Fault, startEmulator } from '../../src/emulator/index.js';
import { prepareJob } from '../../src/load/load-job.js';
import { diskCacheFor } from '../../src/load/start.js';
import { exec, watch } from '../cli/helpers.js';
import { expectNoLeak } from '../support/leaks.js';
import { CLI, type Project, REPO_ROOT, makeProject } from '../support/package-link.js';
import { writeReport } from '../support/reports.js';
import { baseEnv } from '../support/spawn.js';
import { proxy } from '../support/hostile.js';
import { type Dispatcher, ProxyAgent } from 'undici';

type Api = typeof import('../../src/index.js');

const PAT = 'pat-LEAKSWEEP-c0ffee-Qz7w3K9m2X4v';
const USER = 'sweep-user';
/** A token the emulator does not accept (the emulator command's 401): no log may echo it either. */
const WRONG_PAT = 'pat-LEAKSWEEP-WRONG-b4dc0de-77Hj';

interface Plant {
  label: string;
  value: string;
  /** ASCII pieces of the value: they catch a part of it, or a form escaped for JSON, a shell or a file. */
  markers: string[];
}

/** Stored before each class runs. */
const SEEDED: Array<Plant & { id: string }> = [
  { id: 'LS_PLAIN', label: 'value LS_PLAIN', value: 'lsv-plain-Z3k9Q1xr', markers: [] },
  { id: 'LS_SPACES', label: 'value LS_SPACES', value: 'lsv-spaces-W7m2 with  two spaces P5x8 ', markers: ['lsv-spaces-W7m2', 'spaces P5x8'] },
  { id: 'LS_UNICODE', label: 'value LS_UNICODE', value: 'lsv-uni-R4t6 ünïcødé 🔑 密钥 ✓', markers: ['lsv-uni-R4t6'] },
  { id: 'LS_MULTILINE', label: 'value LS_MULTILINE', value: 'lsv-line-one-H2j8\nlsv-line-two "q" \'s\' $HOME #N6b3', markers: ['lsv-line-one-H2j8', 'lsv-line-two'] },
  { id: 'ls-url', label: 'value ls-url', value: 'postgres://app:lsv-pw-V9c1@db.internal:5432/app', markers: ['lsv-pw-V9c1'] },
];
/** Written by the commands: create and update (stdin), push (a .env file). */
const CREATED: Plant = { label: 'value given to create', value: 'lsv-created-T8y4 via stdin ✓', markers: ['lsv-created-T8y4'] };
const UPDATED: Plant = { label: 'value given to update', value: 'lsv-updated-G3h7', markers: [] };
const PUSHED_NEW: Plant = { label: 'value pushed new', value: 'lsv-pushed-new-D5f2 ünï', markers: ['lsv-pushed-new-D5f2'] };
const PUSHED_CHANGED: Plant = { label: 'value pushed changed', value: 'lsv-pushed-changed-K1l9', markers: [] };
const VALUES: Plant[] = [...SEEDED, CREATED, UPDATED, PUSHED_NEW, PUSHED_CHANGED];
const TOKENS: Plant[] = [
  { label: 'PAT', value: PAT, markers: [PAT.slice(-14)] },
  { label: 'wrong PAT', value: WRONG_PAT, markers: [WRONG_PAT.slice(-14)] },
];

function plantedOf(plants: readonly Plant[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const plant of plants) {
    out[plant.label] = plant.value;
    const json = JSON.stringify(plant.value).slice(1, -1);
    if (json !== plant.value) out[`${plant.label} (JSON-escaped)`] = json;
    plant.markers.forEach((marker, i) => {
      out[`${plant.label} (part ${i + 1})`] = marker;
    });
  }
  return out;
}

/** Everything: no output or file may hold any of it. */
const ALL = plantedOf([...TOKENS, ...VALUES]);
/** Output whose job is values (get, pull): the tokens only. */
const TOKENS_ONLY = plantedOf(TOKENS);

const counts = { runs: 0, outputsChecked: 0, filesChecked: 0, leaksFound: 0 };
/** Tests that ran (passed or not): the report is written only for a whole sweep, not a -t subset. */
const finished = new Set<string>();

function leaksIn(text: string, planted: Record<string, string>): string[] {
  return Object.entries(planted)
    .filter(([, secret]) => text.includes(secret))
    .map(([label]) => label);
}

/** One output checked; counted, then asserted through expectNoLeak (labels only in the message). */
function checkOutput(text: string, where: string, valuesAllowed = false): void {
  const planted = valuesAllowed ? TOKENS_ONLY : ALL;
  counts.outputsChecked++;
  counts.leaksFound += leaksIn(text, planted).length;
  expectNoLeak(text, planted, where);
}

/** Every file below `dir` (symlinks and `skip`ped names not followed), as UTF-8 and as bytes. */
function checkFolder(dir: string, where: string, skip: ReadonlySet<string> = new Set()): number {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  let files = 0;
  for (const name of names) {
    if (skip.has(name)) continue;
    const path = join(dir, name);
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) continue;
    if (stat.isDirectory()) {
      files += checkFolder(path, where);
      continue;
    }
    const bytes = readFileSync(path);
    const text = `${bytes.toString('utf8')}\n${bytes.toString('latin1')}`;
    counts.filesChecked++;
    files++;
    counts.leaksFound += leaksIn(text, ALL).length;
    expectNoLeak(text, ALL, `${where}: file ${path.slice(dir.length)}`);
  }
  return files;
}

// ---- The programs the entry points start ----

/** The app behind the preloads and `run`: names and whether it holds a token; values only when asked. */
const APP = `
const names = Object.keys(process.env).filter((n) => /^(LS_|ls_)/.test(n)).sort();
console.log(JSON.stringify({ names, hasPat: 'CLARIFAI_PAT' in process.env }));
if (process.argv.includes('--print-values')) {
  for (const n of names) { console.log(n + '=' + process.env[n]); console.error(n + '=' + process.env[n]); }
}
if (process.argv.includes('--print-pat') && process.env.CLARIFAI_PAT) console.log('pat=' + process.env.CLARIFAI_PAT);
`;

/** loadSecretsSync in a child: prints its report, or everything its error carries, as JSON. */
const SYNC_SCRIPT = `
const { inspect } = require('node:util');
const api = require('clarifai-secrets');
const warnings = [];
const env = {};
const json = (v) => { try { return JSON.stringify(v); } catch (e) { return 'unserializable: ' + e.message; } };
function texts(error) {
  const out = [];
  for (let e = error, depth = 0; e != null && depth < 10; e = e.cause, depth++) {
    out.push(String(e), String(e && e.stack), json(e), inspect(e, { depth: 10 }));
  }
  return out;
}
try {
  const report = api.loadSecretsSync({ env, debug: true, onWarning: (m) => warnings.push(m) });
  console.log(json({ ok: true, report, names: Object.keys(env).sort(), warnings }));
} catch (error) {
  console.log(json({ ok: false, code: error && error.code, texts: texts(error), warnings }));
  process.exitCode = 1;
}
`;

// ---- Failure classes ----

interface FailureClass {
  name: string;
  /** Sets the failure up; returns the base URL when it is not the emulator's. */
  inject(emulator: Emulator, refusedUrl: string): string | undefined;
  /** Deadline of each load or client call. */
  timeoutMs: number;
  /** With a last-known-good copy, the loaders serve it (true) or still fail (false: the API said no). */
  fallsBack: boolean;
  /** Every entry succeeds, as with no failure (a working proxy in between). */
  succeeds?: boolean;
  /** Only some commands meet the failure (a list walk's): exit codes are not checked, leaks are. */
  anyExit?: boolean;
  /** Variables the children get on top of the usual ones (a proxy). */
  env?: Record<string, string>;
  /** What the in-process load is given for the same proxy (it reads no environment for it). */
  dispatcher?: () => Dispatcher;
}

const always = (fault: Fault) => (e: Emulator) => void e.inject(fault, { times: Infinity });
const htmlPage = (status: number): Fault => ({ kind: 'raw', status, body: `<html>Sign in. We caught Key ${PAT}</html>`, contentType: 'text/html' });
const brokenProxy = await proxy('cuts');
const tunnellingProxy = await proxy('tunnels', true);
/** Not loopback, so it goes through the proxy; never resolved, since the proxy is asked for it. */
const PROXIED_HOST = 'clarifai-secrets-sweep.test';

/** Page after page of new secrets, kept small: the emulator shares this thread. */
function endlessList(e: Emulator): undefined {
  let page = 0;
  e.inject({ kind: 'transform', transform: (json) => ({ ...json, secrets: Array.from({ length: 1000 }, (_, i) => ({ id: `END_${++page}_${i}`, value: 'e' })) }) }, { times: Infinity });
  return undefined;
}

const CLASSES: FailureClass[] = [
  { name: 'success', inject: () => undefined, timeoutMs: 10_000, fallsBack: true },
  { name: '401 unknown token', inject: always({ kind: 'error', status: 401, code: 11008 }), timeoutMs: 1500, fallsBack: false },
  { name: '403 missing scope', inject: always({ kind: 'error', status: 403, code: 11007 }), timeoutMs: 1500, fallsBack: false },
  { name: '404 not found', inject: always({ kind: 'error', status: 404, code: 11101 }), timeoutMs: 1500, fallsBack: false },
  { name: '503 every time', inject: always({ kind: 'error', status: 503, code: 98004 }), timeoutMs: 1500, fallsBack: true },
  { name: 'hang (short timeout)', inject: always({ kind: 'hang' }), timeoutMs: 800, fallsBack: true },
  // A captive portal's page, which echoes the request it caught, credentials included.
  {
    name: 'garbage (HTML with 200)',
    inject: always({ kind: 'raw', body: `<html><body>Sign in to the Wi-Fi. We caught: GET /v2/users/me/secrets Authorization: Key ${PAT}</body></html>`, contentType: 'text/html' }),
    timeoutMs: 1500,
    fallsBack: true,
  },
  { name: 'connection refused', inject: (_e, refusedUrl) => refusedUrl, timeoutMs: 1500, fallsBack: true },
  // Pages from something in between: they are no answer, and never delete the copy.
  { name: 'HTML 401 page', inject: always(htmlPage(401)), timeoutMs: 1500, fallsBack: true },
  { name: 'HTML 403 page', inject: always(htmlPage(403)), timeoutMs: 1500, fallsBack: true },
  { name: 'HTML 404 page', inject: always(htmlPage(404)), timeoutMs: 1500, fallsBack: true },
  // A proxy that drops every CONNECT (the in-process load, told of no proxy, meets a name that does not resolve).
  {
    name: 'broken proxy',
    inject: () => `https://${PROXIED_HOST}`,
    env: { HTTPS_PROXY: brokenProxy.url, HTTP_PROXY: brokenProxy.url },
    // Behind a proxy every path loads undici, the sync path's worker included.
    timeoutMs: 4000,
    fallsBack: true,
  },
  // A working proxy: every host tunnelled to loopback, where the emulator is.
  {
    name: 'tunnelling proxy',
    inject: (e) => e.url.replace('127.0.0.1', PROXIED_HOST),
    env: { HTTPS_PROXY: tunnellingProxy.url, HTTP_PROXY: tunnellingProxy.url, CLARIFAI_SECRETS_ALLOW_HTTP: 'true' },
    dispatcher: () => new ProxyAgent(tunnellingProxy.url),
    timeoutMs: 10_000,
    fallsBack: true,
    succeeds: true,
  },
  // Page after page of new secrets: the walk ends at its bounds (or the deadline).
  { name: 'endless list', inject: endlessList, timeoutMs: 1500, fallsBack: true, anyExit: true },
  // A server (or proxy) that echoes the request's credentials in the text the client shows.
  {
    name: 'a 400 whose description and details echo the token',
    inject: always({ kind: 'error', status: 400, code: 11102, description: `bad request from Key ${PAT} (${PAT})`, details: `Authorization: Key ${PAT}` }),
    timeoutMs: 1500,
    fallsBack: false,
  },
];

// ---- Entry points ----

interface Output {
  where: string;
  text: string;
  /** Printing values is this output's job (get, pull): checked for the tokens only. */
  valuesAllowed?: boolean;
}

interface Captured {
  /** Exit code; for the in-process API 0 (resolved) or 1 (threw). */
  code: number | null;
  outputs: Output[];
  /** The child of `run` (or the preloaded app) as it reported itself. */
  app?: { names: string[]; hasPat: boolean };
}

interface World {
  failure: FailureClass;
  baseUrl: string;
  project: Project;
  cacheDir: string;
  /** The children's TMPDIR and HOME: fresh, so every file in them is new. */
  tmp: string;
  home: string;
  /** The copy is on disk (the warm phase). */
  warm: boolean;
}

interface EntryPoint {
  name: string;
  /** Loads (through the loader, with its fallback): also run in the warm phase. */
  loads?: boolean;
  /** Not a CLI command with the one failure line (`clarifai-secrets: ... [ERR_X]`). */
  ownFailureOutput?: boolean;
  /** Changes the store: runs after every read. */
  writes?: boolean;
  run(world: World): Promise<Captured>;
}

function childEnv(world: World): Record<string, string | undefined> {
  return baseEnv({
    HOME: world.home,
    TMPDIR: world.tmp,
    CLARIFAI_PAT: PAT,
    CLARIFAI_API_BASE: world.baseUrl,
    CLARIFAI_SECRETS_CACHE_DIR: world.cacheDir,
    CLARIFAI_SECRETS_TIMEOUT: String(world.failure.timeoutMs),
    CLARIFAI_SECRETS_DEBUG: 'true',
    ...world.failure.env,
  });
}

function parseApp(stdout: string): Captured['app'] {
  const line = stdout.split('\n').find((l) => l.startsWith('{"names"'));
  return line ? (JSON.parse(line) as { names: string[]; hasPat: boolean }) : undefined;
}

/** `node <args>` in the project, with the class's environment; stdout may hold values only on success when `printsValues`. */
function nodeEntry(name: string, args: string[], options: { loads?: boolean; writes?: boolean; printsValues?: boolean; input?: string; ownFailureOutput?: boolean } = {}): EntryPoint {
  return {
    name,
    ...(options.loads ? { loads: true } : {}),
    ...(options.writes ? { writes: true } : {}),
    ...(options.ownFailureOutput ? { ownFailureOutput: true } : {}),
    async run(world) {
      const ran = await exec(process.execPath, args, {
        cwd: world.project.dir,
        env: childEnv(world),
        input: options.input ?? '',
        killAfterMs: world.failure.timeoutMs + 15_000,
      });
      const app = parseApp(ran.stdout);
      return {
        code: ran.code,
        outputs: [
          { where: `stdout of ${name}`, text: ran.stdout, valuesAllowed: Boolean(options.printsValues) && ran.code === 0 },
          { where: `stderr of ${name}`, text: ran.stderr },
        ],
        ...(app ? { app } : {}),
      };
    },
  };
}

/** `node <CLI> ...args`, named as typed (the node binary of `run`'s child as `node`). */
const cli = (args: string[], options: Parameters<typeof nodeEntry>[2] = {}): EntryPoint =>
  nodeEntry(`clarifai-secrets ${args.map((a) => (a === process.execPath ? 'node' : a)).join(' ')}`, [CLI, ...args], options);

/** Everything an error carries, down its `cause` chain. */
function errorTexts(error: unknown): string[] {
  const texts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 10; depth++) {
    let json: string;
    try {
      json = JSON.stringify(current) ?? '';
    } catch (e) {
      json = `unserializable: ${(e as Error).message}`;
    }
    texts.push(String(current), String((current as { stack?: unknown }).stack), json, inspect(current, { depth: 10 }));
    current = (current as { cause?: unknown }).cause;
  }
  return texts;
}

let api: Api;

/**
 * What this process writes to its stdout and stderr while an in-process load runs: one tap
 * for the whole file (loads of several classes overlap), feeding every open capture.
 */
const captures = new Set<string[]>();
const originalWrites = { out: process.stdout.write, err: process.stderr.write };
function tap(original: typeof process.stdout.write): typeof process.stdout.write {
  return function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]): boolean {
    for (const capture of captures) capture.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    return (original as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
  } as typeof process.stdout.write;
}

/** loadSecrets in this process: its report, warnings and whatever it wrote to our stdout/stderr, or its error. */
const loadSecretsInProcess: EntryPoint = {
  name: 'loadSecrets (in process)',
  loads: true,
  ownFailureOutput: true,
  async run(world) {
    const warnings: string[] = [];
    const printed: string[] = [];
    captures.add(printed);
    const env: Record<string, string | undefined> = {};
    let code = 0;
    let texts: string[];
    try {
      const report = await api.loadSecrets({
        env,
        pat: PAT,
        baseUrl: world.baseUrl,
        cacheDir: world.cacheDir,
        timeout: world.failure.timeoutMs,
        debug: true,
        envFile: false,
        allowInsecureHttp: world.failure.env?.['CLARIFAI_SECRETS_ALLOW_HTTP'] === 'true',
        ...(world.failure.dispatcher ? { dispatcher: world.failure.dispatcher() } : {}),
        onWarning: (m) => warnings.push(m),
      });
      texts = [JSON.stringify(report), inspect(report)];
    } catch (error) {
      code = 1;
      texts = errorTexts(error);
    } finally {
      captures.delete(printed);
    }
    return {
      code,
      outputs: [
        ...texts.map((text, i) => ({ where: `loadSecrets result or error (text ${i + 1})`, text })),
        { where: 'loadSecrets warnings', text: warnings.join('\n') },
        { where: 'loadSecrets output on this process', text: printed.join('') },
      ],
    };
  },
};

const loadSecretsSyncChild: EntryPoint = {
  name: 'loadSecretsSync (child)',
  loads: true,
  ownFailureOutput: true,
  async run(world) {
    const ran = await exec(process.execPath, ['sync.cjs'], { cwd: world.project.dir, env: childEnv(world), killAfterMs: world.failure.timeoutMs + 15_000 });
    return {
      code: ran.code,
      outputs: [
        { where: 'stdout of loadSecretsSync (report, or the error with its causes)', text: ran.stdout },
        { where: 'stderr of loadSecretsSync', text: ran.stderr },
      ],
    };
  },
};

const ENTRY_POINTS: EntryPoint[] = [
  loadSecretsInProcess,
  loadSecretsSyncChild,
  nodeEntry('node --import clarifai-secrets/register', ['--import', 'clarifai-secrets/register', 'app.cjs'], { loads: true }),
  nodeEntry('node -r clarifai-secrets/register', ['-r', 'clarifai-secrets/register', 'app.cjs'], { loads: true }),
  cli(['run', '--', process.execPath, 'app.cjs'], { loads: true }),
  // The child prints every value on stdout and stderr: run must conceal each one.
  cli(['run', '--mask', '--', process.execPath, 'app.cjs', '--print-values'], { loads: true }),
  // The child has the token and prints it: --mask conceals the token as well.
  cli(['run', '--keep-pat', '--mask', '--', process.execPath, 'app.cjs', '--print-pat'], { loads: true }),
  cli(['get', 'LS_SPACES'], { printsValues: true }),
  cli(['get', '--json', 'LS_UNICODE'], { printsValues: true }),
  cli(['list']),
  cli(['list', '--json']),
  cli(['pull'], { loads: true, printsValues: true }),
  cli(['pull', '--format', 'env'], { loads: true, printsValues: true }),
  cli(['pull', '--format', 'json'], { loads: true, printsValues: true }),
  cli(['pull', '--format', 'shell'], { loads: true, printsValues: true }),
  cli(['doctor'], { ownFailureOutput: true }),
  cli(['push', '--dry-run', 'push.env']),
  cli(['push', 'push.env'], { writes: true }),
  cli(['create', 'LS_CREATED'], { writes: true, input: CREATED.value }),
  cli(['update', 'LS_PLAIN'], { writes: true, input: `${UPDATED.value}\n` }),
  cli(['delete', '--yes', 'LS_CREATED'], { writes: true }),
];

/** The .env file `push` reads: one unchanged, one changed, one new, and the token (a setting, never pushed or echoed). */
const PUSH_ENV = [
  `LS_PLAIN=${JSON.stringify(SEEDED[0]?.value)}`,
  `LS_SPACES=${JSON.stringify(PUSHED_CHANGED.value)}`,
  `LS_PUSHED=${JSON.stringify(PUSHED_NEW.value)}`,
  `CLARIFAI_PAT=${PAT}`,
  '',
].join('\n');
const PROJECT_FILES = new Set(['node_modules', 'app.cjs', 'sync.cjs', 'push.env']);

// ---- The sweep ----

let refusedUrl: string;

beforeAll(async () => {
  api = (await import(pathToFileURL(join(REPO_ROOT, 'dist', 'index.js')).href)) as Api;
  process.stdout.write = tap(originalWrites.out);
  process.stderr.write = tap(originalWrites.err);
  // A port that refuses: bound, then closed.
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 9;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  refusedUrl = `http://127.0.0.1:${port}`;
});

afterAll(() => {
  process.stdout.write = originalWrites.out;
  process.stderr.write = originalWrites.err;
  if (finished.size < CLASSES.length + 1) return;
  writeReport('leak-sweep.json', counts);
});

/** Writes the copy a past successful load of everything would have left. */
function seedCopy(baseUrl: string, cacheDir: string): void {
  const config = resolveConfig({ pat: PAT, baseUrl, cacheDir, envFile: false, allowInsecureHttp: true }, {});
  const entries = SEEDED.map((s): [string, string] => [s.id.replace(/[^A-Za-z0-9_]/g, '_'), s.value]);
  diskCacheFor(prepareJob({}, config), () => undefined)?.write({ at: Date.now() - 60_000, entries, missing: [], dangerous: [] });
}

function checkRequests(emulator: Emulator, where: string): void {
  for (const request of emulator.requests) {
    const query = new URLSearchParams(request.query).toString();
    const url = `${request.path}${query ? `?${query}` : ''}`;
    let decoded = url;
    try {
      decoded = decodeURIComponent(url);
    } catch {}
    checkOutput(`${url}\n${decoded}`, `${where}: URL of ${request.method} ${request.path.slice(0, 40)}`);
    checkOutput(JSON.stringify(request.headers), `${where}: headers of ${request.method}`);
  }
}

/** Runs every entry point of one class (cold, then the loaders with a copy on disk) and checks all it left. */
async function sweep(failure: FailureClass): Promise<string[]> {
  const emulator = await startEmulator({ pats: { [PAT]: USER }, users: { [USER]: [] }, allowedHosts: [PROXIED_HOST] });
  const project = makeProject('cs-sweep-');
  const scratch = mkdtempSync(join(tmpdir(), 'cs-sweep-'));
  const problems: string[] = [];
  try {
    project.write('app.cjs', APP);
    project.write('sync.cjs', SYNC_SCRIPT);
    project.write('push.env', PUSH_ENV);
    emulator.seed(USER, SEEDED.map(({ id, value }) => ({ id, value, description: `sweep ${id}` })));
    const baseUrl = failure.inject(emulator, refusedUrl) ?? emulator.url;
    const ok = failure.name === 'success' || failure.succeeds === true;

    for (const phase of ['cold', 'warm'] as const) {
      const world: World = {
        failure,
        baseUrl,
        project,
        cacheDir: join(scratch, `cache-${phase}`),
        tmp: join(scratch, `tmp-${phase}`),
        home: join(scratch, `home-${phase}`),
        warm: phase === 'warm',
      };
      for (const dir of [world.cacheDir, world.tmp, world.home]) mkdirSync(dir, { recursive: true, mode: 0o700 });
      if (world.warm) seedCopy(baseUrl, world.cacheDir);
      // Cold: every entry point (reads first); warm: the loaders, which may serve the copy.
      const entries = phase === 'cold' ? [...ENTRY_POINTS.filter((e) => !e.writes), ...ENTRY_POINTS.filter((e) => e.writes)] : ok ? [] : ENTRY_POINTS.filter((e) => e.loads);
      for (const entry of entries) {
        const label = `${failure.name} (${phase}), ${entry.name}`;
        const captured = await entry.run(world);
        counts.runs++;
        for (const output of captured.outputs) checkOutput(output.text, `${label}: ${output.where}`, output.valuesAllowed);
        // Each run did what this class makes it do: a sweep of crashes would prove nothing.
        const succeeds = ok || (world.warm && failure.fallsBack && entry.loads === true);
        if (!failure.anyExit && captured.code !== (succeeds ? 0 : 1)) problems.push(`${label}: exit code ${captured.code}, expected ${succeeds ? 0 : 1}`);
        if (!succeeds && !entry.ownFailureOutput && !(failure.anyExit && captured.code === 0)) {
          const stderr = captured.outputs.find((o) => o.where.startsWith('stderr'))?.text ?? '';
          if (!/^clarifai-secrets: .+ \[ERR_[A-Z_]+\]$/m.test(stderr)) problems.push(`${label}: no "clarifai-secrets: ... [ERR_CODE]" line`);
        }
        if (captured.app && entry.name.startsWith('clarifai-secrets run')) {
          const keepsPat = entry.name.includes('--keep-pat');
          if (captured.app.hasPat !== keepsPat) problems.push(`${label}: the child ${keepsPat ? 'lacks' : 'has'} CLARIFAI_PAT`);
        }
        if (succeeds && entry.name.includes('app.cjs') && !captured.app?.names.includes('LS_PLAIN')) problems.push(`${label}: the app did not get the secrets`);
      }
      checkFolder(world.cacheDir, `${failure.name} (${phase}) cache folder`);
      checkFolder(world.tmp, `${failure.name} (${phase}) TMPDIR`);
      checkFolder(world.home, `${failure.name} (${phase}) HOME`);
    }
    checkFolder(project.dir, `${failure.name} project folder (new files)`, PROJECT_FILES);
    checkRequests(emulator, failure.name);
    if (ok && emulator.requests.length === 0) problems.push('no request reached the emulator');
  } finally {
    await emulator.close();
    project.remove();
    rmSync(scratch, { recursive: true, force: true });
  }
  return problems;
}

describe.concurrent('leak sweep', () => {
  for (const failure of CLASSES) {
    it(`every entry point and command under ${failure.name} leaks no value and no token`, async () => {
      let problems: string[];
      try {
        problems = await sweep(failure);
      } finally {
        finished.add(failure.name);
      }
      expect(problems).toEqual([]);
    }, 300_000);
  }

  /**
   * A server or proxy that echoes the request body in `status.description`: the client
   * knows what it sent, and leaves out any server text that quotes a value or the token.
   */
  it(
    'create, update and push do not print the value they sent when the server echoes the request in status.description',
    async () => {
      const emulator = await startEmulator({ pats: { [PAT]: USER }, users: { [USER]: [] }, allowedHosts: [PROXIED_HOST] });
      const project = makeProject('cs-sweep-echo-');
      const scratch = mkdtempSync(join(tmpdir(), 'cs-sweep-echo-'));
      try {
        emulator.seed(USER, SEEDED.map(({ id, value }) => ({ id, value })));
        project.write('push.env', PUSH_ENV);
        const echo: Fault = { kind: 'transform', status: 400, transform: (_json, request) => ({ status: { code: 11102, description: `invalid request ${JSON.stringify(request.body)}` } }) };
        emulator.inject(echo, { method: 'POST', times: Infinity });
        emulator.inject(echo, { method: 'PATCH', times: Infinity });
        const env = baseEnv({ HOME: scratch, TMPDIR: scratch, CLARIFAI_PAT: PAT, CLARIFAI_API_BASE: emulator.url, CLARIFAI_SECRETS_CACHE_DIR: 'off' });
        const leaked: string[] = [];
        for (const [args, input] of [[['create', 'LS_CREATED'], CREATED.value], [['update', 'LS_PLAIN'], UPDATED.value], [['push', 'push.env'], '']] as const) {
          const ran = await exec(process.execPath, [CLI, ...args], { cwd: project.dir, env, input, killAfterMs: 20_000 });
          expect(ran.code, `clarifai-secrets ${args.join(' ')} exit code`).toBe(1);
          const found = leaksIn(ran.stdout + ran.stderr, ALL);
          if (found.length > 0) leaked.push(`clarifai-secrets ${args[0]}: ${found.join(', ')}`);
        }
        // Labels only: which command printed which planted item.
        expect(leaked).toEqual([]);
      } finally {
        await emulator.close();
        project.remove();
        rmSync(scratch, { recursive: true, force: true });
      }
    },
    60_000,
  );

  it('the emulator command logs no value and no token, whatever it is sent', async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'cs-sweep-emulator-'));
    const project = makeProject('cs-sweep-emulator-');
    const problems: string[] = [];
    const env = baseEnv({ HOME: scratch, TMPDIR: scratch });
    const server = watch(process.execPath, [CLI, 'emulator', '--port', '0', '--pat', PAT, '--user', USER], { cwd: project.dir, env });
    try {
      await server.waitFor('\n');
      const url = server.stdout().trim();
      counts.runs++;
      const clientEnv = (pat: string) => baseEnv({ HOME: scratch, TMPDIR: scratch, CLARIFAI_PAT: pat, CLARIFAI_API_BASE: url, CLARIFAI_SECRETS_CACHE_DIR: 'off', CLARIFAI_SECRETS_TIMEOUT: '5000', CLARIFAI_SECRETS_DEBUG: 'true' });
      project.write('push.env', PUSH_ENV);
      const calls: Array<{ args: string[]; pat?: string; input?: string; code: number; valuesOnStdout?: boolean }> = [
        { args: ['create', 'LS_SPACES'], input: SEEDED[1]?.value ?? '', code: 0 },
        { args: ['create', 'LS_CREATED'], input: CREATED.value, code: 0 },
        { args: ['create', 'LS_CREATED'], input: CREATED.value, code: 1 }, // 409
        { args: ['get', 'LS_CREATED'], code: 0, valuesOnStdout: true },
        { args: ['get', 'LS_NOPE'], code: 1 }, // 404
        { args: ['get', '--user-id', 'someone-else', 'LS_CREATED'], code: 1 }, // 403
        { args: ['list', '--json'], pat: WRONG_PAT, code: 1 }, // 401
        { args: ['update', 'LS_CREATED'], input: UPDATED.value, code: 0 },
        { args: ['push', 'push.env'], code: 0 },
        { args: ['pull', '--format', 'json'], code: 0, valuesOnStdout: true },
        { args: ['list'], code: 0 },
        { args: ['delete', '--yes', 'LS_CREATED'], code: 0 },
      ];
      for (const call of calls) {
        const ran = await exec(process.execPath, [CLI, ...call.args], { cwd: project.dir, env: clientEnv(call.pat ?? PAT), input: call.input ?? '', killAfterMs: 20_000 });
        counts.runs++;
        const label = `clarifai-secrets ${call.args.join(' ')} against the emulator command`;
        checkOutput(ran.stdout, `stdout of ${label}`, call.valuesOnStdout === true && ran.code === 0);
        checkOutput(ran.stderr, `stderr of ${label}`);
        if (ran.code !== call.code) problems.push(`${label}: exit code ${ran.code}, expected ${call.code}`);
      }
      // Garbage straight at the server: a broken body holding a value, a value in a header.
      const broken = await fetch(`${url}/v2/users/me/secrets`, {
        method: 'POST',
        headers: { authorization: `Key ${PAT}`, 'content-type': 'application/json', 'x-note': PUSHED_NEW.markers[0] ?? '' },
        body: `{"secrets":[{"id":"LS_BROKEN","value":${JSON.stringify(PUSHED_NEW.value)}`,
      });
      checkOutput(await broken.text(), 'the emulator command\'s answer to a broken body');
      const wrongScheme = await fetch(`${url}/v2/users/me/secrets`, { headers: { authorization: `Bearer ${WRONG_PAT}` } });
      checkOutput(await wrongScheme.text(), 'the emulator command\'s answer to a malformed authorization');
    } finally {
      finished.add('emulator command');
      server.child.kill('SIGINT');
      const ran = await server.done;
      checkOutput(ran.stdout, 'stdout of clarifai-secrets emulator');
      checkOutput(ran.stderr, 'stderr of clarifai-secrets emulator (its log lines)');
      if (!/-> 40[13]/.test(ran.stderr)) problems.push('the emulator command logged no refused request');
      checkFolder(scratch, 'emulator command TMPDIR and HOME');
      checkFolder(project.dir, 'emulator command project folder (new files)', PROJECT_FILES);
      project.remove();
      rmSync(scratch, { recursive: true, force: true });
    }
    expect(problems).toEqual([]);
  }, 120_000);
});
