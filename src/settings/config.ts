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
import { ConfigError } from '../errors.js';
import { lazyRequire } from '../lazy-require.js';

/** Options shared by everything that talks to the API. */
export interface ConnectionOptions {
  /**
   * Personal access token.
   * @default process.env.CLARIFAI_PAT
   */
  pat?: string;
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
   * Folder of the encrypted last-known-good copy; `false` (or `off` in the env) disables it.
   * @default process.env.CLARIFAI_SECRETS_CACHE_DIR ?? '$XDG_CACHE_HOME/clarifai-secrets', else '~/.cache/clarifai-secrets'
   */
  cacheDir?: string | false;
  /**
   * Serve the last-known-good copy when the API cannot be reached.
   * @default process.env.CLARIFAI_SECRETS_FALLBACK ?? true
   */
  fallback?: boolean;
  /**
   * Preload and `run` only: a failed load warns and the app starts anyway.
   * @default process.env.CLARIFAI_SECRETS_FAIL_OPEN ?? false
   */
  failOpen?: boolean;
  /**
   * Preload and `run` only: print one report line (names, source, time) on stderr.
   * @default process.env.CLARIFAI_SECRETS_DEBUG ?? false
   */
  debug?: boolean;
}

/** Every setting with its final value. */
export interface Config {
  pat: string | undefined;
  sessionToken: string | undefined;
  userId: string;
  baseUrl: string;
  timeout: number;
  allowInsecureHttp: boolean;
  secrets: string | undefined;
  override: boolean;
  cacheTtl: number;
  /** undefined: the disk copy is off. */
  cacheDir: string | undefined;
  fallback: boolean;
  failOpen: boolean;
  debug: boolean;
  /** The `.env` file that was read, if any. */
  envFile: string | undefined;
}

export const DEFAULT_BASE_URL = 'https://api.clarifai.com';
export const DEFAULT_TIMEOUT_MS = 10_000;

/** The keys a `.env` file may set for us; anything else in it is ignored. */
const ENV_KEYS = [
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
}

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

/** Config text is echoed in errors, clipped; never used for the token. */
function shown(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 37)}...` : text);
}

export function parseBoolean(text: string, from: string): boolean {
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

/** Reads the CLARIFAI_* keys of a `.env` file with dotenv's parser. */
function readEnvFile(path: string, explicit: boolean): Env | undefined {
  const fs = process.getBuiltinModule('node:fs');
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8');
  } catch (error) {
    if (!explicit && (error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError(
      `cannot read the env file ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'}): ` +
        'fix CLARIFAI_SECRETS_ENV_FILE or --env-file',
    );
  }
  const dotenv = lazyRequire<typeof import('dotenv')>('dotenv');
  const parsed = dotenv.parse(text);
  const picked: Env = {};
  for (const key of ENV_KEYS) if (parsed[key] !== undefined) picked[key] = parsed[key];
  return picked;
}

function isLoopback(hostname: string): boolean {
  return (
    hostname === 'localhost' ||
    hostname.endsWith('.localhost') ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname) ||
    hostname === '[::1]'
  );
}

