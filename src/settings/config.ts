/**
 * The one configuration resolver behind every surface (preload, API, CLI).
 *
 * Precedence, highest first:
 *   1. explicit options (or CLI flags, which the CLI passes as options)
 *   2. the process environment
 *   3. the `.env` file: only the CLARIFAI_* keys below are read, nothing is injected
 *   4. defaults
 */
import type { Dispatcher } from 'undici';
import { ConfigError, TOKEN_PAGE } from '../errors.js';
import { lazyRequire } from '../lazy-require.js';
import { idProblem } from '../ids.js';
import { MAX_ENV_FILE_BYTES, fileProblemText, readRegularFile } from './regular-file.js';
import { MARKED_SETTINGS, REFERENCE_SCHEME, envFileMatters, sha256Hex } from './marker.js';

export { REFERENCE_SCHEME };

/** Options shared by everything that talks to the API. */
export interface ConnectionOptions {
  /**
   * Personal access token.
   * @default process.env.CLARIFAI_PAT
   */
  pat?: string;
  /**
   * A file holding the token (a mounted container secret); one trailing newline is ignored.
   * Setting it with a token in `pat` or CLARIFAI_PAT is an error. Never taken from a `.env`
   * file, which could send a token file of yours to a server it names; `run` removes
   * CLARIFAI_PAT_FILE from its child as it does CLARIFAI_PAT.
   * @default process.env.CLARIFAI_PAT_FILE
   */
  patFile?: string;
  /**
   * User whose secrets are read; `me` is the API's alias for the token's owner.
   * @default process.env.CLARIFAI_USER_ID ?? 'me'
   */
  userId?: string;
  /**
   * API base URL.
   * @default process.env.CLARIFAI_API_BASE ?? 'https://api.clarifai.com'
   */
  baseUrl?: string;
  /**
   * Deadline in ms for one whole call (a load, or one client method), retries included.
   * @default process.env.CLARIFAI_SECRETS_TIMEOUT ?? 10000
   */
  timeout?: number;
  /**
   * Allow sending the token over plain `http://` to a host that is not loopback.
   * @default process.env.CLARIFAI_SECRETS_ALLOW_HTTP ?? false
   */
  allowInsecureHttp?: boolean;
  /**
   * The `.env` file read for CLARIFAI_* settings; `false` reads none.
   * @default process.env.CLARIFAI_SECRETS_ENV_FILE ?? './.env' when it exists
   */
  envFile?: string | false;
  /**
   * An undici dispatcher (a ProxyAgent, a MockAgent in tests). When set, requests go
   * through undici even on the preload path.
   */
  dispatcher?: Dispatcher;
}

/** Options of `loadSecrets`, `loadSecretsSync` and `clarifai-secrets run`. */
export interface LoadOptions extends ConnectionOptions {
  /**
   * Which secrets to load: `ID`, `NAME=ID`, `ID?` (optional), `PREFIX*`, `*`, separated by
   * commas or white space; an array is joined.
   * @default process.env.CLARIFAI_SECRETS, else every secret of the user
   */
  secrets?: string | readonly string[];
  /**
   * Replace variables that are already set.
   * @default process.env.CLARIFAI_SECRETS_OVERRIDE ?? false
   */
  override?: boolean;
  /**
   * Seconds a cached copy is served without asking the API (0: always ask).
   * @default process.env.CLARIFAI_SECRETS_CACHE_TTL ?? 0
   */
  cacheTtl?: number;
  /**
   * Folder of the encrypted last-known-good copy; `false` disables it. In the env,
   * `false`/`0`/`no`/`off` disable it and `true`/`1`/`yes`/`on` mean the default folder.
   * @default process.env.CLARIFAI_SECRETS_CACHE_DIR ?? '$XDG_CACHE_HOME/clarifai-secrets', else '~/.cache/clarifai-secrets'
   */
  cacheDir?: string | false;
  /**
   * Serve the last-known-good copy when the API cannot be reached.
   * @default process.env.CLARIFAI_SECRETS_FALLBACK ?? true
   */
  fallback?: boolean;
  /**
   * A failed load warns instead of failing. The preload and `run` start the app anyway;
   * `loadSecrets` and `loadSecretsSync` give the message to `onWarning` once and return a
   * report with `source: 'failed'`, nothing set, and the error in `error`, instead of
   * rejecting (throwing). Errors that are not a `SecretsError` (a bug, a misuse) still reject.
   * @default process.env.CLARIFAI_SECRETS_FAIL_OPEN ?? false
   */
  failOpen?: boolean;
  /**
   * After a successful load, one report line (names, source, time; never values) on stderr,
   * from every entry point: the preload, `run`, `loadSecrets`, `loadSecretsSync`.
   * @default process.env.CLARIFAI_SECRETS_DEBUG ?? false
   */
  debug?: boolean;
}

