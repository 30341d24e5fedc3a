import { type FailureContext, failure } from './answer-errors.js';
import { type Config, type ConnectionOptions, requireToken, resolveConfig } from '../settings/config.js';
import { BadResponseError, ConfigError, InvalidValueError, type SecretsError, UnavailableError, isUnavailable, withRetryAfter } from '../errors.js';
import { MAX_ATTEMPTS, backoffDelay, parseRetryAfter, sleep } from './retry.js';
import { type HttpMethod, type HttpResponse, type Transport, TransportError } from './transport/types.js';
import { undiciTransport } from './transport/undici.js';
import { VERSION } from '../version.js';
import { quoted } from '../settings/printable.js';
import { requireNameable } from '../settings/selection.js';
import { idProblem } from '../ids.js';
import {
  type Envelope,
  type Secret,
  type SecretInput,
  type SecretPatch,
  type SecretValue,
  type Where,
  badResponse,
  decodeMany,
  decodeSingle,
  decodeValues,
  encodeSecret,
  isSuccess,
  parseJsonObject,
  readStatus,
} from './wire.js';

export type SecretsClientOptions = Omit<ConnectionOptions, 'envFile'> & {
  /**
   * The `.env` file read for CLARIFAI_* settings; `false` reads none.
   * @default process.env.CLARIFAI_SECRETS_ENV_FILE ?? './.env' when it exists
   */
  envFile?: string | false;
};

/** Per-call options. */
export interface CallOptions {
  /** Aborts the call; the client's `timeout` still applies. */
  signal?: AbortSignal;
}

/** PATCH actions: `overwrite` replaces the given fields, `remove` clears them. */
export type PatchAction = 'overwrite' | 'merge' | 'remove';

/** How a list page's answer becomes items: whole secrets, or only what a load reads. */
type Decode<T> = (envelope: Envelope, where: Where) => T[];
/** What a list walk counts toward its limits. */
type Listed = SecretValue & { description?: string };

/** The most a list page may hold: Clarifai caps `per_page` at 1000. */
export const MAX_PER_PAGE = 1000;
/** A larger body is refused unread: no answer of this API is anywhere near it. */
const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

/**
 * The most one list walk takes in: far above any real account (10,000 secrets of 1 KiB are
 * 10 pages and 10 MiB), far below what would exhaust a process's memory.
 */
export const LIST_LIMITS = { pages: 10_000, secrets: 100_000, chars: 64 * 1024 * 1024 } as const;

function overLimit(what: string): BadResponseError {
  return new BadResponseError(
    `the list of secrets holds ${what}, more than a load takes in: check CLARIFAI_API_BASE points at the Clarifai API, ` +
      'or load fewer secrets with CLARIFAI_SECRETS',
  );
}

interface Call {
  method: HttpMethod;
  /** Below `/v2/users/{user}/secrets`, already encoded. */
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  /** For messages: `get secret "x"`. */
  what: string;
  secretId?: string | undefined;
  /** Reads are retried on throttling, 5xx and connection errors. */
  idempotent: boolean;
  /** Values the body carries: never to be printed, even when the server quotes them back. */
  values: readonly string[];
  signal?: AbortSignal | undefined;
}

interface Prepared {
  url: URL;
  headers: Record<string, string>;
  body: string | undefined;
  ctx: FailureContext;
}

type Attempt =
  | { envelope: Envelope }
  | { aborted: true }
  | { error: SecretsError; retryable: boolean; retryAfter?: number | undefined };

/**
 * The key under which `clientFor` hands the constructor settings already resolved. Never
 * exported, so no caller outside this module can pass it: for everyone else, the public
 * constructor resolves its options.
 */
const RESOLVED = Symbol('resolved');
interface Resolved {
  config: Config;
  transport: Transport | undefined;
}
type FactoryOptions = SecretsClientOptions & { [RESOLVED]?: Resolved };

/**
 * A client for Clarifai's secrets API. Every option is optional: what is not given is
 * read from the environment by the same resolver as the preload and the CLI.
 */
