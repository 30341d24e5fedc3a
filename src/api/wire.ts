/**
 * The JSON shapes of Clarifai's secrets API (`/v2/users/{user}/secrets`): snake_case on the
 * wire, camelCase here. Every response is checked field by field before use, so a proxy's HTML page or a
 * body of the wrong shape becomes one `ERR_BAD_RESPONSE`, never a TypeError later on.
 * Messages name fields and types, never the values they hold.
 */
import { BadResponseError } from '../errors.js';
import { StatusCode, statusCodeFromName } from './status-codes.js';

/** A stored secret, as returned by `get`, `list`, `create` and `update`. */
export interface Secret {
  id: string;
  /** The secret itself, in plain text. */
  value: string;
  /** `1` after create; whether updates bump it is not documented by Clarifai. */
  version: number;
  description?: string;
  /** The owner (the API fills it in; `me` is resolved to the real id). */
  userId: string;
  createdAt: Date;
  modifiedAt: Date;
  /** Absent when the API sends the zero timestamp: Clarifai secrets do not expire. */
  expiresAt?: Date;
}

/** What a load reads of a secret: nothing else is needed to set a variable. */
export type SecretValue = Pick<Secret, 'id' | 'value'>;

/** What `create` takes. */
export interface SecretInput {
  id: string;
  value: string;
  description?: string;
  expiresAt?: Date;
}

/** What `update` and `patch` take: the id, and the fields to change. */
export interface SecretPatch {
  id: string;
  value?: string;
  description?: string;
  expiresAt?: Date;
}

export interface WireStatus {
  code: number;
  description?: string;
  /** Often the useful reason of a refusal (which field, and why). */
  details?: string;
  reqId?: string;
}

/** A parsed body: `status` checked, the rest still unknown. */
export interface Envelope {
  status: WireStatus;
  body: Record<string, unknown>;
}

/** Context for messages: which call, and the request id once known. */
interface Where {
  what: string;
  httpStatus: number;
  reqId?: string | undefined;
}

