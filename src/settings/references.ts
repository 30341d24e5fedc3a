/**
 * References: an env var whose whole value is `clarifai://secrets/ID` or
 * `clarifai://users/USER/secrets/ID` (a trailing `?` makes it optional) is replaced by that
 * secret's value; `clarifai://secrets/@ID`, the file form, by the path of a file holding it. A `.env` file of references says where each value comes from and holds
 * none of them, so it can be committed.
 *
 * A reference is a named entry that the user wrote into the variable itself: it is set
 * whatever the override rule says (the variable holds a reference, not a value), and may
 * set any name, since naming it was on purpose. The `.env` file's reference lines are read
 * too (config.ts), for names the env does not set; being a cloned repository's choice, they
 * never set an exec-hook name.
 */
import { ConfigError } from '../errors.js';
import { type NamedEntry, type Selection, compareNames, fileNameProblem, makeSelection } from './selection.js';
import { quoted } from './printable.js';
import { type Config, REFERENCE_SCHEME } from './config.js';
import { idProblem } from '../ids.js';

type Env = Record<string, string | undefined>;

export interface Reference {
  /** The variable that holds the reference. */
  name: string;
  id: string;
  optional: boolean;
  /** A line of the `.env` file, not a variable of the env: it may never set an exec-hook name. */
  fromFile?: true;
  /** `clarifai://secrets/@ID`: the variable gets the path of a file holding the value. */
  file?: true;
}

/** What marks a value as meant to be a reference; anything after it must be well formed. */
const SCHEME = REFERENCE_SCHEME;
const FORM = /^clarifai:\/\/(?:users\/([^/]+)\/)?secrets\/(@)?([^/]+?)(\?)?$/;
/** Ids as the selection accepts them: no wildcard or mapping, and one the API could mean. */
const BAD_ID = /[*=]/;

/** A variable name in a message: as it is when it looks like one, else quoted and clipped. */
function shownName(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]{0,100}$/.test(name) ? name : JSON.stringify(name.length > 40 ? `${name.slice(0, 37)}...` : name);
}

/** Whether any variable holds something meant as a reference (well formed or not). */
export function hasReferences(env: Env): boolean {
  // One call for all values: each process.env access crosses into C++.
  return Object.values(env).some((value) => value !== undefined && SCHEME.test(value));
}

/**
 * Every reference in `env`, sorted by variable name. A value that starts like a reference
 * but is not one is an `ERR_CONFIG` naming the variable; its value is never echoed.
 */
export function findReferences(env: Env, userId: string): Reference[] {
  const found: Reference[] = [];
  // One walk over the entries: each process.env access crosses into C++.
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || !SCHEME.test(value)) continue;
    found.push(parseReference(name, value, userId));
  }
  return found.sort((a, b) => compareNames(a.name, b.name));
}

/**
 * The `.env` file's reference lines for names `env` does not set: a cloned repository's file
 * may fill in what is missing, never replace what the user set.
 */
export function fileReferences(lines: ReadonlyArray<readonly [string, string]>, env: Env, userId: string, envFile: string | undefined): Reference[] {
  const found: Reference[] = [];
  for (const [name, value] of lines) {
    if (env[name] !== undefined) continue;
    const ref = parseReference(name, value, userId, envFile);
    found.push({ ...ref, fromFile: true });
  }
  return found;
}

/**
 * The references a load of `env` resolves, sorted by variable name: the env's own, the `.env`
 * file's lines for names the env does not set (unless a parent's marker covers them:
 * `covered`), and those this process resolved earlier in this env (see rememberResolved).
 */
export function referencesToLoad(env: Env, config: Config, covered: boolean): Reference[] {
  const found = [...findReferences(env, config.userId), ...(covered ? [] : fileReferences(config.fileReferences, env, config.userId, config.envFile))];
  const earlier = stillResolved(env, scopeOf(config)).filter((ref) => !found.some((f) => f.name === ref.name));
  return [...found, ...earlier].sort((a, b) => compareNames(a.name, b.name));
}

function parseReference(name: string, value: string, userId: string, envFile?: string): Reference {
  const shown = envFile === undefined ? shownName(name) : `${shownName(name)} in ${envFile}`;
  if (name.toUpperCase().startsWith('CLARIFAI_')) {
    throw new ConfigError(`${shown} holds a clarifai:// reference, but CLARIFAI_* settings are read before any secret is loaded: set it to its value`);
  }
  const match = FORM.exec(value);
  const [, user, file, id = '', optional] = match ?? [];
  if (!match || BAD_ID.test(id) || idProblem(id)) {
    throw new ConfigError(
      `${shown} holds a malformed reference: write clarifai://secrets/ID or clarifai://users/USER/secrets/ID ` +
        '(the whole value, a trailing "?" makes it optional; clarifai://secrets/@ID for a file)',
    );
  }
  const problem = file ? fileNameProblem(name) : undefined;
  if (problem) throw new ConfigError(`${shown} holds a file reference that ${problem}`);
  if (user !== undefined && user !== 'me' && user !== userId) {
    const who = /^[\w.-]{1,64}$/.test(user) ? `user "${user}"` : 'another user';
    throw new ConfigError(
      `${shown} refers to the secrets of ${who}, but secrets are read for "${userId}": use clarifai://secrets/ID, or set CLARIFAI_USER_ID`,
    );
  }
  return { name, id, optional: optional === '?', ...(file ? { file: true as const } : {}) };
}

