/**
 * JSON encoding of responses, as Clarifai's REST gateway writes them: snake_case names,
 * proto3 rules (empty strings and zero numbers left out), `"secrets": []` always present
 * on multi-responses, and a `status` that always carries `code`, `description` and `req_id`.
 */
import { randomBytes } from 'node:crypto';
import { StatusCode } from '../api/status-codes.js';
import type { StoredSecret } from './store.js';
import { formatTimestamp } from './timestamp.js';

/** Descriptions as Clarifai's status code table words them. */
const DESCRIPTIONS: Record<number, string> = {
  [StatusCode.SUCCESS]: 'Ok',
  [StatusCode.MIXED_STATUS]: 'Mixed Success',
  [StatusCode.FAILURE]: 'Failure',
  [StatusCode.CONN_CREDENTIALS_INVALID]: 'Invalid authentication credentials',
  [StatusCode.CONN_EXCEED_HOURLY_LIMIT]: 'Hourly request limit exceeded',
  [StatusCode.CONN_EXCEED_MONTHLY_LIMIT]: 'Monthly request limit exceeded',
  [StatusCode.CONN_THROTTLED]: 'Making too many requests',
  [StatusCode.CONN_INSUFFICIENT_SCOPES]: 'API key has insufficient permissions',
  [StatusCode.CONN_KEY_INVALID]: 'Invalid API key or Invalid API key/application pair',
  [StatusCode.CONN_KEY_NOT_FOUND]: 'API key not found',
  [StatusCode.CONN_BAD_REQUEST_FORMAT]: 'Bad request format',
  [StatusCode.CONN_DOES_NOT_EXIST]: 'Resource does not exist',
  [StatusCode.CONN_INVALID_REQUEST]: 'Invalid request',
  [StatusCode.CONN_METHOD_NOT_ALLOWED]: 'Method not allowed',
  [StatusCode.DATABASE_DUPLICATE_KEY]: 'Duplicate key',
  [StatusCode.INTERNAL_SERVER_ISSUE]: 'Internal server issue',
  [StatusCode.INTERNAL_FETCHING_ISSUE]: 'Internal fetching issue',
  [StatusCode.INTERNAL_DATABASE_ISSUE]: 'Internal database issue',
  [StatusCode.INTERNAL_UNCATEGORIZED]: 'Internal uncategorized error',
};

export function describe(code: number): string {
  return DESCRIPTIONS[code] ?? 'Failure';
}

/** A request the API refuses: thrown anywhere in a handler, turned into an error response. */
export class ApiFailure extends Error {
  constructor(
    readonly httpStatus: number,
    readonly code: number,
    readonly details?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(details ?? describe(code));
  }
}

/** Which response message a path answers with; decides `secret` vs `"secrets": []`. */
export type ResponseKind = 'single' | 'multi' | 'base';

/** A response built in full before it is written, so faults can delay, cut or rewrite it. */
export interface WireResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** The JSON value behind `body` (for `transform` faults); absent for raw bodies. */
  json?: unknown;
  clarifaiCode?: number;
}

export const JSON_CONTENT_TYPE = 'application/json; charset=UTF-8';

export function newReqId(prefix: string | undefined): string {
  const hex = randomBytes(16).toString('hex');
  return prefix ? `${prefix}-${hex}` : hex;
}

export interface StatusJson {
  code: number;
  description: string;
  details?: string;
  req_id: string;
}

export function statusJson(code: number, reqId: string, details?: string, description?: string): StatusJson {
  const status: StatusJson = { code, description: description || describe(code), req_id: reqId };
  // proto3: an empty string is left out. Keep key order code, description, details, req_id.
  if (details) return { code: status.code, description: status.description, details, req_id: reqId };
  return status;
}

export function secretJson(secret: StoredSecret): Record<string, unknown> {
  const out: Record<string, unknown> = { id: secret.id, user_id: secret.userId };
  if (secret.value !== '') out.value = secret.value;
  if (secret.version !== 0) out.version = secret.version;
  if (secret.description !== '') out.description = secret.description;
  out.created_at = formatTimestamp(secret.createdAt);
  out.modified_at = formatTimestamp(secret.modifiedAt);
  // Clarifai sends the zero timestamp rather than leaving the field out.
  out.expires_at = formatTimestamp(secret.expiresAt);
  return out;
}

export function jsonResponse(
  httpStatus: number,
  json: unknown,
  clarifaiCode: number | undefined,
  headers: Record<string, string> = {},
): WireResponse {
  const body = Buffer.from(JSON.stringify(json), 'utf8');
  const response: WireResponse = {
    status: httpStatus,
    headers: { 'Content-Type': JSON_CONTENT_TYPE, ...headers },
    body,
    json,
  };
  if (clarifaiCode !== undefined) response.clarifaiCode = clarifaiCode;
  return response;
}

/** An error response of the right message type: multi-responses keep `"secrets": []`. */
export function errorResponse(
  kind: ResponseKind,
  httpStatus: number,
  code: number,
  reqId: string,
  details?: string,
  headers: Record<string, string> = {},
  description?: string,
): WireResponse {
  const json: Record<string, unknown> = { status: statusJson(code, reqId, details, description) };
  if (kind === 'multi') json.secrets = [];
  return jsonResponse(httpStatus, json, code, headers);
}
