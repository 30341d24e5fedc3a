/**
 * Every failure this package reports is a `SecretsError` with a stable string `code`.
 *
 * The package ships an ESM and a CJS build, and `loadSecretsSync` rebuilds errors that
 * crossed a worker boundary, so one error may meet a class from another copy of this
 * file. `instanceof` therefore checks a `Symbol.for` brand instead of the prototype chain
 * (the same trick undici uses for its errors).
 */

const BRAND = Symbol.for('clarifai-secrets.error');

export type SecretsErrorCode =
  /** Bad or missing configuration: an env var, an option, a selection string. */
  | 'ERR_CONFIG'
  /** The token was refused (unknown, invalid or malformed). */
  | 'ERR_AUTH'
  /** The token is valid but lacks a scope (Clarifai 11007). */
  | 'ERR_FORBIDDEN'
  /** The secret (or the user) does not exist. */
  | 'ERR_NOT_FOUND'
  /** `create` of an id that already exists. */
  | 'ERR_CONFLICT'
  /** Required secrets of the selection do not exist; `missing` lists every id. */
  | 'ERR_MISSING_SECRETS'
  /** Rate limited, still after the retries the deadline allowed. */
  | 'ERR_THROTTLED'
  /** The API answered 5xx, still after retries. */
  | 'ERR_SERVER'
  /** The API could not be reached: DNS, refused or reset connection, TLS. */
  | 'ERR_NETWORK'
  /** The deadline passed before the work was done. */
  | 'ERR_TIMEOUT'
  /** The API answered something that is not a valid Clarifai response. */
  | 'ERR_BAD_RESPONSE'
  /** A secret's value cannot be put in an environment variable (it holds a NUL byte). */
  | 'ERR_INVALID_VALUE'
  /** The API refused the request for another reason (bad request, mixed status). */
  | 'ERR_API'
  /** A secret file (`NAME=@ID`, `run --mount`) could not be made: its folder, a full disk, a path taken. */
  | 'ERR_FILE';

export interface SecretsErrorInfo {
  /** HTTP status of the response that caused the error, when there was one. */
  statusCode?: number | undefined;
  /** Clarifai `status.code` of that response, when there was one. */
  clarifaiCode?: number | undefined;
  /** Clarifai `status.req_id`, worth quoting to Clarifai support. */
  reqId?: string | undefined;
  cause?: unknown;
}

export class SecretsError extends Error {
  /** Class name kept as data so copies of this file can recognise each other. */
  static readonly kind: string = 'SecretsError';

  readonly code: SecretsErrorCode;
  // Declared, and set only when known, so a printed error shows no row of `undefined`s.
  declare readonly statusCode: number | undefined;
  declare readonly clarifaiCode: number | undefined;
  declare readonly reqId: string | undefined;

  constructor(code: SecretsErrorCode, message: string, info: SecretsErrorInfo = {}) {
    super(message, info.cause === undefined ? undefined : { cause: info.cause });
    const kind = (new.target as typeof SecretsError).kind;
    this.name = kind;
    this.code = code;
    if (info.statusCode !== undefined) this.statusCode = info.statusCode;
    if (info.clarifaiCode !== undefined) this.clarifaiCode = info.clarifaiCode;
    if (info.reqId !== undefined) this.reqId = info.reqId;
    Object.defineProperty(this, BRAND, { value: kind });
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    if (typeof value !== 'object' || value === null) return false;
    const brand = (value as Record<symbol, unknown>)[BRAND];
    if (typeof brand !== 'string') return false;
    return this.kind === 'SecretsError' || brand === this.kind;
  }
}

export class ConfigError extends SecretsError {
  static override readonly kind = 'ConfigError';
  constructor(message: string, info?: SecretsErrorInfo) {
    super('ERR_CONFIG', message, info);
  }
}