function bad(where: Where, problem: string): BadResponseError {
  return new BadResponseError(
    `Clarifai sent an invalid response to ${where.what}: ${problem} (HTTP ${where.httpStatus}); ` +
      'check CLARIFAI_API_BASE points at the Clarifai API',
    { statusCode: where.httpStatus, reqId: where.reqId },
  );
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// Fatal: bytes that are not UTF-8 must not turn into U+FFFD inside a secret without a word.
let utf8: InstanceType<typeof TextDecoder> | undefined;

/** Parses a body as JSON; undefined when it is not a JSON object in UTF-8. */
export function parseJsonObject(body: Buffer): Record<string, unknown> | undefined {
  if (body.length === 0) return undefined;
  try {
    const parsed: unknown = JSON.parse((utf8 ??= new TextDecoder('utf-8', { fatal: true })).decode(body));
    return isRecord(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Reads `status` from a parsed body. Returns undefined when there is no usable status,
 * so the caller can fall back on the HTTP status for error pages.
 */
export function readStatus(body: Record<string, unknown> | undefined): WireStatus | undefined {
  const raw = body?.['status'];
  if (!isRecord(raw)) return undefined;
  const code =
    typeof raw['code'] === 'number' && Number.isInteger(raw['code'])
      ? raw['code']
      : typeof raw['code'] === 'string'
        ? statusCodeFromName(raw['code'])
        : undefined;
  if (code === undefined) return undefined;
  const status: WireStatus = { code };
  if (typeof raw['description'] === 'string') status.description = raw['description'];
  if (typeof raw['details'] === 'string') status.details = raw['details'];
  if (typeof raw['req_id'] === 'string') status.reqId = raw['req_id'];
  return status;
}

export function isSuccess(status: WireStatus): boolean {
  return status.code === StatusCode.SUCCESS;
}

function str(raw: Record<string, unknown>, key: string, path: string, where: Where): string | undefined {
  const value = raw[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw bad(where, `${path}.${key} is ${typeOf(value)}, expected a string`);
  return value;
}

// RFC 3339 in UTC or with an offset, 0 to 9 fractional digits.
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;

function time(raw: Record<string, unknown>, key: string, path: string, where: Where): Date | undefined {
  const text = str(raw, key, path, where);
  if (text === undefined) return undefined;
  // Date.parse handles milliseconds; finer digits are dropped first.
  const date = RFC3339.test(text) ? new Date(text.replace(/(\.\d{3})\d+/, '$1')) : undefined;
  if (!date || Number.isNaN(date.getTime())) throw bad(where, `${path}.${key} is not an RFC 3339 timestamp`);
  return date;
}

/** One item of an answer, which must be an object. */
function item(raw: unknown, path: string, where: Where): Record<string, unknown> {
  if (!isRecord(raw)) throw bad(where, `${path} is ${typeOf(raw)}, expected an object`);
  return raw;
}

/** The id and value of one item; its other fields are not read. */
function idAndValue(raw: Record<string, unknown>, path: string, where: Where): SecretValue {
  const id = str(raw, 'id', path, where);
  if (!id) throw bad(where, `${path}.id is missing`);
  return { id, value: str(raw, 'value', path, where) ?? '' };
}

/** A Secret from the wire. `fallbackUser` fills `userId` when the API leaves it out. */
function decodeSecret(given: unknown, path: string, fallbackUser: string, where: Where): Secret {
  const raw = item(given, path, where);
  const { id, value } = idAndValue(raw, path, where);
  const versionRaw = raw['version'];
  // proto3 JSON may carry integers as strings; both are the same uint32.
  const version =
    versionRaw === undefined
      ? 0
      : typeof versionRaw === 'number' && Number.isInteger(versionRaw) && versionRaw >= 0
        ? versionRaw
        : typeof versionRaw === 'string' && /^\d{1,10}$/.test(versionRaw)
          ? Number(versionRaw)
          : undefined;
  if (version === undefined) throw bad(where, `${path}.version is ${typeOf(versionRaw)}, expected an integer`);
  const secret: Secret = {
    id,
    value,
    version,
    userId: str(raw, 'user_id', path, where) ?? fallbackUser,
    createdAt: time(raw, 'created_at', path, where) ?? new Date(0),
    modifiedAt: time(raw, 'modified_at', path, where) ?? new Date(0),
  };
  const description = str(raw, 'description', path, where);
  if (description) secret.description = description;
  const expiresAt = time(raw, 'expires_at', path, where);
  if (expiresAt && expiresAt.getTime() !== 0) secret.expiresAt = expiresAt;
  return secret;
}

/** `secret` of a single-secret response. */
export function decodeSingle(envelope: Envelope, fallbackUser: string, where: Where): Secret {
  return decodeSecret(envelope.body['secret'], 'secret', fallbackUser, where);
}

/**
 * `secrets` of a multi-secret response. Absent means none, as Clarifai's own SDK reads it
 * (proto3 JSON may leave an empty list out); anything but a list is an invalid answer.
 */
export function decodeMany(envelope: Envelope, fallbackUser: string, where: Where): Secret[] {
  return listIn(envelope, where).map((given, index) => decodeSecret(given, `secrets[${index}]`, fallbackUser, where));
}

/**
 * `decodeMany` for a load, which reads ids and values and nothing else. Checking and turning
 * each secret's three timestamps into Dates is most of decodeMany's cost: 8 to 10 ms of a
 * cold start at 1,000 secrets on a slow machine (bench/findings.md).
 */
export function decodeValues(envelope: Envelope, where: Where): SecretValue[] {
  return listIn(envelope, where).map((given, index) => {
    const path = `secrets[${index}]`;
    return idAndValue(item(given, path, where), path, where);
  });
}

function listIn(envelope: Envelope, where: Where): unknown[] {
  const list = envelope.body['secrets'] ?? [];
  if (!Array.isArray(list)) throw bad(where, `secrets is ${typeOf(list)}, expected an array`);
  return list;
}

/** A Secret for a request body: snake_case, only the fields given. */
export function encodeSecret(secret: SecretPatch): Record<string, unknown> {
  const wire: Record<string, unknown> = { id: secret.id };
  if (secret.value !== undefined) wire['value'] = secret.value;
  if (secret.description !== undefined) wire['description'] = secret.description;
  if (secret.expiresAt !== undefined) wire['expires_at'] = secret.expiresAt.toISOString();
  return wire;
}

export { bad as badResponse };
export type { Where };