export class SecretsClient {
  readonly userId: string;
  readonly baseUrl: string;
  readonly timeout: number;
  readonly #config: Config;
  readonly #transport: Transport;
  readonly #secrets: Decode<Secret> = (envelope, where) => decodeMany(envelope, this.userId, where);

  constructor(options: SecretsClientOptions = {}) {
    const resolved = (options as FactoryOptions)[RESOLVED];
    const config = resolved?.config ?? resolveConfig(options);
    this.userId = config.userId;
    this.baseUrl = config.baseUrl;
    this.timeout = config.timeout;
    this.#config = config;
    this.#transport = resolved?.transport ?? undiciTransport(options.dispatcher);
  }

  /** One secret; `ERR_NOT_FOUND` when it does not exist. */
  async get(id: string, options: CallOptions = {}): Promise<Secret> {
    requireId(id, 'get');
    const what = `get secret ${quoted(id)}`;
    const envelope = await this.#send({
      method: 'GET',
      path: `/${encodeURIComponent(id)}`,
      what,
      secretId: id,
      idempotent: true,
      values: [],
      signal: options.signal,
    });
    return decodeSingle(envelope, this.userId, { what, httpStatus: 200, reqId: envelope.status.reqId });
  }

  /** One page of secrets (`page` from 1, `perPage` up to 1000). */
  list(page: { page?: number; perPage?: number } = {}, options: CallOptions = {}): Promise<Secret[]> {
    return this.#list(page, options, this.#secrets);
  }

  async #list<T>(page: { page?: number; perPage?: number }, options: CallOptions, decode: Decode<T>): Promise<T[]> {
    const number = page.page ?? 1;
    const perPage = page.perPage ?? 128;
    if (!Number.isInteger(number) || number < 1) throw new ConfigError('list: page must be a whole number from 1');
    if (!Number.isInteger(perPage) || perPage < 1 || perPage > MAX_PER_PAGE) {
      throw new ConfigError(`list: perPage must be a whole number from 1 to ${MAX_PER_PAGE}`);
    }
    const what = 'list secrets';
    const envelope = await this.#send({
      method: 'GET',
      path: '',
      query: { page: String(number), per_page: String(perPage) },
      what,
      idempotent: true,
      values: [],
      signal: options.signal,
    });
    return decode(envelope, { what, httpStatus: 200, reqId: envelope.status.reqId });
  }

  /**
   * Every secret, page by page until an empty page. A short page does not end the walk:
   * a server may cap `per_page` below what was asked, and stopping early would lose
   * secrets without a word. Pages 1 and 2 are asked for together: most accounts fit on one
   * page, and the empty page that proves the end then costs no extra round trip. Over HTTPS
   * that opens a second connection, whose TLS handshake runs beside the first: a little CPU
   * on both ends, against a whole round trip (tens of ms to api.clarifai.com) saved on every
   * load. A walk is bounded (LIST_LIMITS): a server that sends page after page ends in one
   * `ERR_BAD_RESPONSE`, long before memory runs out.
   */
  listAll(options: CallOptions & { perPage?: number } = {}): AsyncGenerator<Secret> {
    return this.#listAll(options, this.#secrets);
  }

  /**
   * `listAll` for a load: the ids and values of the same walk, their other fields not read
   * (decodeValues in wire.ts).
   * @internal
   */
  listValues(options: CallOptions = {}): AsyncGenerator<SecretValue> {
    return this.#listAll(options, decodeValues);
  }

  async *#listAll<T extends Listed>(options: CallOptions & { perPage?: number }, decode: Decode<T>): AsyncGenerator<T> {
    const perPage = options.perPage ?? MAX_PER_PAGE;
    // Page 2 asked for ahead is stopped when the walk ends without it (page 1 failed, or the
    // caller stopped reading): its retries must not go on in the background until the deadline.
    const ahead = new AbortController();
    const second = this.#list({ page: 2, perPage }, { signal: options.signal ? AbortSignal.any([options.signal, ahead.signal]) : ahead.signal }, decode);
    // Its failure is read when its turn comes; until then it must not count as unhandled.
    second.catch(() => undefined);
    try {
      yield* this.#walk(second, perPage, options, decode);
    } finally {
      ahead.abort();
    }
  }

  async *#walk<T extends Listed>(second: Promise<T[]>, perPage: number, options: CallOptions, decode: Decode<T>): AsyncGenerator<T> {
    const seen = new Set<string>();
    let chars = 0;
    for (let page = 1; ; page++) {
      if (page > LIST_LIMITS.pages) throw overLimit(`more than ${LIST_LIMITS.pages} pages`);
      const items = page === 2 ? await second : await this.#list({ page, perPage }, options, decode);
      if (items.length === 0) return;
      let fresh = 0;
      for (const item of items) {
        if (seen.has(item.id)) continue;
        seen.add(item.id);
        chars += item.id.length + item.value.length + (item.description?.length ?? 0);
        if (seen.size > LIST_LIMITS.secrets) throw overLimit(`more than ${LIST_LIMITS.secrets} secrets`);
        if (chars > LIST_LIMITS.chars) throw overLimit(`more than ${LIST_LIMITS.chars / 1024 / 1024} MiB of ids and values`);
        fresh++;
        yield item;
      }
      // A server that ignores `page` would otherwise be walked until the deadline.
      if (fresh === 0) {
        throw badResponse({ what: 'list secrets', httpStatus: 200 }, `page ${page} repeats earlier pages`);
      }
    }
  }

  /** Creates secrets; an id that exists is `ERR_CONFLICT` and nothing is created. */
  async create(secrets: readonly SecretInput[], options: CallOptions = {}): Promise<Secret[]> {
    requireBatch(secrets, 'create', true);
    // Stored, such a secret could never be loaded: no selection can name it.
    for (const { id } of secrets) requireNameable(id);
    const what = secrets.length === 1 ? `create secret ${quoted(secrets[0]?.id ?? '')}` : `create ${secrets.length} secrets`;
    const envelope = await this.#send({
      method: 'POST',
      path: '',
      body: { secrets: secrets.map(encodeSecret) },
      what,
      idempotent: false,
      values: valuesOf(secrets),
      signal: options.signal,
    });
    return decodeMany(envelope, this.userId, { what, httpStatus: 200, reqId: envelope.status.reqId });
  }

  /** Changes the given fields of existing secrets (PATCH, action `overwrite`). */
  update(secrets: readonly SecretPatch[], options: CallOptions = {}): Promise<Secret[]> {
    return this.patch(secrets, 'overwrite', options);
  }

  /** PATCH with any action. Note the wire key is the singular `secret`. */
  async patch(secrets: readonly SecretPatch[], action: PatchAction, options: CallOptions = {}): Promise<Secret[]> {
    requireBatch(secrets, 'update', false);
    if (action !== 'overwrite' && action !== 'merge' && action !== 'remove') {
      throw new ConfigError(`patch: action must be overwrite, merge or remove, got ${JSON.stringify(String(action))}`);
    }
    const what = secrets.length === 1 ? `update secret ${quoted(secrets[0]?.id ?? '')}` : `update ${secrets.length} secrets`;
    const envelope = await this.#send({
      method: 'PATCH',
      path: '',
      body: { secret: secrets.map(encodeSecret), action },
      what,
      secretId: secrets.length === 1 ? secrets[0]?.id : undefined,
      idempotent: false,
      values: valuesOf(secrets),
      signal: options.signal,
    });
    return decodeMany(envelope, this.userId, { what, httpStatus: 200, reqId: envelope.status.reqId });
  }

  /** Deletes secrets by id (one batch request). */
  async delete(ids: readonly string[], options: CallOptions = {}): Promise<void> {
    if (!Array.isArray(ids) || ids.length === 0) throw new ConfigError('delete needs at least one secret id');
    for (const id of ids) requireId(id, 'delete');
    await this.#send({
      method: 'DELETE',
      path: '',
      body: { ids },
      what: ids.length === 1 ? `delete secret ${quoted(ids[0] ?? '')}` : `delete ${ids.length} secrets`,
      secretId: ids.length === 1 ? ids[0] : undefined,
      idempotent: false,
      values: [],
      signal: options.signal,
    });
  }

  #headers(hasBody: boolean): Record<string, string> {
    const headers: Record<string, string> = {
      accept: 'application/json',
      'user-agent': `clarifai-secrets/${VERSION} node/${process.versions.node}`,
      'x-clarifai-request-id-prefix': `clarifai-secrets-${VERSION}`,
    };
    const token = requireToken(this.#config);
    if (this.#config.pat) headers['authorization'] = `Key ${token}`;
    else headers['x-clarifai-session-token'] = token;
    if (hasBody) headers['content-type'] = 'application/json';
    return headers;
  }

  /** One call with its retries, all inside `timeout`. Returns a successful envelope. */
  async #send(call: Call): Promise<Envelope> {
    const prepared = this.#prepare(call);
    const deadline = AbortSignal.timeout(this.timeout);
    const signal = call.signal ? AbortSignal.any([call.signal, deadline]) : deadline;
    const deadlineAt = Date.now() + this.timeout;
    let last: SecretsError | undefined;

    for (let attempt = 0; ; attempt++) {
      const outcome = await this.#attempt(call, prepared, signal);
      if ('envelope' in outcome) return outcome.envelope;
      if ('aborted' in outcome) throw this.#aborted(call, deadline, last, prepared.url.host);
      last = outcome.error;
      if (!outcome.retryable || attempt + 1 >= MAX_ATTEMPTS) throw withRetryAfter(last, outcome.retryAfter);
      const delay = outcome.retryAfter ?? backoffDelay(attempt);
      // Waiting past the deadline only to time out would hide the real reason.
      if (Date.now() + delay >= deadlineAt) throw withRetryAfter(last, outcome.retryAfter);
      try {
        await sleep(delay, signal);
      } catch {
        throw this.#aborted(call, deadline, last, prepared.url.host);
      }
    }
  }

  /** What every attempt of a call sends, and what its messages may not print. */
  #prepare(call: Call): Prepared {
    const url = new URL(`${this.baseUrl}/v2/users/${encodeURIComponent(this.userId)}/secrets${call.path}`);
    for (const [key, value] of Object.entries(call.query ?? {})) url.searchParams.set(key, value);
    const ctx: FailureContext = {
      what: call.what,
      secretId: call.secretId,
      userId: this.userId,
      host: url.host,
      secrets: [this.#config.pat ?? '', this.#config.sessionToken ?? '', ...call.values],
    };
    const body = call.body === undefined ? undefined : JSON.stringify(call.body);
    return { url, headers: this.#headers(body !== undefined), body, ctx };
  }

  /** One exchange: a success, an error and whether it may be retried, or the deadline. */
  async #attempt(call: Call, prepared: Prepared, signal: AbortSignal): Promise<Attempt> {
    const { url, headers, body, ctx } = prepared;
    try {
      const res = await this.#transport({ method: call.method, url, headers, body, signal, maxBytes: MAX_RESPONSE_BYTES });
      const envelope = interpret(res, ctx);
      if (!(envelope instanceof Error)) return { envelope };
      return {
        error: envelope,
        // A throttled request was refused before it did anything, so even a write may go again.
        retryable: envelope.code === 'ERR_THROTTLED' || (call.idempotent && isUnavailable(envelope)),
        retryAfter: parseRetryAfter(res.headers['retry-after']),
      };
    } catch (error) {
      if (!(error instanceof TransportError)) throw error;
      if (error.kind === 'aborted') return { aborted: true };
      if (error.kind === 'too-large') {
        throw new BadResponseError(`the server at ${url.host} sent an invalid response to ${call.what}: ${error.message}; check CLARIFAI_API_BASE`);
      }
      const advice = error.advice ?? 'check CLARIFAI_API_BASE and the network';
      return {
        error: new UnavailableError('ERR_NETWORK', `cannot reach ${url.host} to ${call.what}: ${error.message}; ${advice}`),
        retryable: (call.idempotent || !error.reached) && error.advice === undefined,
      };
    }
  }

  #aborted(call: Call, deadline: AbortSignal, last: SecretsError | undefined, host: string): Error {
    const reason: unknown = call.signal?.reason;
    // A caller's own abort is theirs to handle; a caller's deadline is still a timeout.
    if (!deadline.aborted && call.signal?.aborted && !(reason instanceof Error && reason.name === 'TimeoutError')) {
      return reason instanceof Error ? reason : new Error('aborted');
    }
    const because = last ? ` (last attempt: ${last.code})` : '';
    return new UnavailableError(
      'ERR_TIMEOUT',
      `no answer from ${host} to ${call.what} within ${this.timeout} ms${because}: ` +
        'check the network, or raise CLARIFAI_SECRETS_TIMEOUT',
    );
  }
}