/** Whether a CLARIFAI_SECRETS text has any entry (unset, empty and "," have none). */
export function hasEntries(text: string | undefined): boolean {
  return text !== undefined && /[^\s,]/.test(text);
}

/**
 * The selection a load fetches once references are counted: the references alone when
 * CLARIFAI_SECRETS has no entries (or a parent already loaded it: `covered`), both otherwise.
 * Without references the selection is returned as it is, key and all.
 */
export function withReferences(
  selection: Selection,
  references: readonly Reference[],
  { explicit, covered }: { explicit: boolean; covered: boolean },
): Selection {
  if (references.length === 0) return selection;
  const base = explicit && !covered ? selection : undefined;
  const byName = new Map<string, NamedEntry>((base?.named ?? []).map((entry) => [entry.name, entry]));
  for (const ref of references) {
    const other = byName.get(ref.name);
    if (other && other.id === ref.id && other.file !== ref.file) {
      const [held, loaded] = ref.file ? ['a file reference', 'a value'] : ['a reference', 'a file'];
      throw new ConfigError(`${shownName(ref.name)} holds ${held} to secret ${quoted(ref.id)}, and CLARIFAI_SECRETS loads it as ${loaded}: keep one of them`);
    }
    if (other && other.id !== ref.id) {
      throw new ConfigError(
        `${shownName(ref.name)} holds a reference to secret ${quoted(ref.id)}, and CLARIFAI_SECRETS loads secret ${quoted(other.id)} into it: keep one of them`,
      );
    }
    byName.set(ref.name, {
      id: ref.id,
      name: ref.name,
      optional: other ? other.optional && ref.optional : ref.optional,
      // Written into the variable on purpose, unless a `.env` file wrote it.
      mapped: !ref.fromFile || (other?.mapped ?? false),
      reference: true,
      ...(ref.file ? { file: true as const } : {}),
    });
  }
  return makeSelection(
    { all: base?.all ?? false, prefixes: base?.prefixes ?? [], renames: base?.renames ?? [], named: [...byName.values()] },
    { base: base?.key ?? null, references: references.map(referenceKey) },
  );
}

/** One reference in a key; what the older keys had stays as it was (`'file'` there means a `.env` line). */
function referenceKey(ref: Reference): unknown[] {
  const key: unknown[] = [ref.name, ref.id, ref.optional];
  if (ref.fromFile) key.push('file');
  if (ref.file) key.push('as-file');
  return key;
}

/*
 * References this process has resolved, per env object. Once a load replaces a reference
 * with its value, the env no longer says where that value came from; a later load of the
 * same env (`reload: true`, a watcher) must still know, or it would take the variable for a
 * plain value (and, with CLARIFAI_SECRETS unset, load the whole account instead).
 *
 * Each is kept with a keyed hash of the value it set, never the value: a variable the app
 * has changed since is its own again. Lives in a `globalThis` slot, so the ESM and CJS
 * copies of the package share it; an env object that is dropped takes its entries with it.
 */

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

/** Where a reference was resolved: the same id under another base URL or user is another secret. */
function scopeOf(config: Pick<Config, 'baseUrl' | 'userId'>): string {
  return `${config.baseUrl}\n${config.userId}`;
}

/** Records the references of `selection` that a load just resolved in `env` (their variables hold the values now). */
export function rememberResolved(env: Env, config: Pick<Config, 'baseUrl' | 'userId'>, selection: Selection): void {
  const refs = selection.named.filter((entry) => entry.reference && env[entry.name] !== undefined);
  if (refs.length === 0) return;
  const { byEnv } = state();
  const kept = byEnv.get(env) ?? new Map<string, Kept>();
  const scope = scopeOf(config);
  for (const { name, id, optional, file, mapped } of refs) {
    // A file reference stays one: a later load writes the file again, never the value into the
    // variable. A `.env` line (the one kind of reference a selection leaves unmapped) stays one
    // too: it keeps its limits, and the later load its selection key, so finds this one's copy.
    const ref: Reference = { name, id, optional, ...(mapped ? {} : { fromFile: true as const }), ...(file ? { file } : {}) };
    kept.set(name, { ref, scope, hash: hashOf(env[name] as string) });
  }
  byEnv.set(env, kept);
}

/** The references resolved earlier in `env` for this scope whose variables still hold what was set. */
function stillResolved(env: Env, scope: string): Reference[] {
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
