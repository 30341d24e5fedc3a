/**
 * The secrets of every user, with all-or-nothing batches: each change is computed on a copy
 * of the user's secrets, persisted, and only then made visible.
 */
import { StatusCode } from '../api/status-codes.js';
import type { EmulatorSecretSeed } from './options.js';
import { idProblem } from '../ids.js';
import { formatTimestamp, fromDate, now, parseTimestamp, ZERO_TIMESTAMP, type Timestamp } from './timestamp.js';
import { ApiFailure } from './wire.js';

/** The server's view of one secret. Treated as immutable: a change replaces the object. */
export interface StoredSecret {
  readonly id: string;
  readonly userId: string;
  readonly value: string;
  readonly description: string;
  readonly version: number;
  readonly createdAt: Timestamp;
  readonly modifiedAt: Timestamp;
  readonly expiresAt: Timestamp;
}

/** A secret as `Emulator.snapshot` shows it: camelCase, timestamps in the wire's RFC 3339 form. */
export interface EmulatorSecret {
  id: string;
  userId: string;
  value: string;
  /** `''` when none. */
  description: string;
  version: number;
  createdAt: string;
  modifiedAt: string;
  /** `'1970-01-01T00:00:00Z'` when the secret never expires, as on the wire. */
  expiresAt: string;
}

/** A create item after decoding. */
export interface SecretInput {
  id: string;
  value: string;
  description: string;
  expiresAt: Timestamp;
}

/** A PATCH item after decoding: a field is "given" when it is set in proto3's sense (not empty). */
export interface SecretPatch {
  id: string;
  value?: string;
  description?: string;
  expiresAt?: Timestamp;
}

export type PatchAction = 'overwrite' | 'merge' | 'remove';

/** userId -> (secret id -> secret), both in insertion order: lists are oldest first. */
export type StoreState = Map<string, Map<string, StoredSecret>>;

export class SecretStore {
  private state: StoreState = new Map();

  /** `persist` sees the whole would-be state after each change; if it throws, nothing changes. */
  constructor(private readonly persist?: (state: StoreState) => void) {}

  get(userId: string, id: string): StoredSecret | undefined {
    return this.state.get(userId)?.get(id);
  }

  /** Secrets `offset` to `offset + limit` of the user, oldest first. */
  page(userId: string, offset: number, limit: number): StoredSecret[] {
    const secrets = this.state.get(userId);
    if (!secrets || offset >= secrets.size) return [];
    return [...secrets.values()].slice(offset, offset + limit);
  }

  create(userId: string, inputs: readonly SecretInput[]): StoredSecret[] {
    const current = this.state.get(userId) ?? new Map<string, StoredSecret>();
    const seen = new Set<string>();
    const duplicates: string[] = [];
    for (const { id } of inputs) {
      if (current.has(id) || seen.has(id)) duplicates.push(id);
      seen.add(id);
    }
    if (duplicates.length > 0) {
      throw new ApiFailure(409, StatusCode.DATABASE_DUPLICATE_KEY, `secret already exists: ${[...new Set(duplicates)].join(', ')}`);
    }
    const next = new Map(current);
    const created = inputs.map((input) => {
      const at = now();
      const secret: StoredSecret = {
        id: input.id,
        userId,
        value: input.value,
        description: input.description,
        version: 1,
        createdAt: at,
        modifiedAt: at,
        expiresAt: input.expiresAt,
      };
      next.set(secret.id, secret);
      return secret;
    });
    this.commit(userId, next);
    return created;
  }

  /**
   * `overwrite` and `merge` set the given fields, `remove` clears them. The version goes up by
   * one, and `modified_at` moves, only when a field actually changes.
   */
  patch(userId: string, patches: readonly SecretPatch[], action: PatchAction): StoredSecret[] {
    const current = this.state.get(userId) ?? new Map<string, StoredSecret>();
    this.requireAll(current, patches.map((p) => p.id));
    const next = new Map(current);
    const updated = patches.map((patch) => {
      const before = next.get(patch.id) as StoredSecret;
      const remove = action === 'remove';
      const value = 'value' in patch ? (remove ? '' : (patch.value as string)) : before.value;
      const description = 'description' in patch ? (remove ? '' : (patch.description as string)) : before.description;
      const expiresAt = 'expiresAt' in patch ? (remove ? ZERO_TIMESTAMP : (patch.expiresAt as Timestamp)) : before.expiresAt;
      const changed =
        value !== before.value ||
        description !== before.description ||
        expiresAt.seconds !== before.expiresAt.seconds ||
        expiresAt.nanos !== before.expiresAt.nanos;
      if (!changed) return before;
      const after: StoredSecret = {
        ...before,
        value,
        description,
        expiresAt,
        version: before.version + 1,
        modifiedAt: now(),
      };
      next.set(after.id, after);
      return after;
    });
    this.commit(userId, next);
    return updated;
  }

