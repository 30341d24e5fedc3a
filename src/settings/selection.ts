/**
 * Which secrets to load and under which env names (docs/selection.md).
 *
 *   ID            secret ID into env var ID
 *   NAME=ID       secret ID into env var NAME
 *   ID?, NAME=ID? optional: no error when it does not exist
 *   PREFIX*       every secret whose id starts with PREFIX
 *   NEW*=PREFIX*  the same, each under NEW + the rest of its id (`*=prod-*`: prod-DB_URL as DB_URL)
 *   *  (or none)  every secret of the user
 *   @ID, NAME=@ID secret ID as a file of its own (src/files/): NAME holds the file's path
 *
 * Entries are separated by commas or white space. `users/<user>/secrets/<id>`, Clarifai's
 * own reference form, is accepted wherever an ID is. Env vars holding `clarifai://`
 * references join a selection in references.ts.
 */
import { ConfigError, InvalidValueError } from '../errors.js';
import { escapeControls, looksLikeValue, quoted } from './printable.js';
import { isExecHookName } from './exec-hooks.js';
import { idProblem } from '../ids.js';
import type { Config } from './config.js';

export interface NamedEntry {
  id: string;
  /** The env var name. */
  name: string;
  optional: boolean;
  /** True for `NAME=ID` outside a `.env` file: only then may an exec-hook name be set. */
  mapped: boolean;
  /** An env var holding a `clarifai://` reference (references.ts): set whatever the override rule says. */
  reference?: true;
  /** `@ID`: the value goes to a file (src/files/secret-files.ts) and the env var holds its path. */
  file?: true;
}

/** `NEW*=PREFIX*`: secrets whose id starts with `prefix`, under `as` + the rest of the id. */
export interface Rename {
  prefix: string;
  as: string;
}

export interface Selection {
  all: boolean;
  prefixes: string[];
  /** Sorted by prefix. An id one of them matches is loaded under its renamed name only. */
  renames: Rename[];
  named: NamedEntry[];
  /**
   * The same selection always gives the same key, whatever the order or spacing; selections
   * that load differently never share one (`NODE_OPTIONS`, skipped, and `NODE_OPTIONS=NODE_OPTIONS`).
   */
  key: string;
}

export interface Resolved {
  /** Env name and value, in a stable order. */
  entries: Array<[name: string, value: string]>;
  /** Optional ids that do not exist. */
  missing: string[];
  /** Names never injected because they change how processes run. */
  dangerous: string[];
  /**
   * Secrets not loaded because no environment variable can hold their value (a NUL byte, or
   * past MAX_ENV_STRING_BYTES), reached through a wildcard or marked optional: one warning
   * names them (describeUnfit). Absent when there are none.
   */
  unfit?: Unfit[];
}

/** A selected secret whose value cannot be an environment variable, and why. */
export interface Unfit {
  id: string;
  name: string;
  /** `nul`, or the size of `NAME=value` in bytes. */
  why: 'nul' | number;
}

/**
 * Linux carries at most 32 pages (128 KiB) in one environment string, `NAME=value` and its
 * terminating NUL (MAX_ARG_STRLEN); past it every exec fails with E2BIG. Applied on every
 * platform, so a selection loads the same everywhere.
 */
export const MAX_ENV_STRING_BYTES = 128 * 1024;

/** Why `value` cannot be the environment variable `name`, or undefined when it can. */
export function envUnfit(name: string, value: string): Unfit['why'] | undefined {
  if (value.includes('\0')) return 'nul';
  // Checked by characters first: most values are short, and byteLength walks the string.
  if ((name.length + value.length) * 3 + 2 <= MAX_ENV_STRING_BYTES) return undefined;
  const bytes = Buffer.byteLength(name) + 1 + Buffer.byteLength(value) + 1;
  return bytes > MAX_ENV_STRING_BYTES ? bytes : undefined;
}

/** `"A" (holds a NUL byte), "B" (200 KiB)`: the ids and why, for one line. */
function listUnfit(unfit: readonly Unfit[]): string {
  return unfit.map(({ id, why }) => `${quoted(id)} (${why === 'nul' ? 'holds a NUL byte' : `${Math.ceil(why / 1024)} KiB`})`).join(', ');
}

const UNFIT_WHY =
  'an environment variable cannot hold a NUL byte (Node would cut the value short) or more than 128 KiB (every program started with it would fail with E2BIG)';