/** Every setting with its final value. */
export interface Config {
  pat: string | undefined;
  /** The file `pat` was read from (CLARIFAI_PAT_FILE), for messages. */
  patFile: string | undefined;
  /** Why no token can be used although one was meant (an exported empty CLARIFAI_PAT). */
  tokenProblem?: string;
  sessionToken: string | undefined;
  userId: string;
  baseUrl: string;
  timeout: number;
  allowInsecureHttp: boolean;
  secrets: string | undefined;
  /** True when CLARIFAI_SECRETS came from the `.env` file: it chooses values, never code (no exec-hook name is set). */
  secretsFromFile: boolean;
  /**
   * The `.env` file's `clarifai://` reference lines (name and value), only those: a load
   * resolves them for names its env does not set, and never into an exec-hook name.
   */
  fileReferences: Array<[name: string, value: string]>;
  override: boolean;
  cacheTtl: number;
  /** undefined: the disk copy is off. */
  cacheDir: string | undefined;
  /** Why the default cache folder could not be used, when it could not: warned once per load. */
  cacheWarning?: string;
  fallback: boolean;
  failOpen: boolean;
  debug: boolean;
  /** The `.env` file that was read, if any. */
  envFile: string | undefined;
  /** That file's keys that start like a setting (names only): a misspelt one there is warned about too. */
  envFileKeys: string[];
  /**
   * What the marker's second part names (settings/marker.ts): the text of each MARKED_SETTINGS
   * entry as given by an option or the environment (null when neither set it), and the SHA-256
   * of the `.env` file's text when it gives anything. A child reads the same from its own env.
   */
  markedSettings: { texts: Array<string | null>; envFileDigest: string | null };
}

export const DEFAULT_BASE_URL = 'https://api.clarifai.com';
export const DEFAULT_TIMEOUT_MS = 10_000;

/** The keys a `.env` file may set for us; anything else in it is ignored. */
export const ENV_KEYS = [
  'CLARIFAI_PAT',
  'CLARIFAI_SESSION_TOKEN',
  'CLARIFAI_USER_ID',
  'CLARIFAI_API_BASE',
  'CLARIFAI_SECRETS',
  'CLARIFAI_SECRETS_OVERRIDE',
  'CLARIFAI_SECRETS_CACHE_TTL',
  'CLARIFAI_SECRETS_CACHE_DIR',
  'CLARIFAI_SECRETS_FALLBACK',
  'CLARIFAI_SECRETS_TIMEOUT',
  'CLARIFAI_SECRETS_FAIL_OPEN',
  'CLARIFAI_SECRETS_DEBUG',
  'CLARIFAI_SECRETS_ALLOW_HTTP',
] as const;
type EnvKey = (typeof ENV_KEYS)[number];
type Env = Record<string, string | undefined>;

interface Setting {
  text: string;
  /** Where it came from, for error messages. */
  from: string;
  /** True when it was read from the `.env` file. */
  fromFile?: boolean;
}

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

/**
 * Setting text for an error message. A token pasted into the wrong variable must not be
 * printed back, so only short text is quoted: no credential this package knows is that short.
 */
function shown(text: string): string {
  const trimmed = text.trim();
  if (trimmed.length <= 12 && !/[\u0000-\u001f\u007f-\u009f]/.test(trimmed)) return JSON.stringify(trimmed);
  return `a value of ${trimmed.length} characters (not shown, as it could be a token)`;
}

function parseBoolean(text: string, from: string): boolean {
  const lower = text.trim().toLowerCase();
  if (TRUE.has(lower)) return true;
  if (FALSE.has(lower)) return false;
  throw new ConfigError(`${from} must be true/false/1/0/yes/no/on/off, got ${shown(text)}`);
}

