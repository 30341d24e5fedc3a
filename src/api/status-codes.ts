/**
 * The Clarifai status codes this package acts on (from `proto/clarifai/api/status/status_code.proto`).
 * Shared by the client, which interprets them, and the emulator, which sends them.
 */
export const StatusCode = {
  SUCCESS: 10000,
  MIXED_STATUS: 10010,
  FAILURE: 10020,
  CONN_CREDENTIALS_INVALID: 11002,
  CONN_EXCEED_HOURLY_LIMIT: 11003,
  CONN_EXCEED_MONTHLY_LIMIT: 11004,
  CONN_THROTTLED: 11005,
  CONN_INSUFFICIENT_SCOPES: 11007,
  CONN_KEY_INVALID: 11008,
  CONN_KEY_NOT_FOUND: 11009,
  CONN_BAD_REQUEST_FORMAT: 11100,
  CONN_DOES_NOT_EXIST: 11101,
  CONN_INVALID_REQUEST: 11102,
  CONN_METHOD_NOT_ALLOWED: 11103,
  DATABASE_DUPLICATE_KEY: 40010,
  INTERNAL_SERVER_ISSUE: 98004,
  INTERNAL_FETCHING_ISSUE: 98005,
  INTERNAL_DATABASE_ISSUE: 98006,
  INTERNAL_UNCATEGORIZED: 99009,
} as const;

export type StatusCodeName = keyof typeof StatusCode;

/** REST responses carry numbers, but one public doc shows enum names: accept both. */
export function statusCodeFromName(name: string): number | undefined {
  return Object.hasOwn(StatusCode, name) ? StatusCode[name as StatusCodeName] : undefined;
}
