/**
 * The entry points of the fault matrix, each driven the way users drive it. Every entry
 * returns one Outcome: what happened, the error code if any, how long it took, and every
 * byte it printed (for the leak and stack-trace checks).
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { CLI, type Project } from '../support/package-link.js';
import { baseEnv, runNode } from '../support/spawn.js';
import type { Reads } from './faults.js';

export interface Cell {
  baseUrl: string;
  pat: string;
  cacheDir: string;
  timeoutMs: number;
  /** CLARIFAI_SECRETS for this cell; unset = all. */
  secrets?: string;
  /** Extra variables of the fault (a proxy). */
  env?: Record<string, string>;
}

export interface Outcome {
  kind: 'loaded' | 'fallback' | 'cache' | 'error';
  code?: string;
  /** Env name to a short hash of the value: values themselves never leave the child. */
  loaded?: Record<string, string>;
  /** The ids listed, sorted (entries that read ids). */
  ids?: string[];
  ms: number;
  /** Everything printed or thrown that must hold no value and no token: leak and stack-trace checks. */
  output: string;
  /** Output whose job is to hold values (`pull`'s stdout): checked for the token and stack traces only. */
  valuesOutput?: string;
}

export interface Entry {
  name: string;
  /** What the entry reads: see faults.ts (`expectedFor`). Default `values`. */
  reads?: Reads;
  run(cell: Cell, project: Project): Promise<Outcome>;
}

export function hashOf(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 12);
}

/** Prints `{"loaded": {NAME: hash}}` of every variable the preload set (names from the marker list). */
const APP = `
const { createHash } = require('node:crypto');
const loaded = {};
for (const [name, value] of Object.entries(process.env)) {
  if (name.startsWith('MX_') || name === 'odd_id_1') loaded[name] = createHash('sha256').update(value).digest('hex').slice(0, 12);
}
console.log(JSON.stringify({ loaded }));
`;

/** A script that calls the API in a child (loadSecretsSync blocks its thread: it cannot share one with the emulator). */
const API_SCRIPT = (sync: boolean) => `
const { createHash } = require('node:crypto');
const api = require('clarifai-secrets');
const env = {};
const warnings = [];
const done = (result) => { console.log(JSON.stringify({ ...result, warnings })); };
const options = { env, onWarning: (m) => warnings.push(m) };
const hashes = () => Object.fromEntries(Object.entries(env).filter(([n]) => n.startsWith('MX_') || n === 'odd_id_1')
  .map(([n, v]) => [n, createHash('sha256').update(v).digest('hex').slice(0, 12)]));
const fail = (error) => done({ error: { code: error.code, message: error.message, isSecretsError: api.isSecretsError(error) } });
${sync
  ? 'try { const report = api.loadSecretsSync(options); done({ report, loaded: hashes() }); } catch (error) { fail(error); }'
  : 'api.loadSecrets(options).then((report) => done({ report, loaded: hashes() }), fail);'}
`;

function cellEnv(cell: Cell, extra: Record<string, string> = {}): Record<string, string | undefined> {
  return baseEnv({
    CLARIFAI_PAT: cell.pat,
    CLARIFAI_API_BASE: cell.baseUrl,
    CLARIFAI_SECRETS_CACHE_DIR: cell.cacheDir,
    CLARIFAI_SECRETS_TIMEOUT: String(cell.timeoutMs),
    CLARIFAI_SECRETS_DEBUG: 'true',
    ...(cell.secrets === undefined ? {} : { CLARIFAI_SECRETS: cell.secrets }),
    ...cell.env,
    ...extra,
  });
}

/** The debug line names the source; the failure line ends with [ERR_CODE]. */
function fromPreloadOutput(code: number | null, stdout: string, stderr: string, ms: number): Outcome {
  const output = stdout + stderr;
  const line = stdout.split('\n').find((l) => l.startsWith('{'));
  if (code === 0 && line) {
    const source = /from (api|cache|fallback) in/.exec(stderr)?.[1];
    const kind = source === 'fallback' ? 'fallback' : source === 'cache' ? 'cache' : 'loaded';
    return { kind, loaded: (JSON.parse(line) as { loaded: Record<string, string> }).loaded, ms, output };
  }
  return failed(stderr, ms, output);
}

/** Every CLI command's failure line: `clarifai-secrets: <message> [ERR_CODE]`. */
function failed(stderr: string, ms: number, output: string, valuesOutput?: string): Outcome {
  const errorCode = /^clarifai-secrets: .*\[(ERR_[A-Z_]+)\]\s*$/m.exec(stderr)?.[1];
  return { kind: 'error', ...(errorCode ? { code: errorCode } : {}), ms, output, ...(valuesOutput === undefined ? {} : { valuesOutput }) };
}

/** The matrix's own names: what APP and API_SCRIPT look at. */
const isMatrixName = (name: string): boolean => name.startsWith('MX_') || name === 'odd_id_1';

