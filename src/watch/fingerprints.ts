/**
 * What the watcher remembers of values: a keyed hash of each (HMAC-SHA256 under a random key
 * that lives only in this process), enough to tell a changed value from an unchanged one
 * without keeping a plaintext copy next to the one in the env.
 */
import type { CachedCopy } from '../load/disk-cache.js';

export class Fingerprints {
  readonly #key = process.getBuiltinModule('node:crypto').randomBytes(32);

  /** The keyed hash of one value. */
  of(value: string): string {
    return process.getBuiltinModule('node:crypto').createHmac('sha256', this.#key).update(value).digest('base64');
  }

  /** The keyed hash of a whole copy: names, values, missing ids and skipped names. */
  ofCopy(copy: Pick<CachedCopy, 'entries' | 'missing' | 'dangerous'>): string {
    const entries = [...copy.entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return this.of(JSON.stringify([entries, [...copy.missing].sort(), [...copy.dangerous].sort()]));
  }
}
