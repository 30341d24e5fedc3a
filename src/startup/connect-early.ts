/**
 * Whether a start opens its connections to the API before it loads the library, and to
 * where (api/transport/early.ts holds them). The register files call it (through
 * startup/early.ts, a bundle of a few KB) when they go on to the full library, `run` before
 * it loads its own bundle, so that the first SYN leaves before the library is compiled.
 *
 * Decided from the process environment alone, never from a `.env` file: the host is the one
 * CLARIFAI_API_BASE names (https only), or the default when no `.env` file could name
 * another, so a cloned folder cannot make a start connect anywhere early. Nothing is sent on
 * the connections but the TLS handshake until the load has resolved its settings and checked
 * them; a load that resolves another host, or needs no request, closes them unused. No early connection when a proxy variable is set
 * (the load goes through the proxy), when the environment names no token (the load would
 * fail, or find it in the `.env` file, where a developer's emulator is usual), or when the
 * marker is set (the load most likely has nothing to fetch).
 */
import { existsSync } from 'node:fs';
import { DEFAULT_BASE_URL, DEFAULT_TIMEOUT_MS } from '../settings/config.js';
import { MARKER, REFERENCE_SCHEME } from '../settings/marker.js';
import { selectionEntries } from '../settings/selection.js';
import { PROXY_VARS } from '../api/transport/choose.js';
import { openEarly } from '../api/transport/early.js';
import { PARALLEL_GETS } from '../load/fetch-fresh.js';
import { WORKER_ENV } from '../load/sync-protocol.js';

const TOKEN_VARS = ['CLARIFAI_PAT', 'CLARIFAI_PAT_FILE', 'CLARIFAI_SESSION_TOKEN'];

/**
 * How many connections the load's first round of requests opens: a list walk asks for
 * pages 1 and 2 at once; named ids and references are GETs, PARALLEL_GETS at a time. A
 * selection the `.env` file sets instead is not known here: the guess is then the walk's.
 */
function connectionsFor(env: NodeJS.ProcessEnv): number {
  const references = Object.values(env).filter((value) => value !== undefined && REFERENCE_SCHEME.test(value)).length;
  const entries = selectionEntries(env['CLARIFAI_SECRETS']);
  // Unset is every secret, except that references alone load only themselves.
  if (env['CLARIFAI_SECRETS'] === undefined && references > 0) return Math.min(references, PARALLEL_GETS);
  if (entries.length === 0 || entries.some((entry) => entry.includes('*'))) return 2;
  return Math.min(entries.length + references, PARALLEL_GETS);
}

/** The API's origin when an early connection is worth opening, else undefined. */
function earlyTarget(env: NodeJS.ProcessEnv): URL | undefined {
  if (env[MARKER] !== undefined || env[WORKER_ENV]) return undefined;
  if (!TOKEN_VARS.some((name) => env[name])) return undefined;
  if (PROXY_VARS.some((name) => env[name])) return undefined;
  // Without a base in the environment, a `.env` file may name one: no early guess then.
  if (env['CLARIFAI_API_BASE'] === undefined && (env['CLARIFAI_SECRETS_ENV_FILE'] || existsSync('.env'))) return undefined;
  try {
    const url = new URL((env['CLARIFAI_API_BASE'] ?? DEFAULT_BASE_URL).trim());
    return url.protocol === 'https:' && !url.username && !url.password ? url : undefined;
  } catch {
    // The load reports the setting.
    return undefined;
  }
}

/** Opens the connections when the environment allows (see above): true when it did. Never throws. */
export function connectEarly(env: NodeJS.ProcessEnv = process.env): boolean {
  try {
    const target = earlyTarget(env);
    if (!target) return false;
    const timeout = Number(env['CLARIFAI_SECRETS_TIMEOUT']);
    openEarly(target, connectionsFor(env), Number.isInteger(timeout) && timeout > 0 ? timeout : DEFAULT_TIMEOUT_MS);
    return true;
  } catch {
    // An early connection is an optimisation: the load connects on its own.
    return false;
  }
}
