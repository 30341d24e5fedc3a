/**
 * Personal access tokens: `Authorization: Key <PAT>` exactly, each token owned by one user
 * and optionally limited to some of the three secrets scopes.
 */
import { StatusCode } from '../api/status-codes.js';
import { ApiFailure } from './wire.js';

export type SecretsScope = 'Secrets_Get' | 'Secrets_Add' | 'Secrets_Delete';

const ALL_SCOPES: readonly SecretsScope[] = ['Secrets_Get', 'Secrets_Add', 'Secrets_Delete'];

/** What one accepted token may do. */
export interface TokenGrant {
  userId: string;
  scopes: ReadonlySet<SecretsScope>;
}

/** The `pats` option: see `EmulatorOptions.pats`. */
export type PatsOption =
  | readonly string[]
  | Readonly<Record<string, string | { userId: string; scopes?: readonly SecretsScope[] | undefined }>>;

export const DEFAULT_PAT = 'emulator-pat';

// One token, no white space or control characters: what can travel in `Key <token>`.
const TOKEN = /^[\x21-\x7e]+$/;
const HEADER = /^Key ([\x21-\x7e]+)$/;

export class TokenTable {
  private readonly grants = new Map<string, TokenGrant>();

  constructor(pats: PatsOption | undefined, defaultUserId: string) {
    const add = (token: string, userId: string, scopes: readonly SecretsScope[] | undefined): void => {
      // Never put the token itself in an error message: say which entry is wrong instead.
      if (!TOKEN.test(token)) throw new TypeError('emulator: a PAT must be printable ASCII without spaces');
      if (typeof userId !== 'string' || userId === '' || userId.includes('/')) {
        throw new TypeError('emulator: every PAT needs a non-empty userId without "/"');
      }
      for (const scope of scopes ?? []) {
        if (!ALL_SCOPES.includes(scope)) throw new TypeError(`emulator: unknown scope "${String(scope)}"`);
      }
      this.grants.set(token, { userId, scopes: new Set(scopes ?? ALL_SCOPES) });
    };
    if (pats === undefined) {
      add(DEFAULT_PAT, defaultUserId, undefined);
    } else if (Array.isArray(pats)) {
      for (const token of pats as readonly string[]) add(token, defaultUserId, undefined);
    } else {
      for (const [token, owner] of Object.entries(pats as Record<string, string | { userId: string; scopes?: readonly SecretsScope[] | undefined }>)) {
        if (typeof owner === 'string') add(token, owner, undefined);
        else add(token, owner.userId, owner.scopes);
      }
    }
  }

  /** Looks the `Authorization` header up; never throws. */
  check(header: string | undefined): AuthCheck {
    if (header === undefined || header === '') return { outcome: 'missing' };
    const match = HEADER.exec(header);
    if (!match) return { outcome: 'malformed' };
    const grant = this.grants.get(match[1] as string);
    return grant ? { outcome: 'ok', grant } : { outcome: 'unknown' };
  }
}

/** How a request's credentials fared; the log keeps this instead of the token. */
export type AuthOutcome = 'ok' | 'missing' | 'malformed' | 'unknown';

export type AuthCheck = { outcome: 'ok'; grant: TokenGrant } | { outcome: Exclude<AuthOutcome, 'ok'> };

/** The grant of an accepted token, or the 401 Clarifai sends. */
export function requireGrant(check: AuthCheck): TokenGrant {
  switch (check.outcome) {
    case 'ok':
      return check.grant;
    case 'missing':
      throw new ApiFailure(401, StatusCode.CONN_INVALID_REQUEST, 'missing Authorization header: send "Authorization: Key <PAT>"');
    case 'malformed':
      throw new ApiFailure(401, StatusCode.CONN_INVALID_REQUEST, 'malformed Authorization header: expected "Key <PAT>"');
    case 'unknown':
      throw new ApiFailure(401, StatusCode.CONN_KEY_INVALID);
  }
}

export function requireScope(grant: TokenGrant, scope: SecretsScope): void {
  if (!grant.scopes.has(scope)) {
    throw new ApiFailure(403, StatusCode.CONN_INSUFFICIENT_SCOPES, `this token lacks the ${scope} scope`);
  }
}

/** `me` is the token's owner; any other user's secrets are out of reach. */
export function resolveUser(grant: TokenGrant, pathUserId: string): string {
  if (pathUserId === 'me' || pathUserId === grant.userId) return grant.userId;
  throw new ApiFailure(403, StatusCode.CONN_INSUFFICIENT_SCOPES, `this token cannot access the secrets of user "${pathUserId}"`);
}
