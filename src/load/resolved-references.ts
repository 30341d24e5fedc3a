/**
 * References this process has resolved, per env object. Once a load replaces a reference
 * with its value, the env no longer says where that value came from; a later load of the
 * same env (`reload: true`, a watcher) must still know, or it would take the variable for a
 * plain value (and, with CLARIFAI_SECRETS unset, load the whole account instead).
 *
 * Each is kept with a keyed hash of the value it set, never the value: a variable the app
 * has changed since is its own again. Lives in a `globalThis` slot, so the ESM and CJS
 * copies of the package share it; an env object that is dropped takes its entries with it.
 */
import type { Reference } from '../settings/references.js';

interface Kept {
  ref: Reference;
  /** Base URL and user the reference was resolved against. */
  scope: string;
  hash: string;
}

interface State {
  key: Buffer;
  byEnv: WeakMap<object, Map<string, Kept>>;
}

const SLOT = Symbol.for('clarifai-secrets.resolved-references.v1');
const global = globalThis as { [SLOT]?: State };

function state(): State {
  global[SLOT] ??= { key: process.getBuiltinModule('node:crypto').randomBytes(32), byEnv: new WeakMap() };
  return global[SLOT];
}

function hashOf(value: string): string {
  return process.getBuiltinModule('node:crypto').createHmac('sha256', state().key).update(value).digest('base64');
}

/** Records references just resolved in `env` (their variables hold the values now). */
export function rememberResolved(env: Record<string, string | undefined>, scope: string, refs: readonly Reference[]): void {
  if (refs.length === 0) return;
  const { byEnv } = state();
  const kept = byEnv.get(env) ?? new Map<string, Kept>();
  for (const ref of refs) {
    const value = env[ref.name];
    if (value !== undefined) kept.set(ref.name, { ref, scope, hash: hashOf(value) });
  }
  byEnv.set(env, kept);
}

/** The references resolved earlier in `env` for this scope whose variables still hold what was set. */
export function stillResolved(env: Record<string, string | undefined>, scope: string): Reference[] {
  const kept = global[SLOT]?.byEnv.get(env);
  if (!kept) return [];
  const out: Reference[] = [];
  for (const [name, entry] of kept) {
    const value = env[name];
    if (entry.scope === scope && value !== undefined && hashOf(value) === entry.hash) out.push(entry.ref);
    else kept.delete(name);
  }
  return out;
}
