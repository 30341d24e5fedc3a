/**
 * `clarifai-secrets doctor`: checks what a load needs, in the order it needs it, and says
 * how to fix what is wrong. One authenticated request (a one-item list page) through the
 * same HTTP client the preload and `run` use. Exit 0 when nothing failed, 1 otherwise.
 * Never prints the token: only where it came from.
 */
import { accessSync, constants, readdirSync, statSync } from 'node:fs';
import { clientFor } from '../api/client.js';
import { type Config, resolveConfig } from '../settings/config.js';
import { TOKEN_PAGE, isSecretsError } from '../errors.js';
import { type CachedCopy, ageOf } from '../load/disk-cache.js';
import { prepareJob } from '../load/load-job.js';
import { diskCacheFor } from '../load/start.js';
import { parseSelection } from '../settings/selection.js';
import { findReferences } from '../settings/references.js';
import { describeMisspelt, misspeltSettings } from '../settings/misspelt.js';
import { fetchFromApi } from '../load/fetch-fresh.js';
import { PROXY_VARS, loadTransport } from '../api/transport/choose.js';
import { CONNECTION_HELP, CONNECTION_OPTIONS, type Spec, UsageError, connectionOptions, parseCommand } from './args.js';
import { declareCommand } from './command.js';

const usage = `Usage: clarifai-secrets doctor

Checks the Node.js version, the settings, the token (one list request), how fast the API
answers, and the cache folder. Prints what is wrong and how to fix it; never the token.
Exit code 0 when all is well, 1 when something must be fixed.

Options:
${CONNECTION_HELP}
`;

const SPEC = { ...CONNECTION_OPTIONS } as const satisfies Spec;
const MIN_NODE = [20, 19] as const;

type Level = 'ok' | 'info' | 'warn' | 'FAIL';

class Report {
  readonly lines: string[] = [];
  failures = 0;
  warnings = 0;
  add(level: Level, text: string, fix?: string): void {
    if (level === 'FAIL') this.failures++;
    if (level === 'warn') this.warnings++;
    this.lines.push(`  ${level.padEnd(5)} ${text}`);
    if (fix) this.lines.push(`        fix: ${fix}`);
  }
}

function checkNode(report: Report): void {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  const good = major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1]);
  if (good) report.add('ok', `Node.js ${process.versions.node} (needs ${MIN_NODE.join('.')} or later)`);
  else report.add('FAIL', `Node.js ${process.versions.node} is too old`, `install Node.js ${MIN_NODE.join('.')} or later`);
}

function tokenSource(config: Config): string {
  if (config.patFile !== undefined) return `CLARIFAI_PAT_FILE (${config.patFile})`;
  const name = config.pat ? 'CLARIFAI_PAT' : 'CLARIFAI_SESSION_TOKEN';
  return process.env[name]?.trim() ? `${name}, from the environment` : `${name}, from ${config.envFile ?? 'the .env file'}`;
}

/** Settings that look misspelt, in the environment and in the .env file: names only. */
function checkSpelling(report: Report, config: Config | undefined): void {
  const fromEnv = misspeltSettings(Object.keys(process.env));
  if (fromEnv.length > 0) report.add('warn', `settings: ${describeMisspelt(fromEnv, 'in the environment')}`, 'rename each to the setting it was meant to be, or unset it');
  if (config?.envFile === undefined) return;
  const fromFile = misspeltSettings(config.envFileKeys);
  if (fromFile.length > 0) report.add('warn', `settings: ${describeMisspelt(fromFile, `in ${config.envFile}`)}`, `rename each to the setting it was meant to be in ${config.envFile}`);
}