/**
 * A client over settings already resolved (a load's job, a command's flags) and, for a load,
 * the transport of its path: resolving them again would read the environment and the `.env`
 * a second time, and might not give what the caller checked. For this package only: the
 * barrel leaves it out.
 */
export function clientFor(config: Config, transport?: Transport): SecretsClient {
  const options: FactoryOptions = { [RESOLVED]: { config, transport } };
  return new SecretsClient(options);
}

/** A success envelope, or the error the answer means. */
function interpret(res: HttpResponse, ctx: FailureContext): Envelope | SecretsError {
  const json = parseJsonObject(res.body);
  const status = readStatus(json);
  const ok = res.status >= 200 && res.status < 300;
  if (status && json && ok && isSuccess(status)) {
    const type = res.headers['content-type'] ?? '';
    if (!/\bjson\b/i.test(type)) {
      return badResponse(
        { what: ctx.what, httpStatus: res.status, reqId: status.reqId },
        `content type is ${JSON.stringify(type.slice(0, 60))}, expected JSON`,
      );
    }
    return { status, body: json };
  }
  if (!status && ok) {
    const problem =
      res.body.length === 0
        ? 'the body is empty'
        : json === undefined
          ? 'the body is not a JSON object in UTF-8'
          : 'status is missing or has the wrong type';
    return badResponse({ what: ctx.what, httpStatus: res.status }, problem);
  }
  return failure(res.status, status, ctx);
}