function parseWhole(text: string, from: string, unit: string, min: number, max: number): number {
  const trimmed = text.trim();
  const value = /^\d{1,12}$/.test(trimmed) ? Number(trimmed) : Number.NaN;
  if (!(value >= min && value <= max)) {
    throw new ConfigError(`${from} must be a whole number of ${unit} from ${min} to ${max}, got ${shown(text)}`);
  }
  return value;
}

/** What a `.env` file gives us: its CLARIFAI_* settings and its reference lines, nothing else. */
interface EnvFileParts {
  settings: Env;
  /** Every key of the file that starts like one of ours (names only), for the misspelt-settings warning. */
  ourKeys: string[];
  references: Array<[name: string, value: string]>;
  /** CLARIFAI_PAT_FILE, which a `.env` file may not set (see checkTrust). */
  patFile?: string;
  /** SHA-256 of the file's text, which the marker names (hashed without node:crypto, as a child checking it does). */
  digest?: string;
}

/**
 * Reads the CLARIFAI_* keys and the `clarifai://` reference lines of a `.env` file with
 * dotenv's parser. Most `.env` files hold the app's own variables only; dotenv's parser copies
 * each key and value from the text as written, so a file without the text `CLARIFAI` or
 * `clarifai://` can give none of ours (not even a misspelt one, in the usual upper case), and
 * loading dotenv for it (about 2 ms of every start) is skipped.
 */
function readEnvFile(path: string, explicit: boolean): EnvFileParts | undefined {
  let text: string;
  try {
    // The folder may be a cloned repository's: its `.env` may be a FIFO or a device.
    text = readRegularFile(path, MAX_ENV_FILE_BYTES);
  } catch (error) {
    if (!explicit && (error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError(
      `cannot read the env file ${path} (${fileProblemText(error)}): ` +
        'fix CLARIFAI_SECRETS_ENV_FILE or --env-file',
    );
  }
  const parts: EnvFileParts = { settings: {}, ourKeys: [], references: [] };
  if (!envFileMatters(text)) return parts;
  parts.digest = sha256Hex(text);
  const dotenv = lazyRequire<typeof import('dotenv')>('dotenv');
  const parsed = dotenv.parse(text);
  for (const key of ENV_KEYS) if (parsed[key] !== undefined) parts.settings[key] = parsed[key];
  parts.ourKeys = Object.keys(parsed).filter((key) => key.toUpperCase().startsWith('CLARIFAI'));
  if (parsed['CLARIFAI_PAT_FILE']) parts.patFile = parsed['CLARIFAI_PAT_FILE'];
  for (const [name, value] of Object.entries(parsed)) {
    if (REFERENCE_SCHEME.test(value) && !name.toUpperCase().startsWith('CLARIFAI_')) parts.references.push([name, value]);
  }
  return parts;
}

/** Loopback hosts: the only ones plain http may reach unasked, and never through a proxy. */
export function isLoopback(hostname: string): boolean {
  return (
    hostname === 'localhost' ||
    hostname.endsWith('.localhost') ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname) ||
    hostname === '[::1]' ||
    hostname === '::1'
  );
}

/** A loopback address with an optional port: safe to echo (no token looks like one), and what the emulator prints. */
const LOOPBACK_HOST_PORT = /^(localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\])(:\d{1,5})?\/?$/i;

/**
 * `127.0.0.1:8787` parses as a URL of scheme `127.0.0.1:` or not at all, and either way the
 * message would not say what is missing. Only a loopback address is echoed back.
 */
function missingScheme(text: string, from: string): ConfigError | undefined {
  const trimmed = text.trim();
  // A host needs a dot or a port to look like one: a bare word (a pasted token) gets the plain message.
  if (trimmed.includes('://') || !/^[\w.\-[\]:]+(\/\S*)?$/.test(trimmed) || !/[.:]/.test(trimmed)) return undefined;
  if (LOOPBACK_HOST_PORT.test(trimmed)) {
    return new ConfigError(`${from} has no scheme: write http://${trimmed} (https:// for a server that is not on this machine)`);
  }
  return new ConfigError(`${from} has no scheme: put https:// in front (http:// only for a server on this machine, like the emulator)`);
}

