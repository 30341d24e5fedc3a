/**
 * Request decoding with protojson's strictness: a field the proto does not define is an
 * error that names it (so `{"secrets": ...}` in a PATCH, whose key is `secret`, is refused
 * rather than silently ignored), wrong JSON types are errors, `null` means "not set", and
 * like protojson both the proto name (`expires_at`) and its JSON name (`expiresAt`) are read.
 */
import { StatusCode } from '../api/status-codes.js';
import { idProblem } from '../ids.js';
import type { PatchAction, SecretInput, SecretPatch } from './store.js';
import { parseTimestamp, ZERO_TIMESTAMP, type Timestamp } from './timestamp.js';
import { ApiFailure } from './wire.js';

/** The request body as read from the socket. */
export type ParsedBody = { kind: 'empty' } | { kind: 'json'; value: unknown } | { kind: 'invalid'; text: string };

const DEFAULT_PER_PAGE = 128;
export const MAX_PER_PAGE = 1000;

const SECRET_FIELDS = ['id', 'user_id', 'value', 'version', 'description', 'created_at', 'modified_at', 'expires_at'] as const;
const USER_APP_ID_FIELDS = ['user_id', 'app_id'] as const;

function badFormat(details: string): never {
  throw new ApiFailure(400, StatusCode.CONN_BAD_REQUEST_FORMAT, details);
}

function invalid(details: string): never {
  throw new ApiFailure(400, StatusCode.CONN_INVALID_REQUEST, details);
}

function jsonName(protoName: string): string {
  return protoName.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

function typeName(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}

/** The set fields of one message, keyed by proto name; refuses fields the proto lacks. */
function readMessage<N extends string>(
  value: unknown,
  message: string,
  names: readonly N[],
  path: string,
): Map<N, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    badFormat(`${path || 'the request body'} must be a JSON object (${message}), got ${typeName(value)}`);
  }
  const byKey = new Map<string, N>();
  for (const name of names) {
    byKey.set(name, name);
    byKey.set(jsonName(name), name);
  }
  const fields = new Map<N, unknown>();
  for (const [key, fieldValue] of Object.entries(value)) {
    const name = byKey.get(key);
    if (name === undefined) {
      badFormat(`unknown field "${key}" in ${message}${path ? ` at ${path}` : ''}`);
    }
    if (fields.has(name)) badFormat(`field "${name}" is set twice in ${message}${path ? ` at ${path}` : ''}`);
    if (fieldValue !== null) fields.set(name, fieldValue);
  }
  return fields;
}

function at(path: string, field: string): string {
  return path ? `${path}.${field}` : field;
}

function readString(value: unknown, path: string): string {
  if (typeof value !== 'string') badFormat(`${path} must be a string, got ${typeName(value)}`);
  return value;
}

function readUint32(value: unknown, path: string): number {
  // protojson takes a number or a decimal string for 32-bit integers.
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 0xffffffff) {
    badFormat(`${path} must be an unsigned 32-bit integer, got ${typeName(value)}`);
  }
  return n;
}

function readTimestamp(value: unknown, path: string): Timestamp {
  const text = readString(value, path);
  const ts = parseTimestamp(text);
  if (!ts) badFormat(`${path} must be an RFC 3339 timestamp such as "2030-01-01T00:00:00Z"`);
  return ts;
}

function readList(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) badFormat(`${path} must be a list, got ${typeName(value)}`);
  return value;
}

function readUserAppId(fields: Map<string, unknown>): void {
  const value = fields.get('user_app_id');
  if (value === undefined) return;
  // The path's user id wins, as in Clarifai's gateway; the body's is only type-checked.
  const ids = readMessage(value, 'clarifai.api.UserAppIDSet', USER_APP_ID_FIELDS, 'user_app_id');
  for (const [name, v] of ids) readString(v, `user_app_id.${name}`);
}

/**
 * A Secret with every set field type-checked; server-owned fields are read and then ignored.
 * Scalars follow proto3: an empty string or a zero is not set (Clarifai receives the same
 * bytes for `{"value": ""}` as for no `value`), so they are left out of the map. Timestamps
 * are messages and keep their presence, the zero timestamp included.
 */
function readSecret(value: unknown, path: string): Map<(typeof SECRET_FIELDS)[number], unknown> {
  const fields = readMessage(value, 'clarifai.api.Secret', SECRET_FIELDS, path);
  for (const [name, v] of fields) {
    const p = at(path, name);
    const read = name === 'version' ? readUint32(v, p) : name.endsWith('_at') ? readTimestamp(v, p) : readString(v, p);
    if (read === '' || read === 0) fields.delete(name);
    else fields.set(name, read);
  }
  return fields;
}