function valuesOf(secrets: readonly SecretPatch[]): string[] {
  return secrets.flatMap((secret) => (secret.value === undefined ? [] : [secret.value]));
}

function requireId(id: unknown, what: string): void {
  if (typeof id !== 'string' || id === '') throw new ConfigError(`${what} needs a non-empty secret id`);
  const problem = idProblem(id);
  if (problem) throw new ConfigError(`${what}: secret ${quoted(id)} is not an id the API could mean (${problem})`);
}

function requireBatch(secrets: readonly SecretPatch[], what: string, needsValue: boolean): void {
  if (!Array.isArray(secrets) || secrets.length === 0) throw new ConfigError(`${what} needs at least one secret`);
  for (const secret of secrets) {
    requireId(secret?.id, what);
    if (needsValue ? typeof secret.value !== 'string' : secret.value !== undefined && typeof secret.value !== 'string') {
      throw new ConfigError(`${what}: the value of secret ${quoted(secret.id)} must be a string`);
    }
  }
  // Refused before sending: stored, such a value would fail every load that selects it.
  const nul = secrets.filter((secret) => secret.value?.includes('\0')).map((secret) => secret.id);
  if (nul.length > 0) {
    throw new InvalidValueError(
      nul,
      `${nul.length === 1 ? 'the value of secret' : 'the values of secrets'} ${nul.join(', ')} ${nul.length === 1 ? 'holds' : 'hold'} a NUL byte, ` +
        `which no environment variable can carry, so every load would fail: nothing was sent (${what})`,
    );
  }
}