/** The one warning for secrets skipped because no environment variable can hold them. */
export function describeUnfit(unfit: readonly Unfit[]): string {
  return (
    `not loaded: ${listUnfit(unfit)}, as ${UNFIT_WHY}; load ${unfit.length === 1 ? 'it' : 'them'} as a file instead ` +
    '(NAME=@ID in CLARIFAI_SECRETS: NAME then holds its path), or leave them out of CLARIFAI_SECRETS'
  );
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_ENTRIES = 10_000;
const MAX_ENTRY_LENGTH = 1024;

/** `openai-key` -> `openai_key`; a leading digit gets a `_` in front. */
export function envNameFor(id: string): string {
  const name = id.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[0-9]/.test(name) ? `_${name}` : name;
}

function clip(entry: string): string {
  // `NAME=sk-...`: a value pasted where an id belongs is not echoed.
  if (entry.split(/[=?*]/).some(looksLikeValue)) return `of ${entry.length} characters (not shown, as it looks like a secret value)`;
  return JSON.stringify(entry.length > 60 ? `${entry.slice(0, 57)}...` : entry);
}

function invalid(entry: string, why: string): ConfigError {
  return new ConfigError(`CLARIFAI_SECRETS entry ${clip(entry)} ${why}`);
}

function parseId(raw: string, entry: string, userId: string): string {
  const reference = /^users\/([^/]+)\/secrets\/([^/]+)$/.exec(raw);
  if (reference) {
    const [, user = '', id = ''] = reference;
    if (user !== 'me' && user !== userId) {
      throw invalid(entry, `refers to user "${user}", but secrets are read for "${userId}": set CLARIFAI_USER_ID`);
    }
    return id;
  }
  if (raw.includes('*')) throw invalid(entry, 'has a "*" that is not at its end');
  if (raw.includes('=')) throw invalid(entry, 'has more than one "="');
  if (raw.includes(';')) throw invalid(entry, 'has a ";": separate entries with commas or spaces (A,B or "A B")');
  if (/[\u0000-\u001f\u007f]/.test(raw)) throw invalid(entry, 'has a control character');
  // Empty ids are told apart by the caller ("has no secret id").
  const problem = raw === '' ? undefined : idProblem(raw);
  if (problem) throw invalid(entry, `names an id the API could not mean (${problem})`);
  return raw;
}

/**
 * Refuses, for `create`, an id the API could not mean, or one no selection can name
 * (it would split at a comma, read as a wildcard, a mapping, an optional mark or a file), so
 * that no secret is ever stored that cannot be loaded.
 */
export function requireNameable(id: string): void {
  const problem = unnameableIdProblem(id);
  if (problem) throw new ConfigError(`create: secret ${quoted(id)} cannot be named by any selection (${problem}): choose another id`);
}

function unnameableIdProblem(id: string): string | undefined {
  const problem = idProblem(id);
  if (problem) return problem;
  if (/[,;*=]/.test(id)) return 'a secret id must not hold ",", ";", "*" or "=", which CLARIFAI_SECRETS reads as separators, wildcards and mappings';
  if (id.startsWith('@') || id.endsWith('?')) return 'a secret id must not start with "@" or end with "?", which CLARIFAI_SECRETS reads as a file or optional mark';
  return undefined;
}

/** A selection's entries, as written: separated by commas or white space. */
export function selectionEntries(text: string | undefined): string[] {
  return (text ?? '').split(/[\s,]+/).filter(Boolean);
}

/** CLARIFAI_SECRETS as the configuration gives it; a `.env` file's maps no exec-hook name. */
export function selectionOf(config: Pick<Config, 'secrets' | 'userId' | 'secretsFromFile'>): Selection {
  return parseSelection(config.secrets, config.userId, { fromFile: config.secretsFromFile });
}

/**
 * `fromFile`: the text came from a `.env` file, which chooses values, never code: its
 * `NAME=ID` entries do not count as naming an exec-hook name on purpose.
 */
export function parseSelection(text: string | undefined, userId: string, { fromFile = false }: { fromFile?: boolean } = {}): Selection {
  const parts = selectionEntries(text);
  if (parts.length > MAX_ENTRIES) {
    throw new ConfigError(`CLARIFAI_SECRETS has ${parts.length} entries, more than ${MAX_ENTRIES}: use PREFIX* or *`);
  }
  let all = parts.length === 0;
  const prefixes = new Set<string>();
  const renames = new Map<string, Rename>();
  const byName = new Map<string, NamedEntry>();

  for (const entry of parts) {
    if (entry.length > MAX_ENTRY_LENGTH) throw invalid(entry, `is longer than ${MAX_ENTRY_LENGTH} characters`);
    if (entry === '*') {
      all = true;
      continue;
    }
    if (entry.endsWith('*') && entry.includes('=')) {
      const rename = parseRename(entry);
      if (rename.prefix === '' && rename.as === '') all = true;
      else {
        const other = renames.get(rename.prefix);
        if (other && other.as !== rename.as) {
          throw invalid(entry, `renames the prefix "${rename.prefix}" a second time (also as "${other.as}*"): keep one`);
        }
        renames.set(rename.prefix, rename);
      }
      continue;
    }
    if (entry.endsWith('*')) {
      const prefix = entry.slice(0, -1);
      if (/[*=?]/.test(prefix)) throw invalid(entry, 'mixes a PREFIX* with "=", "?" or another "*": write PREFIX*');
      prefixes.add(prefix);
      continue;
    }
    addNamed(byName, parseNamed(entry, userId, fromFile));
  }

  return makeSelection({ all, prefixes: all ? [] : [...prefixes], renames: [...renames.values()], named: [...byName.values()] });
}

/** `NAME=ID`, `ID` or either with a trailing `?`: one named secret. */
function parseNamed(entry: string, userId: string, fromFile: boolean): NamedEntry {
  const optional = entry.endsWith('?');
  const body = optional ? entry.slice(0, -1) : entry;
  if (body.includes('?')) throw invalid(entry, 'has a "?" that is not at its end');
  const eq = body.indexOf('=');
  const mapped = eq !== -1;
  const name = mapped ? body.slice(0, eq) : undefined;
  if (name?.endsWith('*')) throw invalid(entry, 'has a "*" on one side only: write NEW*=PREFIX* to rename a prefix');
  const right = mapped ? body.slice(eq + 1) : body;
  const file = right.startsWith('@');
  const id = parseId(file ? right.slice(1) : right, entry, userId);
  if (!id) throw invalid(entry, 'has no secret id');
  if (name !== undefined && !ENV_NAME.test(name)) {
    throw invalid(entry, 'maps to an invalid env name: use letters, digits and "_", not starting with a digit');
  }
  const named: NamedEntry = { id, name: name ?? envNameFor(id), optional, mapped: mapped && !fromFile };
  if (!file) return named;
  const problem = fileNameProblem(named.name);
  if (problem) throw invalid(entry, problem);
  return { ...named, file: true };
}

/**
 * Why a file's path may not go into `name`: a program that reads such a variable would run
 * or load what the file holds (`LD_PRELOAD`, `BASH_ENV`, `GIT_SSH`), so no mapping allows it.
 */
export function fileNameProblem(name: string): string | undefined {
  if (!isExecHookName(name)) return undefined;
  return `would put a file's path into ${name}, which makes programs run or load what it names (see the security guide): load the file under another name`;
}

/** Adds one named secret; the same one twice merges, two secrets under one env name are refused. */
function addNamed(byName: Map<string, NamedEntry>, entry: NamedEntry): void {
  const existing = byName.get(entry.name);
  if (existing && existing.id !== entry.id) {
    throw new ConfigError(
      `secrets ${quoted(existing.id)} and ${quoted(entry.id)} would both set ${entry.name}: map one of them with NAME=ID`,
    );
  }
  if (existing && existing.file !== entry.file) {
    throw new ConfigError(`${entry.name} is asked for both as a value and as a file (@${quoted(entry.id)}): keep one`);
  }
  byName.set(entry.name, {
    id: entry.id,
    name: entry.name,
    // Asked for twice, once as required: it is required.
    optional: existing ? existing.optional && entry.optional : entry.optional,
    mapped: entry.mapped || (existing?.mapped ?? false),
    ...(entry.file ? { file: true as const } : {}),
  });
}

/** Env names, ids and prefixes in code-unit order: the same on every machine and locale, unlike localeCompare. */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * What a selection joined with references keys on besides its entries (references.ts): the
 * key of the CLARIFAI_SECRETS part it kept (null for none), and one tuple per reference.
 */
interface ReferencesKey {
  base: string | null;
  references: ReadonlyArray<readonly unknown[]>;
}

/**
 * The one way a Selection is made: its parts sorted, and its key computed from them, or for
 * a selection joined with references from `joined`, so keys stay what they were (the cached
 * copies and markers of existing selections are found again).
 */
export function makeSelection(parts: Omit<Selection, 'key'>, joined?: ReferencesKey): Selection {
  const prefixes = [...parts.prefixes].sort(compareNames);
  const renames = [...parts.renames].sort((a, b) => compareNames(a.prefix, b.prefix));
  const named = [...parts.named].sort((a, b) => compareNames(a.name, b.name));
  const key = joined ? JSON.stringify(['references', joined.base, joined.references]) : selectionKey(parts.all, prefixes, named, renames);
  return { all: parts.all, prefixes, renames, named, key };
}

/**
 * The env names of the named entries marked `flag`: `file`, whose secrets go to files (`@ID`)
 * and which hold the files' paths; `reference`, set whatever the override rule says.
 */
export function namesMarked(selection: Selection, flag: 'file' | 'reference'): Set<string> {
  return new Set(selection.named.filter((entry) => entry[flag]).map((entry) => entry.name));
}

/** Whether anything beyond named ids is selected: `*`, a `PREFIX*` or a `NEW*=PREFIX*`. */
export function hasWildcards(selection: Selection): boolean {
  return selection.all || selection.prefixes.length > 0 || selection.renames.length > 0;
}

/** What one selection's results are cached under: equal for selections that load the same. */
function selectionKey(all: boolean, prefixes: readonly string[], named: readonly NamedEntry[], renames: readonly Rename[]): string {
  // Renames join the key only when there are some: keys (and cached copies) of selections
  // without them stay what they were.
  return JSON.stringify([
    all,
    prefixes,
    named.map(namedKey),
    ...(renames.length > 0 ? [renames.map((r) => [r.as, r.prefix])] : []),
  ]);
}

/**
 * One named entry in a key. `mapped` changes the outcome only for a dangerous name (set, not
 * skipped), and `file` only for files, so each joins only there: the keys of every other
 * selection stay what they were.
 */
function namedKey(n: NamedEntry): unknown[] {
  const key: unknown[] = [n.name, n.id, n.optional];
  if (n.mapped && isExecHookName(n.name)) key.push(true);
  if (n.file) key.push('file');
  return key;
}

/** `NEW*=PREFIX*`; NEW may be empty (`*=prod-*` strips the prefix). */
function parseRename(entry: string): Rename {
  const eq = entry.indexOf('=');
  const left = entry.slice(0, eq);
  const right = entry.slice(eq + 1);
  if (!left.endsWith('*') || !right.endsWith('*')) {
    throw invalid(entry, 'mixes NAME=ID with PREFIX*: write NEW*=PREFIX* to rename a prefix, or PREFIX*');
  }
  const as = left.slice(0, -1);
  const prefix = right.slice(0, -1);
  if (/[*=?]/.test(as) || /[*=?]/.test(prefix)) throw invalid(entry, 'has a "*", "=" or "?" in the wrong place: write NEW*=PREFIX*');
  if (as !== '' && !ENV_NAME.test(as)) {
    throw invalid(entry, 'renames to an invalid env name: NEW in NEW*=PREFIX* takes letters, digits and "_", not starting with a digit');
  }
  if (/[\u0000-\u001f\u007f]/.test(prefix)) throw invalid(entry, 'has a control character');
  return { prefix, as };
}

/** The longest rename prefix that `id` starts with. */
function renameFor(selection: Selection, id: string): Rename | undefined {
  let best: Rename | undefined;
  for (const rename of selection.renames) {
    if (id.startsWith(rename.prefix) && (!best || rename.prefix.length > best.prefix.length)) best = rename;
  }
  return best;
}

/**
 * The env name a secret gets from `*`, `PREFIX*` or `NEW*=PREFIX*` (a rename wins), or
 * undefined when none of them selects it.
 */
function wildcardName(selection: Selection, id: string): string | undefined {
  const rename = renameFor(selection, id);
  if (rename) {
    const rest = id.slice(rename.prefix.length);
    if (rename.as === '') {
      if (rest === '') {
        throw new ConfigError(
          `secret ${quoted(id)} would load under an empty name through *=${escapeControls(rename.prefix)}*: rename the secret or map it with NAME=ID`,
        );
      }
      return envNameFor(rest);
    }
    return rename.as + rest.replace(/[^A-Za-z0-9_]/g, '_');
  }
  return selection.all || selection.prefixes.some((prefix) => id.startsWith(prefix)) ? envNameFor(id) : undefined;
}

/** Whether a listed secret belongs to the selection (drop the others' values at once). */
export function isSelected(selection: Selection, id: string): boolean {
  return (
    selection.all ||
    selection.prefixes.some((prefix) => id.startsWith(prefix)) ||
    selection.renames.some((rename) => id.startsWith(rename.prefix)) ||
    selection.named.some((entry) => entry.id === id)
  );
}

/**
 * How to fetch: a few named ids with parallel GETs, anything else with the list walk,
 * whichever costs fewer requests. A list walk costs at least two (the last page is
 * empty), so GETs win only for one or two ids.
 */
export function namedIdsToGet(selection: Selection): string[] | undefined {
  if (hasWildcards(selection)) return undefined;
  // References are always fetched by id: a .env of references must not walk (and drop) the
  // whole account. Only the CLARIFAI_SECRETS part decides for a list walk.
  const listed = new Set(selection.named.filter((entry) => !entry.reference).map((entry) => entry.id));
  return listed.size <= 2 ? [...new Set(selection.named.map((entry) => entry.id))] : undefined;
}

/**
 * Turns fetched secrets into env names and values. `found` holds only selected secrets.
 * Throws on two ids that would set one name; the caller decides what missing means.
 */
export function resolveSelection(
  selection: Selection,
  found: ReadonlyMap<string, string>,
): Resolved & { missingRequired: string[] } {
  const out = new Map<string, { id: string; value: string; required: boolean; file?: true }>();
  const dangerous = new Set<string>();
  const missing: string[] = [];
  const missingRequired: string[] = [];
  const namedIds = new Set<string>();
  // A variable holding a reference is that reference's, whatever a wildcard would put there.
  const referenced = new Set(selection.named.filter((entry) => entry.reference).map((entry) => entry.name));

  const put = (name: string, id: string, value: string, mapped: boolean, required: boolean, file?: true): void => {
    if (!mapped && isExecHookName(name)) {
      dangerous.add(name);
      return;
    }
    const other = out.get(name);
    if (other && other.id !== id) {
      throw new ConfigError(`secrets ${quoted(other.id)} and ${quoted(id)} would both set ${name}: map one of them with NAME=ID`);
    }
    out.set(name, { id, value, required, ...(file ? { file } : {}) });
  };

  for (const entry of selection.named) {
    namedIds.add(entry.id);
    const value = found.get(entry.id);
    if (value === undefined) (entry.optional ? missing : missingRequired).push(entry.id);
    else put(entry.name, entry.id, value, entry.mapped, !entry.optional, entry.file);
  }
  if (hasWildcards(selection)) {
    for (const [id, value] of found) {
      // A secret named explicitly is loaded under that name only.
      if (namedIds.has(id)) continue;
      const name = wildcardName(selection, id);
      // Renaming is not naming on purpose: a dangerous name stays skipped.
      if (name !== undefined && !referenced.has(name)) put(name, id, value, false, false);
    }
  }
  const unfit = takeUnfit(out);
  const entries = [...out].map(([name, { value }]): [string, string] => [name, value]);
  entries.sort(([a], [b]) => compareNames(a, b));
  return {
    entries,
    missing: [...new Set(missing)].sort(),
    missingRequired: [...new Set(missingRequired)].sort(),
    dangerous: [...dangerous].sort(),
    ...(unfit.length > 0 ? { unfit } : {}),
  };
}

/**
 * Takes out of `out` every value no environment variable can hold. A required one fails the
 * load (naming every such secret): loading half a key, or one that makes every exec fail, is
 * worse than not starting. Others are returned, for one warning.
 */
function takeUnfit(out: Map<string, { id: string; value: string; required: boolean; file?: true }>): Unfit[] {
  const byId = (a: Unfit, b: Unfit): number => compareNames(a.id, b.id);
  const unfit: Unfit[] = [];
  const required: Unfit[] = [];
  for (const [name, entry] of out) {
    // A file holds any value; its variable holds only the path.
    if (entry.file) continue;
    const why = envUnfit(name, entry.value);
    if (why !== undefined) (entry.required ? required : unfit).push({ id: entry.id, name, why });
  }
  if (required.length > 0) {
    required.sort(byId);
    throw new InvalidValueError(
      [...new Set(required.map((u) => u.id))],
      `${required.length === 1 ? 'secret' : 'secrets'} ${listUnfit(required)} cannot be loaded, as ${UNFIT_WHY}: ` +
        'load such a value as a file instead (NAME=@ID in CLARIFAI_SECRETS: NAME then holds its path), update the value, or leave it out of CLARIFAI_SECRETS',
    );
  }
  for (const { name } of unfit) out.delete(name);
  return unfit.sort(byId);
}