function bodyValue(body: ParsedBody): unknown {
  if (body.kind === 'invalid') badFormat('the request body is not valid JSON');
  // An empty body is an empty message, as in Clarifai's gateway.
  return body.kind === 'empty' ? {} : body.value;
}

function requireId(id: unknown, path: string): string {
  if (id === undefined) invalid(`${path}.id is required`);
  return id as string;
}

export function decodeCreate(body: ParsedBody): SecretInput[] {
  const fields = readMessage(bodyValue(body), 'clarifai.api.PostSecretsRequest', ['user_app_id', 'secrets'], '');
  readUserAppId(fields);
  const list = fields.has('secrets') ? readList(fields.get('secrets'), 'secrets') : [];
  const inputs = list.map((item, i): SecretInput => {
    const path = `secrets[${i}]`;
    const secret = readSecret(item, path);
    const id = requireId(secret.get('id'), path);
    const reason = idProblem(id);
    if (reason) invalid(`${path}.id: ${reason}`);
    const value = secret.get('value');
    if (value === undefined) invalid(`${path}.value is required (secret "${id}")`);
    return {
      id,
      value: value as string,
      description: (secret.get('description') as string | undefined) ?? '',
      expiresAt: (secret.get('expires_at') as Timestamp | undefined) ?? ZERO_TIMESTAMP,
    };
  });
  if (inputs.length === 0) invalid('"secrets" must list at least one secret');
  return inputs;
}

export function decodePatch(body: ParsedBody): { patches: SecretPatch[]; action: PatchAction } {
  const fields = readMessage(bodyValue(body), 'clarifai.api.PatchSecretsRequest', ['user_app_id', 'secret', 'action'], '');
  readUserAppId(fields);
  const rawAction = fields.has('action') ? readString(fields.get('action'), 'action') : '';
  // An empty action is proto3's "not set": the SDK's default, overwrite.
  const action = rawAction === '' ? 'overwrite' : rawAction;
  if (action !== 'overwrite' && action !== 'merge' && action !== 'remove') {
    invalid(`unknown action "${action}": use "overwrite", "merge" or "remove"`);
  }
  const list = fields.has('secret') ? readList(fields.get('secret'), 'secret') : [];
  const seen = new Set<string>();
  const patches = list.map((item, i): SecretPatch => {
    const path = `secret[${i}]`;
    const secret = readSecret(item, path);
    const id = requireId(secret.get('id'), path);
    if (seen.has(id)) invalid(`secret "${id}" is listed twice`);
    seen.add(id);
    const patch: SecretPatch = { id };
    if (secret.has('value')) patch.value = secret.get('value') as string;
    if (secret.has('description')) patch.description = secret.get('description') as string;
    if (secret.has('expires_at')) patch.expiresAt = secret.get('expires_at') as Timestamp;
    return patch;
  });
  if (patches.length === 0) invalid('"secret" must list at least one secret (note: the PATCH key is the singular "secret")');
  return { patches, action };
}

export function decodeDelete(body: ParsedBody): string[] {
  const fields = readMessage(bodyValue(body), 'clarifai.api.DeleteSecretsRequest', ['user_app_id', 'ids'], '');
  readUserAppId(fields);
  const list = fields.has('ids') ? readList(fields.get('ids'), 'ids') : [];
  const ids = list.map((item, i) => {
    const id = readString(item, `ids[${i}]`);
    if (id === '') invalid(`ids[${i}] is empty`);
    return id;
  });
  if (ids.length === 0) invalid('"ids" must list at least one secret id');
  return ids;
}

/** `page` and `per_page` (or `perPage`); zero means the default, as in proto3. */
export function decodeListQuery(query: URLSearchParams): { page: number; perPage: number } {
  const read = (names: readonly string[]): number => {
    for (const name of names) {
      const raw = query.get(name);
      if (raw === null) continue;
      if (!/^\d+$/.test(raw) || Number(raw) > 0xffffffff) {
        badFormat(`query parameter ${name} must be an unsigned integer`);
      }
      return Number(raw);
    }
    return 0;
  };
  const page = read(['page']) || 1;
  const perPage = Math.min(read(['per_page', 'perPage']) || DEFAULT_PER_PAGE, MAX_PER_PAGE);
  return { page, perPage };
}