function parseBaseUrl(text: string, from: string, allowHttp: boolean): string {
  const schemeless = missingScheme(text, from);
  if (schemeless) throw schemeless;
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new ConfigError(`${from} must be a URL like https://api.clarifai.com, got ${shown(text)}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError(`${from} must be an http(s) URL like https://api.clarifai.com`);
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new ConfigError(`${from} must not carry credentials, a query or a fragment`);
  }
  if (/\/v2\/?$/i.test(url.pathname)) {
    throw new ConfigError(`${from} must not end in /v2: the client adds it; use the server's root, like https://api.clarifai.com`);
  }
  if (url.protocol === 'http:' && !allowHttp && !isLoopback(url.hostname)) {
    throw new ConfigError(
      `${from} is plain http to a host that is not loopback, which would send the token unencrypted: ` +
        'use https, or set CLARIFAI_SECRETS_ALLOW_HTTP=true if this network is trusted',
    );
  }
  return url.href.replace(/\/+$/, '');
}

function parseToken(text: string, name: string): string | undefined {
  const token = text.trim();
  if (!token) return undefined;
  // Never echo it: say what is wrong, not what it is.
  if (/[\s\u0000-\u001f\u007f]/.test(token)) {
    throw new ConfigError(`${name} contains white space or control characters: set it to the token alone`);
  }
  return token;
}

/**
 * The home folder, only when it is absolute: a relative or empty HOME would put the copy
 * under whatever folder the process happens to start in. Without HOME, the account's.
 */
function absoluteHome(env: Env): string | undefined {
  const path = process.getBuiltinModule('node:path');
  const home = env['HOME'];
  if (home !== undefined) return path.isAbsolute(home) ? home : undefined;
  try {
    const fromSystem = process.getBuiltinModule('node:os').userInfo().homedir;
    return fromSystem && path.isAbsolute(fromSystem) ? fromSystem : undefined;
  } catch {
    return undefined;
  }
}

function defaultCacheDir(env: Env): { cacheDir: string | undefined; cacheWarning?: string } {
  const path = process.getBuiltinModule('node:path');
  const xdg = env['XDG_CACHE_HOME'];
  if (xdg && path.isAbsolute(xdg)) return { cacheDir: path.join(xdg, 'clarifai-secrets') };
  const home = absoluteHome(env);
  if (home) return { cacheDir: path.join(home, '.cache', 'clarifai-secrets') };
  return {
    cacheDir: undefined,
    cacheWarning:
      'no last-known-good copy is kept: HOME is not an absolute path (it is empty or relative); ' +
      'set HOME, or CLARIFAI_SECRETS_CACHE_DIR to a private folder',
  };
}

/**
 * Where each setting is read: the environment first, then the `.env` file. An exported
 * variable that is empty counts as set (to its default): a `.env` file never fills in what the
 * environment emptied on purpose, or what CI exported empty for a missing secret.
 */
class Sources {
  readonly envFile: string | undefined;
  readonly #env: Env;
  readonly #file: EnvFileParts | undefined;

  constructor(options: LoadOptions, env: Env) {
    const path = process.getBuiltinModule('node:path');
    this.#env = env;
    const named =
      options.envFile !== undefined && options.envFile !== false
        ? options.envFile
        : options.envFile === undefined
          ? env['CLARIFAI_SECRETS_ENV_FILE'] || undefined
          : undefined;
    const file = options.envFile === false ? undefined : path.resolve(named ?? '.env');
    this.#file = file ? readEnvFile(file, named !== undefined) : undefined;
    this.envFile = this.#file ? file : undefined;
  }

  /** The file's keys that start like ours. */
  get ourKeys(): string[] {
    return this.#file?.ourKeys ?? [];
  }

  /** SHA-256 of the file's text when it gives anything. */
  get digest(): string | null {
    return this.#file?.digest ?? null;
  }

  /** The file's reference lines. */
  get references(): Array<[name: string, value: string]> {
    return this.#file?.references ?? [];
  }

  /** CLARIFAI_PAT_FILE as the file gives it (refused: see checkTrust). */
  get filePatFile(): string | undefined {
    return this.#file?.patFile;
  }