function parseBaseUrl(text: string, from: string, allowHttp: boolean): string {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new ConfigError(`${from} must be a URL like https://api.clarifai.com, got ${shown(text)}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError(`${from} must be an http(s) URL, got ${shown(text)}`);
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new ConfigError(`${from} must not carry credentials, a query or a fragment`);
  }
  if (url.protocol === 'http:' && !allowHttp && !isLoopback(url.hostname)) {
    throw new ConfigError(
      `${from} is plain http to ${url.hostname}, which would send the token unencrypted: ` +
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

function defaultCacheDir(env: Env): string {
  const path = process.getBuiltinModule('node:path');
  const xdg = env['XDG_CACHE_HOME'];
  if (xdg && path.isAbsolute(xdg)) return path.join(xdg, 'clarifai-secrets');
  const home = env['HOME'] || process.getBuiltinModule('node:os').homedir();
  return path.join(home, '.cache', 'clarifai-secrets');
}

/**
 * Resolves every setting. `env` is where CLARIFAI_* variables are read (the process
 * environment unless a caller says otherwise).
 */
export function resolveConfig(options: LoadOptions = {}, env: Env = process.env): Config {
  const path = process.getBuiltinModule('node:path');
  const envFileSetting: Setting | undefined =
    options.envFile === false
      ? undefined
      : options.envFile !== undefined
        ? { text: options.envFile, from: '--env-file' }
        : env['CLARIFAI_SECRETS_ENV_FILE']
          ? { text: env['CLARIFAI_SECRETS_ENV_FILE'], from: 'CLARIFAI_SECRETS_ENV_FILE' }
          : undefined;
  const envFilePath = envFileSetting ? path.resolve(envFileSetting.text) : options.envFile === false ? undefined : path.resolve('.env');
  const fileEnv = envFilePath ? readEnvFile(envFilePath, envFileSetting !== undefined) : undefined;

  const setting = (key: EnvKey): Setting | undefined => {
    const fromEnv = env[key];
    if (fromEnv !== undefined && fromEnv !== '') return { text: fromEnv, from: key };
    const fromFile = fileEnv?.[key];
    if (fromFile !== undefined && fromFile !== '') return { text: fromFile, from: `${key} in ${envFilePath}` };
    return undefined;
  };
  const bool = (option: boolean | undefined, key: EnvKey, fallback: boolean): boolean => {
    if (option !== undefined) return option;
    const s = setting(key);
    return s ? parseBoolean(s.text, s.from) : fallback;
  };
  const whole = (option: number | undefined, name: string, key: EnvKey, unit: string, min: number, max: number, fallback: number): number => {
    if (option !== undefined) return parseWhole(String(option), `option ${name}`, unit, min, max);
    const s = setting(key);
    return s ? parseWhole(s.text, s.from, unit, min, max) : fallback;
  };

  const allowInsecureHttp = bool(options.allowInsecureHttp, 'CLARIFAI_SECRETS_ALLOW_HTTP', false);
  const base = options.baseUrl !== undefined ? { text: options.baseUrl, from: '--api-base' } : setting('CLARIFAI_API_BASE');
  const user = options.userId !== undefined ? { text: options.userId, from: '--user-id' } : setting('CLARIFAI_USER_ID');
  const userId = user ? user.text.trim() : 'me';
  if (!userId || /[/?#\s]/.test(userId)) {
    throw new ConfigError(`${user?.from ?? 'CLARIFAI_USER_ID'} must be a user id without "/", "?", "#" or spaces`);
  }
  const patText = options.pat ?? setting('CLARIFAI_PAT')?.text;
  const sessionText = setting('CLARIFAI_SESSION_TOKEN')?.text;

  let cacheDir: string | undefined;
  if (options.cacheDir === false) cacheDir = undefined;
  else if (options.cacheDir !== undefined) cacheDir = path.resolve(options.cacheDir);
  else {
    const s = setting('CLARIFAI_SECRETS_CACHE_DIR');
    cacheDir = s === undefined ? defaultCacheDir(env) : s.text.trim().toLowerCase() === 'off' ? undefined : path.resolve(s.text);
  }

  const secrets =
    options.secrets === undefined
      ? setting('CLARIFAI_SECRETS')?.text
      : typeof options.secrets === 'string'
        ? options.secrets
        : options.secrets.join(',');

  return {
    pat: patText === undefined ? undefined : parseToken(patText, 'CLARIFAI_PAT'),
    sessionToken: sessionText === undefined ? undefined : parseToken(sessionText, 'CLARIFAI_SESSION_TOKEN'),
    userId,
    baseUrl: base ? parseBaseUrl(base.text, base.from, allowInsecureHttp) : DEFAULT_BASE_URL,
    timeout: whole(options.timeout, 'timeout', 'CLARIFAI_SECRETS_TIMEOUT', 'milliseconds', 1, 600_000, DEFAULT_TIMEOUT_MS),
    allowInsecureHttp,
    secrets,
    override: bool(options.override, 'CLARIFAI_SECRETS_OVERRIDE', false),
    cacheTtl: whole(options.cacheTtl, 'cacheTtl', 'CLARIFAI_SECRETS_CACHE_TTL', 'seconds', 0, 31_536_000, 0),
    cacheDir,
    fallback: bool(options.fallback, 'CLARIFAI_SECRETS_FALLBACK', true),
    failOpen: bool(options.failOpen, 'CLARIFAI_SECRETS_FAIL_OPEN', false),
    debug: bool(options.debug, 'CLARIFAI_SECRETS_DEBUG', false),
    envFile: fileEnv ? envFilePath : undefined,
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

/** The token to send: the PAT, else a session token. */
export function requireToken(config: Config): string {
  const token = config.pat ?? config.sessionToken;
  if (!token) {
    throw new ConfigError(
      'CLARIFAI_PAT is not set: create a personal access token in your Clarifai settings ' +
        '(Security > Personal Access Tokens) and export CLARIFAI_PAT',
    );
  }
  return token;
}