/** `ERR_AUTH` for a refused token, `ERR_FORBIDDEN` for a token without the needed scope. */
export class AuthError extends SecretsError {
  static override readonly kind = 'AuthError';
  constructor(code: 'ERR_AUTH' | 'ERR_FORBIDDEN', message: string, info?: SecretsErrorInfo) {
    super(code, message, info);
  }
}

export class NotFoundError extends SecretsError {
  static override readonly kind = 'NotFoundError';
  constructor(message: string, info?: SecretsErrorInfo) {
    super('ERR_NOT_FOUND', message, info);
  }
}

export class ConflictError extends SecretsError {
  static override readonly kind = 'ConflictError';
  constructor(message: string, info?: SecretsErrorInfo) {
    super('ERR_CONFLICT', message, info);
  }
}

/** Where a personal access token is made: every message that says to make one names this page. */
export const TOKEN_PAGE = 'https://clarifai.com/settings/security';

/** What to do about `count` missing required secrets, in the right number. */
export function missingAdvice(count: number): string {
  const them = count === 1 ? 'it' : 'them';
  return `create ${them} (clarifai-secrets create ID) or mark ${them} optional with a trailing "?"`;
}

export class MissingSecretsError extends SecretsError {
  static override readonly kind = 'MissingSecretsError';
  /** Every required secret id that does not exist. */
  readonly missing: readonly string[];
  constructor(missing: readonly string[], message?: string) {
    super(
      'ERR_MISSING_SECRETS',
      message ??
        `${missing.length === 1 ? 'secret' : `${missing.length} secrets`} not found: ${missing.join(', ')}; ${missingAdvice(missing.length)}`,
    );
    this.missing = [...missing];
  }
}

/** The API could not give an answer: throttled, 5xx, unreachable or too slow. */
export class UnavailableError extends SecretsError {
  static override readonly kind = 'UnavailableError';
  /** What the last answer's `Retry-After` asked for, in ms, when it had one. */
  declare readonly retryAfterMs: number | undefined;
  constructor(
    code: 'ERR_THROTTLED' | 'ERR_SERVER' | 'ERR_NETWORK' | 'ERR_TIMEOUT',
    message: string,
    info?: SecretsErrorInfo,
  ) {
    super(code, message, info);
  }
}

/** Notes the `Retry-After` of the answer behind `error`, so a caller that polls can honour it. */
export function withRetryAfter(error: SecretsError, ms: number | undefined): SecretsError {
  if (ms !== undefined && error instanceof UnavailableError) {
    Object.defineProperty(error, 'retryAfterMs', { value: ms, enumerable: true });
  }
  return error;
}

export class BadResponseError extends SecretsError {
  static override readonly kind = 'BadResponseError';
  constructor(message: string, info?: SecretsErrorInfo) {
    super('ERR_BAD_RESPONSE', message, info);
  }
}

export class InvalidValueError extends SecretsError {
  static override readonly kind = 'InvalidValueError';
  /** The ids whose values cannot be loaded. */
  readonly ids: readonly string[];
  constructor(ids: readonly string[], message?: string) {
    super(
      'ERR_INVALID_VALUE',
      message ??
        `${ids.length === 1 ? 'secret' : 'secrets'} ${ids.join(', ')} ${ids.length === 1 ? 'holds' : 'hold'} a NUL byte, ` +
          'which an environment variable cannot carry (Node would cut the value short): update the value, or leave it out of CLARIFAI_SECRETS',
    );
    this.ids = [...ids];
  }
}

export class ApiError extends SecretsError {
  static override readonly kind = 'ApiError';
  constructor(message: string, info?: SecretsErrorInfo) {
    super('ERR_API', message, info);
  }
}

/** `ERR_FILE`: a secret's file or `run --mount`'s pipe could not be made; nothing of it is left behind. */
export class FileError extends SecretsError {
  static override readonly kind = 'FileError';
  constructor(message: string) {
    super('ERR_FILE', message);
  }
}

