/**
 * The two paths of the secrets API and the methods each takes, as in service.proto:
 *   /v2/users/{user_id}/secrets        GET list, POST create, PATCH update, DELETE delete
 *   /v2/users/{user_id}/secrets/{id}   GET one
 */
import { idProblem } from '../ids.js';
import type { SecretsScope } from './auth.js';
import type { ResponseKind } from './wire.js';

export type Operation = 'get' | 'list' | 'create' | 'update' | 'delete';

export interface Route {
  /** Decoded `{user_id}` of the path: `me` or a user id. */
  userId: string;
  /** Decoded `{id}`, for the one-secret path. */
  secretId?: string;
  /** Methods this path takes, for `Allow`. */
  allow: readonly string[];
  /** The operation of the request's method; undefined when the method is not allowed (405). */
  operation?: Operation;
}

const COLLECTION: Readonly<Record<string, Operation>> = { GET: 'list', POST: 'create', PATCH: 'update', DELETE: 'delete' };
const ITEM: Readonly<Record<string, Operation>> = { GET: 'get' };

export const SCOPES: Readonly<Record<Operation, SecretsScope>> = {
  get: 'Secrets_Get',
  list: 'Secrets_Get',
  create: 'Secrets_Add',
  update: 'Secrets_Add',
  delete: 'Secrets_Delete',
};

/** The route of a raw (percent-encoded) path, or undefined for a path the API does not have. */
export function matchRoute(method: string, path: string): Route | undefined {
  const parts = path.split('/');
  if (parts.length < 5 || parts.length > 6 || parts[0] !== '' || parts[1] !== 'v2' || parts[2] !== 'users' || parts[4] !== 'secrets') {
    return undefined;
  }
  // An id the API could not mean is no route: `..` or an escaped `/` must not reach another one.
  const userId = decode(parts[3] as string);
  if (userId === undefined || idProblem(userId, 'user id')) return undefined;
  if (parts.length === 5) {
    return withOperation({ userId, allow: Object.keys(COLLECTION) }, COLLECTION[method]);
  }
  const secretId = decode(parts[5] as string);
  if (secretId === undefined || idProblem(secretId)) return undefined;
  return withOperation({ userId, secretId, allow: Object.keys(ITEM) }, ITEM[method]);
}

function withOperation(route: Route, operation: Operation | undefined): Route {
  if (operation !== undefined) route.operation = operation;
  return route;
}

function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** The response message a request gets: one secret for GET one, a list elsewhere on the API. */
export function responseKind(route: Route | undefined): ResponseKind {
  if (!route?.operation) return 'base';
  return route.operation === 'get' ? 'single' : 'multi';
}
