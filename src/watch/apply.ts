/**
 * Applying a fresh copy of the selection to an env object, on top of what the watcher set
 * before. Only names the watcher set itself are changed or removed: a variable someone else
 * set stays as the override rule left it.
 */
import type { CachedCopy } from '../load/disk-cache.js';
import type { Fingerprints } from './fingerprints.js';
import { placeFiles, removeSecretFile } from '../files/secret-files.js';

/** What one poll changed: env names only, never values. */
export interface SecretsChange {
  /** Names the watcher set whose value is now different. */
  changed: string[];
  /** Names that joined the selection (a new secret matching `PREFIX*` or `*`, or one created since). */
  added: string[];
  /** Names whose secret left the selection; they are deleted from the env. */
  removed: string[];
}

/** The names the watcher set, each with the keyed hash of the value it set. */
export type Owned = Map<string, string>;

export function isEmptyChange(change: SecretsChange): boolean {
  return change.changed.length === 0 && change.added.length === 0 && change.removed.length === 0;
}

/**
 * `files` names the secrets loaded as files (`@ID`): a changed value rewrites the file in
 * place (replaced whole, so a reader sees the old file or the new one), the variable keeps
 * its path, and the name is reported as changed all the same. Every file is written before
 * the env changes, so a failed write changes nothing.
 */
export function applyCopy(
  copy: Pick<CachedCopy, 'entries'>,
  owned: Owned,
  env: Record<string, string | undefined>,
  override: boolean,
  fingerprints: Fingerprints,
  files: ReadonlySet<string> = new Set(),
): SecretsChange {
  const change: SecretsChange = { changed: [], added: [], removed: [] };
  const present = new Set<string>();
  const updates: Array<[name: string, value: string]> = [];
  const hashes = new Map<string, string>();
  for (const [name, value] of copy.entries) {
    present.add(name);
    const hash = fingerprints.of(value);
    const before = owned.get(name);
    if (before !== undefined) {
      if (before === hash) continue;
      change.changed.push(name);
    } else if (override || env[name] === undefined) {
      change.added.push(name);
    } else continue;
    updates.push([name, value]);
    hashes.set(name, hash);
  }
  for (const [name, value] of placeFiles(updates, files)) {
    env[name] = value;
    owned.set(name, hashes.get(name) as string);
  }
  for (const name of owned.keys()) {
    if (present.has(name)) continue;
    delete env[name];
    if (files.has(name)) removeSecretFile(name);
    owned.delete(name);
    change.removed.push(name);
  }
  return change;
}