/** The selection's required ids exist (a load would fail with ERR_MISSING_SECRETS otherwise). Values are dropped unread. */
async function checkSelection(report: Report, config: Config): Promise<void> {
  let job;
  try {
    job = prepareJob({}, config);
  } catch (error) {
    // A malformed clarifai:// reference, already reported on its own line.
    if (isSecretsError(error, 'ERR_CONFIG')) return;
    throw error;
  }
  const required = job.selection.named.filter((entry) => !entry.optional).length;
  if (required === 0) return;
  try {
    await fetchFromApi(job, loadTransport(undefined));
    report.add('ok', `selection: the ${required === 1 ? 'required secret exists' : `${required} required secrets exist`}`);
  } catch (error) {
    if (!isSecretsError(error)) throw error;
    const fix = error.code === 'ERR_MISSING_SECRETS' ? 'create it (clarifai-secrets create ID), correct CLARIFAI_SECRETS, or mark the entry optional with a trailing "?"' : undefined;
    report.add('FAIL', `selection: ${error.message}`, fix);
  }
}

async function checkApi(report: Report, config: Config): Promise<boolean> {
  // A load's client, not a command's: the token is proven over the transport a load takes.
  const client = clientFor(config, loadTransport(undefined));
  const host = new URL(config.baseUrl).host;
  const started = performance.now();
  try {
    // One item is enough to prove the token; its value is dropped unread.
    await client.list({ page: 1, perPage: 1 });
    const ms = Math.round(performance.now() - started);
    report.add('ok', `API: ${host} accepted the token for user "${config.userId}" (one list request, ${ms} ms)`);
    if (ms > config.timeout / 2) {
      report.add('warn', `the API took ${ms} ms, more than half of the ${config.timeout} ms deadline`, 'raise CLARIFAI_SECRETS_TIMEOUT, or check the network');
    }
    return true;
  } catch (error) {
    if (!isSecretsError(error)) throw error;
    const fix: Record<string, string> = {
      ERR_AUTH: `create a new personal access token at ${TOKEN_PAGE} and set CLARIFAI_PAT to it`,
      ERR_FORBIDDEN: 'give the token the Secrets scopes (Secrets_Get, Secrets_Add, Secrets_Delete), or check CLARIFAI_USER_ID',
      ERR_NOT_FOUND: 'check CLARIFAI_USER_ID (or leave it unset to use the token owner, "me") and CLARIFAI_API_BASE',
      ERR_NETWORK: `check that ${host} is reachable from here (DNS, firewall, proxy) and that CLARIFAI_API_BASE is right`,
      ERR_TIMEOUT: `check the network to ${host}, or raise CLARIFAI_SECRETS_TIMEOUT`,
      ERR_BAD_RESPONSE: 'check that CLARIFAI_API_BASE points at the Clarifai API (not a proxy page or another service)',
      ERR_THROTTLED: 'wait a moment and try again; other processes may be using the same account heavily',
      ERR_SERVER: 'try again later; Clarifai is having trouble',
    };
    report.add('FAIL', `API: ${error.message}`, fix[error.code]);
    return false;
  }
}

function checkCache(report: Report, config: Config, hasToken: boolean): void {
  const dir = config.cacheDir;
  if (dir === undefined && config.cacheWarning) {
    report.add('warn', `cache: ${config.cacheWarning}`);
    return;
  }
  if (dir === undefined) {
    report.add('info', 'cache: off (CLARIFAI_SECRETS_CACHE_DIR=off): no last-known-good copy when the API cannot be reached');
    return;
  }
  let stat;
  try {
    stat = statSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      report.add('ok', `cache: ${dir} does not exist yet; the first successful load creates it`);
      return;
    }
    report.add('warn', `cache: cannot read ${dir} (${(error as NodeJS.ErrnoException).code})`, 'set CLARIFAI_SECRETS_CACHE_DIR to a private folder you own, or to off');
    return;
  }
  if (!stat.isDirectory()) {
    report.add('warn', `cache: ${dir} is not a folder, so no copy can be kept`, 'remove it, or set CLARIFAI_SECRETS_CACHE_DIR to a folder');
    return;
  }
  if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
    report.add('warn', `cache: ${dir} is open to other users (mode ${(stat.mode & 0o777).toString(8)}), so nothing is cached there`, `chmod 700 ${dir}`);
    return;
  }
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    report.add('warn', `cache: ${dir} is not writable, so no copy can be kept`, 'fix its permissions, or set CLARIFAI_SECRETS_CACHE_DIR to a writable folder, or to off');
    return;
  }
  const copies = readdirSync(dir).filter((name) => name.endsWith('.lkg')).length;
  let state = `${copies} cached ${copies === 1 ? 'copy' : 'copies'} in the folder`;
  if (hasToken) {
    const warnings: string[] = [];
    let copy: CachedCopy | undefined;
    try {
      copy = diskCacheFor(prepareJob({}, config), (message) => warnings.push(message))?.read();
    } catch (error) {
      // A malformed reference: reported on its own line.
      if (!isSecretsError(error, 'ERR_CONFIG')) throw error;
    }
    state += copy ? `; this selection's copy is ${ageOf(copy.at)} old` : '; none yet for this token, user and selection';
    for (const message of warnings) report.add('warn', `cache: ${message}`);
  }
  report.add('ok', `cache: ${dir} (${state})`);
}