/** True for any `SecretsError`, from any copy of the package; narrows to `code` when given. */
export function isSecretsError(value: unknown, code?: SecretsErrorCode): value is SecretsError {
  return value instanceof SecretsError && (code === undefined || value.code === code);
}

/**
 * Errors that mean "the API cannot answer right now", as opposed to "the API said no".
 * The loader serves the last-known-good copy for these and only these.
 */
export function isUnavailable(error: unknown): boolean {
  return error instanceof UnavailableError;
}

/**
 * Every subclass, by the `kind` it is known by across copies, with the fields of its own
 * that must cross the worker boundary. Serialising and reviving both read this one table,
 * so a new subclass is one class and one row (test/unit/errors.test.ts fails on a class
 * that is exported without its row).
 */
const REGISTRY: ReadonlyMap<string, { type: ErrorClass; fields: readonly ExtraField[] }> = new Map(
  (
    [
      [SecretsError, []],
      [ConfigError, []],
      [AuthError, []],
      [NotFoundError, []],
      [ConflictError, []],
      [MissingSecretsError, ['missing']],
      [UnavailableError, []],
      [BadResponseError, []],
      [InvalidValueError, ['ids']],
      [ApiError, []],
      [FileError, []],
    ] as const
  ).map(([type, fields]): [string, { type: ErrorClass; fields: readonly ExtraField[] }] => [
    type.kind,
    { type, fields },
  ]),
);

type ErrorClass = (abstract new (...args: never[]) => SecretsError) & { readonly kind: string };

type ExtraField = 'missing' | 'ids';

/** A plain object that survives `postMessage` and JSON, for the sync worker. */
export interface SerializedError {
  kind: string;
  code: SecretsErrorCode;
  message: string;
  statusCode?: number | undefined;
  clarifaiCode?: number | undefined;
  reqId?: string | undefined;
  /** An `UnavailableError`'s `retryAfterMs`, when it has one. */
  retryAfterMs?: number | undefined;
  /** The lists some subclasses carry (`missing`, `ids`), by field name. */
  fields?: Partial<Record<ExtraField, string[]>> | undefined;
}

export function serializeError(error: unknown): SerializedError {
  if (error instanceof SecretsError) {
    const data: SerializedError = {
      kind: error.name,
      code: error.code,
      message: error.message,
      statusCode: error.statusCode,
      clarifaiCode: error.clarifaiCode,
      reqId: error.reqId,
    };
    if (error instanceof UnavailableError && error.retryAfterMs !== undefined) data.retryAfterMs = error.retryAfterMs;
    const own = REGISTRY.get(error.name)?.fields ?? [];
    if (own.length > 0) {
      const source = error as unknown as Partial<Record<ExtraField, readonly string[]>>;
      data.fields = Object.fromEntries(own.map((name) => [name, [...(source[name] ?? [])]]));
    }
    return data;
  }
  // An unexpected bug: keep only the message, never a stack that could carry values.
  const message = error instanceof Error ? error.message : String(error);
  return { kind: 'SecretsError', code: 'ERR_API', message: `internal error: ${message}` };
}

export function reviveError(data: SerializedError): SecretsError {
  const entry = REGISTRY.get(data.kind) ?? { type: SecretsError, fields: [] };
  const info: SecretsErrorInfo = {
    statusCode: data.statusCode,
    clarifaiCode: data.clarifaiCode,
    reqId: data.reqId,
  };
  // The base constructor with the subclass as new.target: the subclass's prototype, name and
  // brand, without each subclass's own constructor signature (which builds its message).
  const error = Reflect.construct(SecretsError, [data.code, data.message, info], entry.type) as SecretsError;
  const target = error as unknown as Record<ExtraField, readonly string[]>;
  for (const name of entry.fields) target[name] = [...(data.fields?.[name] ?? [])];
  return withRetryAfter(error, data.retryAfterMs);
}
