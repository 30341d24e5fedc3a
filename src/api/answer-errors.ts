/**
 * From an answer that is not a success to one `SecretsError` whose message says what to do.
 * The Clarifai status code decides first; the HTTP status decides when the body has none
 * (a proxy's error page, an empty 502).
 */
import {
  ApiError,
  AuthError,
  ConflictError,
  NotFoundError,
  type SecretsError,
  type SecretsErrorInfo,
  UnavailableError,
} from '../errors.js';
import { StatusCode } from './status-codes.js';
import type { WireStatus } from './wire.js';

export interface FailureContext {
  /** What was asked, for the message: `get secret "x"`, `list secrets`. */
  what: string;
  /** Set for a single-secret call: a not-found then names it. */
  secretId?: string | undefined;
  userId: string;
  /**
   * What the request carried that must never be printed: the token and any values sent.
   * A server text that quotes one of them is left out of the message entirely.
   */
  secrets: readonly string[];
}

const NAMES = new Map<number, string>(Object.entries(StatusCode).map(([name, code]) => [code, name]));

function label(code: number): string {
  const name = NAMES.get(code);
  return name ? `${name} ${code}` : `code ${code}`;
}

/**
 * Server text may echo the request. Keep it short and printable, and drop it whole when it
 * quotes the token or a value: cutting pieces out of it could still leave part of a secret.
 */
function serverText(text: string | undefined, secrets: readonly string[]): string {
  if (!text) return '';
  if (secrets.some((secret) => secret !== '' && text.includes(secret))) return 'its description quoted the request, so it is not shown';
  const clean = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return clean.length > 160 ? `${clean.slice(0, 157)}...` : clean;
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

export function failure(httpStatus: number, status: WireStatus | undefined, ctx: FailureContext): SecretsError {
  const code = status?.code;
  const info: SecretsErrorInfo = { statusCode: httpStatus, clarifaiCode: code, reqId: status?.reqId };
  const said = serverText(status?.description, ctx.secrets);
  const tag = code === undefined ? `HTTP ${httpStatus}` : `${label(code)}, HTTP ${httpStatus}`;

  if ((code !== undefined && AUTH_CODES.has(code)) || (code === undefined && httpStatus === 401) ||
      (code === StatusCode.CONN_INVALID_REQUEST && httpStatus === 401)) {
    return new AuthError(
      'ERR_AUTH',
      `Clarifai refused the token (${tag}): set CLARIFAI_PAT to a valid personal access token`,
      info,
    );
  }
  if (code === StatusCode.CONN_INSUFFICIENT_SCOPES || (code === undefined && httpStatus === 403)) {
    return new AuthError(
      'ERR_FORBIDDEN',
      `the token may not ${ctx.what} for user "${ctx.userId}" (${tag}): ` +
        'give the PAT the Secrets scopes it needs, or check CLARIFAI_USER_ID',
      info,
    );
  }
  if (code === StatusCode.CONN_DOES_NOT_EXIST || (code === undefined && httpStatus === 404)) {
    const message = ctx.secretId !== undefined
      ? `secret "${ctx.secretId}" does not exist for user "${ctx.userId}"`
      : `Clarifai found nothing to ${ctx.what} for user "${ctx.userId}" (${tag}): check CLARIFAI_USER_ID and CLARIFAI_API_BASE`;
    return new NotFoundError(message, info);
  }
  if (code === StatusCode.DATABASE_DUPLICATE_KEY || (code === undefined && httpStatus === 409)) {
    const advice = ctx.what.startsWith('create') ? '; use update to change an existing secret' : '';
    return new ConflictError(`could not ${ctx.what}: ${said || 'it already exists'} (${tag})${advice}`, info);
  }
  if ((code !== undefined && THROTTLE_CODES.has(code)) || httpStatus === 429) {
    return new UnavailableError(
      'ERR_THROTTLED',
      `Clarifai is rate limiting requests (${tag}) and the retries ran out: try again shortly, ` +
        'or raise CLARIFAI_SECRETS_TIMEOUT',
      info,
    );
  }
  if (httpStatus >= 500 || (code !== undefined && code >= 98000 && code < 100000)) {
    return new UnavailableError(
      'ERR_SERVER',
      `Clarifai had a server error for ${ctx.what} (${tag}${said ? `: ${said}` : ''}): try again later`,
      info,
    );
  }
  return new ApiError(
    `Clarifai refused to ${ctx.what} (${tag}${said ? `: ${said}` : ''})`,
    info,
  );
}