function preloadEntry(name: string, flag: '--import' | '-r'): Entry {
  return {
    name,
    async run(cell, project) {
      const ran = await runNode([flag, 'clarifai-secrets/register', 'app.cjs'], { cwd: project.dir, env: cellEnv(cell), killAfterMs: cell.timeoutMs + 8000 });
      return fromPreloadOutput(ran.code, ran.stdout, ran.stderr, ran.ms);
    },
  };
}

function apiEntry(name: string, sync: boolean): Entry {
  return {
    name,
    async run(cell, project) {
      const script = sync ? 'api-sync.cjs' : 'api-async.cjs';
      const ran = await runNode([script], { cwd: project.dir, env: cellEnv(cell, { CLARIFAI_SECRETS_DEBUG: 'false' }), killAfterMs: cell.timeoutMs + 8000 });
      const output = ran.stdout + ran.stderr;
      const line = ran.stdout.split('\n').find((l) => l.startsWith('{'));
      if (!line) return { kind: 'error', ms: ran.ms, output };
      const result = JSON.parse(line) as {
        report?: { source: string };
        loaded?: Record<string, string>;
        error?: { code: string; isSecretsError: boolean };
      };
      if (result.error) {
        return { kind: 'error', ...(result.error.isSecretsError ? { code: result.error.code } : {}), ms: ran.ms, output };
      }
      const source = result.report?.source;
      return { kind: source === 'fallback' ? 'fallback' : source === 'cache' ? 'cache' : 'loaded', loaded: result.loaded ?? {}, ms: ran.ms, output };
    },
  };
}

function runEntry(): Entry {
  return {
    name: 'clarifai-secrets run',
    async run(cell, project) {
      const ran = await runNode([CLI, 'run', '--', process.execPath, join(project.dir, 'app.cjs')], {
        cwd: project.dir,
        env: cellEnv(cell),
        killAfterMs: cell.timeoutMs + 8000,
      });
      return fromPreloadOutput(ran.code, ran.stdout, ran.stderr, ran.ms);
    },
  };
}

/**
 * `clarifai-secrets pull --format json`: it loads (selection, fallback and all) and prints
 * name to value. Its stdout holds values by design: they are hashed here, and that stdout is
 * checked for the token only. A fallback is told by its warning on stderr.
 */
function pullEntry(): Entry {
  return {
    name: 'clarifai-secrets pull --format json',
    async run(cell, project) {
      const ran = await runNode([CLI, 'pull', '--format', 'json'], { cwd: project.dir, env: cellEnv(cell), killAfterMs: cell.timeoutMs + 8000 });
      // A failed pull prints no value: all of its output is checked.
      if (ran.code !== 0) return failed(ran.stderr, ran.ms, ran.stdout + ran.stderr);
      let printed: Record<string, string>;
      try {
        printed = JSON.parse(ran.stdout) as Record<string, string>;
      } catch {
        return { kind: 'error', ms: ran.ms, output: ran.stderr, valuesOutput: ran.stdout };
      }
      const loaded = Object.fromEntries(Object.entries(printed).filter(([name]) => isMatrixName(name)).map(([name, value]) => [name, hashOf(value)]));
      const kind = /using the last-known-good copy/.test(ran.stderr) ? 'fallback' : 'loaded';
      return { kind, loaded, ms: ran.ms, output: ran.stderr, valuesOutput: ran.stdout };
    },
  };
}

/**
 * `clarifai-secrets list --json`: a read through the client, no selection, no cache, no
 * fallback, never a value. Loaded means exit 0 and a JSON array; the ids are compared.
 */
function listEntry(): Entry {
  return {
    name: 'clarifai-secrets list --json',
    reads: 'ids',
    async run(cell, project) {
      const ran = await runNode([CLI, 'list', '--json'], { cwd: project.dir, env: cellEnv(cell), killAfterMs: cell.timeoutMs + 8000 });
      const output = ran.stdout + ran.stderr;
      if (ran.code !== 0) return failed(ran.stderr, ran.ms, output);
      let rows: unknown;
      try {
        rows = JSON.parse(ran.stdout);
      } catch {
        return { kind: 'error', ms: ran.ms, output };
      }
      if (!Array.isArray(rows)) return { kind: 'error', ms: ran.ms, output };
      const ids = rows.map((row) => String((row as { id?: unknown }).id)).sort();
      return { kind: 'loaded', ids, ms: ran.ms, output };
    },
  };
}

export const ENTRIES: Entry[] = [
  apiEntry('loadSecrets', false),
  apiEntry('loadSecretsSync', true),
  preloadEntry('node --import register', '--import'),
  preloadEntry('node -r register', '-r'),
  runEntry(),
  pullEntry(),
  listEntry(),
];

export function writeEntryFiles(project: Project): void {
  project.write('app.cjs', APP);
  project.write('api-async.cjs', API_SCRIPT(false));
  project.write('api-sync.cjs', API_SCRIPT(true));
}