  delete(userId: string, ids: readonly string[]): void {
    const current = this.state.get(userId) ?? new Map<string, StoredSecret>();
    this.requireAll(current, ids);
    const next = new Map(current);
    for (const id of ids) next.delete(id);
    this.commit(userId, next);
  }

  /** Creates or replaces secrets directly (test support and initial seeds). */
  seed(userId: string, seeds: readonly EmulatorSecretSeed[]): void {
    const next = new Map(this.state.get(userId));
    for (const seed of seeds) {
      const secret = secretFromSeed(userId, seed);
      next.delete(secret.id); // a replaced secret moves to the end, like a new one
      next.set(secret.id, secret);
    }
    this.commit(userId, next, false);
  }

  snapshot(userId: string): EmulatorSecret[] {
    return [...(this.state.get(userId)?.values() ?? [])].map(toEmulatorSecret);
  }

  /** A copy of everything, for `reset()`; the secrets themselves are immutable and shared. */
  exportState(): StoreState {
    return new Map([...this.state].map(([user, secrets]) => [user, new Map(secrets)]));
  }

  replaceState(state: StoreState): void {
    const copy = new Map([...state].map(([user, secrets]) => [user, new Map(secrets)]));
    this.persist?.(copy);
    this.state = copy;
  }

  private requireAll(current: Map<string, StoredSecret>, ids: readonly string[]): void {
    const missing = [...new Set(ids.filter((id) => !current.has(id)))];
    if (missing.length > 0) {
      throw new ApiFailure(404, StatusCode.CONN_DOES_NOT_EXIST, `secret not found: ${missing.join(', ')}`);
    }
  }

  private commit(userId: string, secrets: Map<string, StoredSecret>, asApiFailure = true): void {
    const next: StoreState = new Map(this.state);
    next.set(userId, secrets);
    if (this.persist) {
      try {
        this.persist(next);
      } catch (error) {
        if (!asApiFailure) throw error;
        const reason = error instanceof Error ? error.message : String(error);
        throw new ApiFailure(500, StatusCode.INTERNAL_DATABASE_ISSUE, `could not save the data file: ${reason}`);
      }
    }
    this.state = next;
  }
}

export function secretFromSeed(userId: string, seed: EmulatorSecretSeed): StoredSecret {
  if (typeof seed !== 'object' || seed === null) throw new TypeError('emulator: a seed secret must be an object');
  const reason = typeof seed.id === 'string' ? idProblem(seed.id) : 'a secret id must be a string';
  if (reason) throw new TypeError(`emulator: invalid seed secret id ${JSON.stringify(seed.id)}: ${reason}`);
  if (typeof seed.value !== 'string') throw new TypeError(`emulator: seed secret "${seed.id}" needs a string value`);
  if (seed.description !== undefined && typeof seed.description !== 'string') {
    throw new TypeError(`emulator: seed secret "${seed.id}" has a description that is not a string`);
  }
  let expiresAt = ZERO_TIMESTAMP;
  if (seed.expiresAt instanceof Date) {
    expiresAt = fromDate(seed.expiresAt);
  } else if (typeof seed.expiresAt === 'string') {
    const parsed = parseTimestamp(seed.expiresAt);
    if (!parsed) throw new TypeError(`emulator: seed secret "${seed.id}" has an expiresAt that is not RFC 3339`);
    expiresAt = parsed;
  }
  const at = now();
  return {
    id: seed.id,
    userId,
    value: seed.value,
    description: seed.description ?? '',
    version: 1,
    createdAt: at,
    modifiedAt: at,
    expiresAt,
  };
}

function toEmulatorSecret(secret: StoredSecret): EmulatorSecret {
  return {
    id: secret.id,
    userId: secret.userId,
    value: secret.value,
    description: secret.description,
    version: secret.version,
    createdAt: formatTimestamp(secret.createdAt),
    modifiedAt: formatTimestamp(secret.modifiedAt),
    expiresAt: formatTimestamp(secret.expiresAt),
  };
}