/** `clarifai://` references in this environment: which variables, and whether they parse (names only). */
function checkReferences(report: Report, config: Config): void {
  try {
    const refs = findReferences(process.env, config.userId);
    if (refs.length === 0) return;
    const alone = config.secrets === undefined ? '; CLARIFAI_SECRETS is unset, so a load fetches these alone' : '';
    report.add('ok', `references: ${refs.map((ref) => `${ref.name} -> ${ref.id}${ref.optional ? '?' : ''}`).join(', ')}${alone}`);
  } catch (error) {
    if (!isSecretsError(error)) throw error;
    report.add('FAIL', `references: ${error.message}`);
  }
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, SPEC);
  if (positionals.length > 0) throw new UsageError('doctor takes no arguments');
  const report = new Report();
  checkNode(report);

  let config: Config | undefined;
  try {
    const resolved = resolveConfig(connectionOptions(values));
    parseSelection(resolved.secrets, resolved.userId, { fromFile: resolved.secretsFromFile });
    config = resolved;
    report.add(
      'ok',
      `settings: API ${config.baseUrl}, user "${config.userId}", ${config.envFile ? `.env file ${config.envFile}` : 'no .env file'}, ` +
        `secrets ${config.secrets === undefined ? 'all' : JSON.stringify(config.secrets)}`,
    );
  } catch (error) {
    if (!isSecretsError(error)) throw error;
    report.add('FAIL', `settings: ${error.message}`);
  }
  if (config) checkReferences(report, config);
  checkSpelling(report, config);

  if (config) {
    const hasToken = Boolean(config.pat ?? config.sessionToken);
    if (hasToken) {
      report.add('ok', `token: set (${tokenSource(config)})`);
      if (await checkApi(report, config)) await checkSelection(report, config);
    } else {
      report.add('FAIL', 'token: CLARIFAI_PAT is not set', `create a personal access token at ${TOKEN_PAGE} and export CLARIFAI_PAT, or put it in .env`);
    }
    checkCache(report, config, hasToken);
    report.add(
      'info',
      `cache TTL ${config.cacheTtl} s, fallback ${config.fallback ? 'on' : 'off'}, fail-open ${config.failOpen ? 'on' : 'off'}, ` +
        `deadline ${config.timeout} ms, override ${config.override ? 'on' : 'off'}`,
    );
    const proxy = PROXY_VARS.find((name) => process.env[name]);
    if (proxy) report.add('info', `proxy: ${proxy} is set, so requests go through it (NO_PROXY is honoured)`);
  }

  const summary =
    report.failures > 0
      ? `${report.failures} ${report.failures === 1 ? 'problem' : 'problems'} to fix (lines marked FAIL)`
      : report.warnings > 0
        ? `usable, with ${report.warnings} ${report.warnings === 1 ? 'warning' : 'warnings'}`
        : 'all good';
  process.stdout.write(`clarifai-secrets doctor\n${report.lines.join('\n')}\n${summary}\n`);
  return report.failures > 0 ? 1 : 0;
}

export const doctor = declareCommand('doctor', { usage, options: SPEC, main });