  /** True when the environment holds `key` set to nothing but white space. */
  emptyInEnv(key: string): boolean {
    const fromEnv = this.#env[key];
    return fromEnv !== undefined && fromEnv.trim() === '';
  }

  get(key: EnvKey): Setting | undefined {
    const fromEnv = this.#env[key];
    if (fromEnv !== undefined) return fromEnv === '' ? undefined : { text: fromEnv, from: key };
    const fromFile = this.#file?.settings[key];
    if (fromFile !== undefined && fromFile !== '') return { text: fromFile, from: `${key} in ${this.envFile}`, fromFile: true };
    return undefined;
  }

  bool(option: boolean | undefined, key: EnvKey, fallback: boolean): boolean {
    if (option !== undefined) return option;
    const s = this.get(key);
    return s ? parseBoolean(s.text, s.from) : fallback;
  }

  whole(option: number | undefined, name: string, key: EnvKey, unit: string, range: [number, number], fallback: number): number {
    const [min, most] = range;
    if (option !== undefined) return parseWhole(String(option), `option ${name}`, unit, min, most);
    const s = this.get(key);
    return s ? parseWhole(s.text, s.from, unit, min, most) : fallback;
  }
}

/** Where the token comes from, before it is read. */
interface TokenSource {
  pat?: string;
  /** An absolute path. */
  patFile?: string;
  /** Why no token can be used although one was meant. */
  problem?: string;
  /** True when the token is the `.env` file's own. */
  fromFile: boolean;
  /** A session token stands in for a PAT. */
  session?: true;
}

const EMPTY_PAT =
  'CLARIFAI_PAT is set but empty (a CI secret that does not exist is exported empty): set it to your token, ' +
  'or unset it to use CLARIFAI_PAT_FILE or the .env file';

/**
 * The token's source: an option, CLARIFAI_PAT_FILE, CLARIFAI_PAT, else the `.env` file. An
 * exported empty CLARIFAI_PAT is not a reason to take the `.env` file's token: that file may be
 * a cloned repository's, and its token would come with its own choice of server.
 */
function tokenSource(options: LoadOptions, sources: Sources, env: Env): TokenSource {
  const path = process.getBuiltinModule('node:path');
  if (sources.filePatFile !== undefined) {
    throw new ConfigError(
      `CLARIFAI_PAT_FILE in ${sources.envFile} is not used: a .env file may not name a file to read the token from ` +
        '(it could send a token file of yours to a server it names); export CLARIFAI_PAT_FILE instead',
    );
  }
  const patFile = options.patFile ?? (env['CLARIFAI_PAT_FILE'] || undefined);
  if (options.pat !== undefined) {
    if (options.patFile !== undefined) throw new ConfigError('options pat and patFile are both set: pass one');
    return { pat: options.pat, fromFile: false };
  }
  if (patFile !== undefined) {
    if ((env['CLARIFAI_PAT'] ?? '').trim() !== '') {
      throw new ConfigError('CLARIFAI_PAT and CLARIFAI_PAT_FILE are both set: keep one (CLARIFAI_PAT_FILE keeps the token out of every environment)');
    }
    return { patFile: path.resolve(patFile), fromFile: false };
  }
  if (sources.emptyInEnv('CLARIFAI_PAT')) return { problem: EMPTY_PAT, fromFile: false };
  const setting = sources.get('CLARIFAI_PAT');
  if (setting) return { pat: setting.text, fromFile: setting.fromFile === true };
  const session = sources.get('CLARIFAI_SESSION_TOKEN');
  return session ? { fromFile: session.fromFile === true, session: true } : { fromFile: false };
}

/**
 * A `.env` file is whatever folder the process starts in, a cloned repository included. It
 * may say where a token goes only when that token is its own: otherwise a hostile file could
 * send the user's exported token to any host.
 */
function checkTrust(options: LoadOptions, sources: Sources, token: TokenSource, destination: Array<Setting | undefined>): void {
  const untrusted = destination.find((setting) => setting?.fromFile);
  if (!untrusted) return;
  if (token.problem) throw new ConfigError(token.problem);
  const hasToken = token.pat !== undefined || token.patFile !== undefined || token.session === true;
  if (!hasToken || token.fromFile) return;
  const name = untrusted.from.split(' ')[0];
  const from = options.pat !== undefined || options.patFile !== undefined ? 'an option' : 'the environment';
  throw new ConfigError(
    `${untrusted.from} is not used: the token comes from ${from}, ` +
      `and a .env file may only say where to send a token it holds itself; remove ${name} from ${sources.envFile}, ` +
      `or set ${name} in the environment`,
  );
}

