/**
 * From an answer that is not a success to one `SecretsError` whose message says what to do.
 * Only Clarifai's own status can say "no" (a refused token, a missing scope, a missing
 * secret): those delete the last-known-good copy. An answer without one, whatever its HTTP
 * status (a proxy's HTML 401, a portal's 403, a wrong URL's 404), is no usable answer, and
 * the copy stays to be served.
 */
import {
  ApiError,
  AuthError,
  BadResponseError,
  ConflictError,
  NotFoundError,
  type SecretsError,
  type SecretsErrorInfo,
  UnavailableError,
} from '../errors.js';
import { StatusCode } from './status-codes.js';
import type { WireStatus } from './wire.js';
import { escapeControls, quoted } from '../settings/printable.js';

export interface FailureContext {
  /** What was asked, for the message: `get secret "x"`, `list secrets` (ids already quoted). */
  what: string;
  /** Set for a single-secret call: a not-found then names it. */
  secretId?: string | undefined;
  userId: string;
  /** The server's host, for answers that are not Clarifai's. */
  host: string;
  /**
   * What the request carried that must never be printed: the token and any values sent.
   * Server text is shown only when no part of them can be found in it.
   */
  secrets: readonly string[];
}

const NAMES = new Map<number, string>(Object.entries(StatusCode).map(([name, code]) => [code, name]));

function label(code: number): string {
  const name = NAMES.get(code);
  return name ? `${name} ${code}` : `code ${code}`;
}

/** The shortest run of a secret's characters that counts as quoting it. */
const GRAM = 4;

/**
 * A value shorter than this is matched whole, as a word of its own, never by its runs: the
 * four-letter runs of `val` or `test` are in half the words a server could say ("Invalid
 * request"), and hiding the reason for any of them would hide most reasons for short values.
 * Longer values and every token are matched by their runs, so a quoted prefix is caught.
 */
const SHORT = 8;

/** True when `form` occurs in `lower` not inside a longer run of letters and digits. */
function holdsWhole(lower: string, form: string): boolean {
  for (let at = lower.indexOf(form); at !== -1; at = lower.indexOf(form, at + 1)) {
    const before = lower[at - 1];
    const after = lower[at + form.length];
    const inWord = (char: string | undefined) => char !== undefined && /[\p{L}\p{N}]/u.test(char);
    if (!inWord(before) && !inWord(after)) return true;
  }
  return false;
}

/** The forms a server could echo a secret in: as sent, JSON-escaped, URL-encoded; any case. */
function formsOf(secret: string): string[] {
  const json = JSON.stringify(secret).slice(1, -1);
  let url = secret;
  try {
    url = encodeURIComponent(secret);
  } catch {
    // A lone surrogate: the other forms still count.
  }
  return [...new Set([secret, json, url].map((form) => form.toLowerCase()))];
}

/**
 * Whether `text` may hold any part of a secret: a run of GRAM characters of the token or of
 * a value, or all of a short one as a word of its own (SHORT), in any of the forms above. A
 * server that quotes the first characters of a value, a truncated token or an escaped value
 * is caught, at the cost of hiding some harmless text.
 */
export function mayQuote(text: string, secrets: readonly string[]): boolean {
  const lower = text.toLowerCase();
  const grams = new Set<string>();
  for (let i = 0; i + GRAM <= lower.length; i++) grams.add(lower.slice(i, i + GRAM));
  for (const secret of secrets) {
    if (secret === '') continue;
    for (const form of formsOf(secret)) {
      if (secret.length < SHORT) {
        if (holdsWhole(lower, form)) return true;
        continue;
      }
      for (let i = 0; i + GRAM <= form.length; i++) if (grams.has(form.slice(i, i + GRAM))) return true;
    }
  }
  return false;
}

/**
 * The server's own words (its description and details), short and escaped, or a note that
 * they were withheld: every request carries the token and some carry values, and a server
 * that echoes the request must not get them printed.
 */
function serverText(status: WireStatus | undefined, secrets: readonly string[]): string {
  const parts = [status?.description, status?.details].filter((part): part is string => Boolean(part?.trim()));
  if (parts.length === 0) return '';
  const text = parts.join(': ');
  if (mayQuote(text, secrets)) return 'its text is not shown, as it may quote the request';
  const clean = escapeControls(text.trim());
  return clean.length > 200 ? `${clean.slice(0, 197)}...` : clean;
}

const THROTTLE_CODES = new Set<number>([
  StatusCode.CONN_THROTTLED,
  StatusCode.CONN_EXCEED_HOURLY_LIMIT,
  StatusCode.CONN_EXCEED_MONTHLY_LIMIT,
]);
const AUTH_CODES = new Set<number>([
  StatusCode.CONN_KEY_INVALID,
  StatusCode.CONN_KEY_NOT_FOUND,
  StatusCode.CONN_CREDENTIALS_INVALID,
]);

/** An answer without a Clarifai status: a proxy's page, a CDN's, another service, a wrong URL. */
function notClarifai(httpStatus: number, ctx: FailureContext, info: SecretsErrorInfo): SecretsError {
  if (httpStatus === 429) {
    return new UnavailableError(
      'ERR_THROTTLED',
      `${ctx.host} is rate limiting requests (HTTP 429) and the retries ran out: try again shortly, or raise CLARIFAI_SECRETS_TIMEOUT`,
      info,
    );
  }
  if (httpStatus >= 500) {
    return new UnavailableError('ERR_SERVER', `${ctx.host} had a server error for ${ctx.what} (HTTP ${httpStatus}): try again later`, info);
  }
  return new BadResponseError(
    `the server at ${ctx.host} does not look like Clarifai's API: it answered ${ctx.what} with HTTP ${httpStatus} ` +
      "and no Clarifai status (a proxy's or portal's page, or another service): check CLARIFAI_API_BASE " +
      '(for Clarifai: https://api.clarifai.com) and any proxy in between',
    info,
  );
}

/** One error from an answer that is not a success. Only Clarifai's own status says "no". */
export function failure(httpStatus: number, status: WireStatus | undefined, ctx: FailureContext): SecretsError {
  const info: SecretsErrorInfo = { statusCode: httpStatus, clarifaiCode: status?.code, reqId: status?.reqId };
  if (!status || status.code === StatusCode.SUCCESS) return notClarifai(httpStatus, ctx, info);
  const { code } = status;
  const said = serverText(status, ctx.secrets);
  const tag = `${label(code)}, HTTP ${httpStatus}${said ? `: ${said}` : ''}`;

  if (AUTH_CODES.has(code) || (code === StatusCode.CONN_INVALID_REQUEST && httpStatus === 401)) {
    return new AuthError('ERR_AUTH', `Clarifai refused the token (${tag}): set CLARIFAI_PAT to a valid personal access token`, info);
  }
  if (code === StatusCode.CONN_INSUFFICIENT_SCOPES) {
    return new AuthError(
      'ERR_FORBIDDEN',
      `the token may not ${ctx.what} for user ${quoted(ctx.userId)} (${tag}): ` +
        'give the PAT the Secrets scopes it needs, or check CLARIFAI_USER_ID',
      info,
    );
  }
  if (code === StatusCode.CONN_DOES_NOT_EXIST) {
    const message = ctx.secretId !== undefined
      ? `secret ${quoted(ctx.secretId)} does not exist for user ${quoted(ctx.userId)}`
      : `Clarifai found nothing to ${ctx.what} for user ${quoted(ctx.userId)} (${tag}): check CLARIFAI_USER_ID and CLARIFAI_API_BASE`;
    return new NotFoundError(message, info);
  }
  if (code === StatusCode.DATABASE_DUPLICATE_KEY) {
    const advice = ctx.what.startsWith('create') ? '; use update to change an existing secret' : '';
    return new ConflictError(`could not ${ctx.what}: it already exists (${tag})${advice}`, info);
  }
  if (THROTTLE_CODES.has(code) || httpStatus === 429) {
    return new UnavailableError(
      'ERR_THROTTLED',
      `Clarifai is rate limiting requests (${tag}) and the retries ran out: try again shortly, ` +
        'or raise CLARIFAI_SECRETS_TIMEOUT',
      info,
    );
  }
  if (httpStatus >= 500 || (code >= 98000 && code < 100000)) {
    return new UnavailableError('ERR_SERVER', `Clarifai had a server error for ${ctx.what} (${tag}): try again later`, info);
  }
  return new ApiError(`Clarifai refused to ${ctx.what} (${tag})`, info);
}