function resolveCacheDir(option: string | false | undefined, sources: Sources, env: Env): ReturnType<typeof defaultCacheDir> {
  const path = process.getBuiltinModule('node:path');
  if (option === false) return { cacheDir: undefined };
  if (option !== undefined) return { cacheDir: path.resolve(option) };
  const s = sources.get('CLARIFAI_SECRETS_CACHE_DIR');
  if (s === undefined) return defaultCacheDir(env);
  // A boolean spelling is a switch, not a folder name: `false` must not write into ./false/.
  const word = s.text.trim().toLowerCase();
  if (TRUE.has(word)) return defaultCacheDir(env);
  return { cacheDir: FALSE.has(word) ? undefined : path.resolve(s.text) };
}

function resolveUserId(options: LoadOptions, sources: Sources): string {
  const user = options.userId !== undefined ? { text: options.userId, from: '--user-id' } : sources.get('CLARIFAI_USER_ID');
  const userId = user ? user.text.trim() : 'me';
  const problem = idProblem(userId, 'user id');
  if (problem) throw new ConfigError(`${user?.from ?? 'CLARIFAI_USER_ID'} is not a user id the API could mean: ${problem}`);
  return userId;
}

/** Which option stands for each setting the marker names. */
const MARKED_OPTIONS: Record<(typeof MARKED_SETTINGS)[number], keyof LoadOptions> = {
  CLARIFAI_API_BASE: 'baseUrl',
  CLARIFAI_USER_ID: 'userId',
  CLARIFAI_SECRETS: 'secrets',
  CLARIFAI_SECRETS_ALLOW_HTTP: 'allowInsecureHttp',
  CLARIFAI_SECRETS_TIMEOUT: 'timeout',
  CLARIFAI_SECRETS_OVERRIDE: 'override',
  CLARIFAI_SECRETS_CACHE_TTL: 'cacheTtl',
  CLARIFAI_SECRETS_CACHE_DIR: 'cacheDir',
  CLARIFAI_SECRETS_FALLBACK: 'fallback',
  CLARIFAI_SECRETS_FAIL_OPEN: 'failOpen',
  CLARIFAI_SECRETS_DEBUG: 'debug',
};

/**
 * The texts the marker names. An option counts as the environment variable it stands for,
 * written as text: `run` hands its flags on to its child's environment so, and an option
 * read as text means what the variable would (an array of secrets is joined as resolveConfig joins it).
 */
function markedTexts(options: LoadOptions, env: Env): Array<string | null> {
  return MARKED_SETTINGS.map((key) => {
    const option = options[MARKED_OPTIONS[key]];
    if (option === undefined) return env[key] ?? null;
    return Array.isArray(option) ? option.join(',') : String(option);
  });
}

/**
 * Resolves every setting. `env` is where CLARIFAI_* variables are read (the process
 * environment unless a caller says otherwise).
 */
export function resolveConfig(options: LoadOptions = {}, env: Env = process.env): Config {
  const sources = new Sources(options, env);
  const allowHttpSetting = options.allowInsecureHttp === undefined ? sources.get('CLARIFAI_SECRETS_ALLOW_HTTP') : undefined;
  const base = options.baseUrl !== undefined ? { text: options.baseUrl, from: '--api-base' } : sources.get('CLARIFAI_API_BASE');
  const token = tokenSource(options, sources, env);
  checkTrust(options, sources, token, [base, allowHttpSetting]);
  const allowInsecureHttp = sources.bool(options.allowInsecureHttp, 'CLARIFAI_SECRETS_ALLOW_HTTP', false);
  // With an exported empty CLARIFAI_PAT, only the environment's session token may stand in.
  const sessionText = token.problem ? env['CLARIFAI_SESSION_TOKEN'] || undefined : sources.get('CLARIFAI_SESSION_TOKEN')?.text;
  const selection = options.secrets === undefined ? sources.get('CLARIFAI_SECRETS') : undefined;
  const secrets =
    options.secrets === undefined ? selection?.text : typeof options.secrets === 'string' ? options.secrets : options.secrets.join(',');

  return {
    pat: token.patFile !== undefined ? readTokenFile(token.patFile) : token.pat === undefined ? undefined : parseToken(token.pat, 'CLARIFAI_PAT'),
    patFile: token.patFile,
    ...(token.problem ? { tokenProblem: token.problem } : {}),
    sessionToken: sessionText === undefined ? undefined : parseToken(sessionText, 'CLARIFAI_SESSION_TOKEN'),
    userId: resolveUserId(options, sources),
    baseUrl: base ? parseBaseUrl(base.text, base.from, allowInsecureHttp) : DEFAULT_BASE_URL,
    timeout: sources.whole(options.timeout, 'timeout', 'CLARIFAI_SECRETS_TIMEOUT', 'milliseconds', [1, 600_000], DEFAULT_TIMEOUT_MS),
    allowInsecureHttp,
    secrets,
    secretsFromFile: selection?.fromFile === true,
    fileReferences: sources.references,
    override: sources.bool(options.override, 'CLARIFAI_SECRETS_OVERRIDE', false),
    cacheTtl: sources.whole(options.cacheTtl, 'cacheTtl', 'CLARIFAI_SECRETS_CACHE_TTL', 'seconds', [0, 31_536_000], 0),
    ...resolveCacheDir(options.cacheDir, sources, env),
    fallback: sources.bool(options.fallback, 'CLARIFAI_SECRETS_FALLBACK', true),
    failOpen: sources.bool(options.failOpen, 'CLARIFAI_SECRETS_FAIL_OPEN', false),
    debug: sources.bool(options.debug, 'CLARIFAI_SECRETS_DEBUG', false),
    envFile: sources.envFile,
    envFileKeys: sources.ourKeys,
    markedSettings: { texts: markedTexts(options, env), envFileDigest: sources.digest },
  };
}

/**
 * Fail-open read on its own, leniently: when the configuration itself is broken, the
 * preload still has to know whether to stop the app.
 */
export function failOpenRequested(options: LoadOptions, env: Env = process.env): boolean {
  if (options.failOpen !== undefined) return options.failOpen;
  return TRUE.has((env['CLARIFAI_SECRETS_FAIL_OPEN'] ?? '').trim().toLowerCase());
}

/** Token files are a line of text: anything much larger is not one. */
const MAX_TOKEN_FILE_BYTES = 64 * 1024;

/**
 * CLARIFAI_PAT_FILE's token, one trailing newline removed. Opened without blocking and
 * checked to be a regular file, so a FIFO or a device named there cannot hang the start;
 * symlinks are followed, since mounted container secrets are symlinks.
 */
function readTokenFile(file: string): string {
  try {
    let text: string;
    try {
      text = readRegularFile(file, MAX_TOKEN_FILE_BYTES).replace(/\r?\n$/, '');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOTREG' || code === 'EISDIR') throw new ConfigError(`CLARIFAI_PAT_FILE ${file} is not a regular file: point it at the file that holds the token`);
      if (code === 'EFBIG') throw new ConfigError(`CLARIFAI_PAT_FILE ${file} is larger than a token file can be: point it at the file that holds the token`);
      throw error;
    }
    if (text === '') throw new ConfigError(`CLARIFAI_PAT_FILE ${file} is empty: write the token into it`);
    if (/[\s\u0000-\u001f\u007f]/.test(text)) {
      throw new ConfigError(`CLARIFAI_PAT_FILE ${file} holds white space or control characters besides one trailing newline: write the token alone`);
    }
    return text;
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`cannot read CLARIFAI_PAT_FILE ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'}): fix the path or the file's permissions`);
  }
}

/** The token to send: the PAT (CLARIFAI_PAT's, or CLARIFAI_PAT_FILE's), else a session token. */
export function requireToken(config: Config): string {
  const token = config.pat ?? config.sessionToken;
  if (!token) {
    throw new ConfigError(
      config.tokenProblem ??
        `CLARIFAI_PAT is not set: create a personal access token at ${TOKEN_PAGE} and export CLARIFAI_PAT`,
    );
  }
  return token;
}
