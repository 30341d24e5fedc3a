/** `clarifai://` references in env vars: parsing, errors that never echo a value, and how they join a selection. */
import { describe, expect, it } from 'vitest';
import { messageOf } from '../support/errors.js';
import { findReferences, hasReferences, withReferences } from '../../src/settings/references.js';
import { namedIdsToGet, parseSelection, resolveSelection } from '../../src/settings/selection.js';

const found = (entries: Record<string, string>) => new Map(Object.entries(entries));
const joined = (text: string | undefined, env: Record<string, string>, covered = false) =>
  withReferences(parseSelection(text, 'me'), findReferences(env, 'me'), { explicit: text !== undefined && text !== '', covered });

describe('findReferences', () => {
  it('reads both forms, optional ones, and only whole values', () => {
    const refs = findReferences(
      {
        B: 'clarifai://users/me/secrets/b-id?',
        A: 'clarifai://secrets/openai-key',
        C: 'clarifai://users/alice/secrets/C_1',
        PLAIN: 'https://example.com/clarifai://secrets/x',
        EMPTY: '',
        UNSET: undefined as unknown as string,
      },
      'alice',
    );
    expect(refs).toEqual([
      { name: 'A', id: 'openai-key', optional: false },
      { name: 'B', id: 'b-id', optional: true },
      { name: 'C', id: 'C_1', optional: false },
    ]);
    expect(hasReferences({ X: 'clarifai://secrets/x' })).toBe(true);
    expect(hasReferences({ X: 'value', Y: 'clarifai:/secrets/x' })).toBe(false);
  });

  const VALUEISH = 'sk-LOOKS-LIKE-A-VALUE-9f8e7d';
  it.each([
    [`clarifai://secrets/${VALUEISH}/more`, /DB_URL holds a malformed reference: write clarifai:\/\/secrets\/ID/],
    ['clarifai://secrets/', /DB_URL holds a malformed reference/],
    [`clarifai://secret/${VALUEISH}`, /DB_URL holds a malformed reference/],
    [`clarifai://secrets/${VALUEISH}??`, /DB_URL holds a malformed reference/],
    [`clarifai://secrets/a b${VALUEISH}`, /DB_URL holds a malformed reference/],
    [`clarifai://secrets/${VALUEISH}*`, /DB_URL holds a malformed reference/],
    [` clarifai://secrets/${VALUEISH}`, /DB_URL holds a malformed reference/],
    [`CLARIFAI://secrets/${VALUEISH}`, /DB_URL holds a malformed reference/],
    [`clarifai://users//secrets/${VALUEISH}`, /DB_URL holds a malformed reference/],
    [`clarifai://secrets/${'x'.repeat(1100)}`, /DB_URL holds a malformed reference/],
    [`clarifai://users/bob/secrets/${VALUEISH}`, /DB_URL refers to the secrets of user "bob", but secrets are read for "me"/],
    [`clarifai://users/${VALUEISH} x/secrets/id`, /DB_URL refers to the secrets of another user/],
  ])('refuses %j with an ERR_CONFIG naming the variable, not its value', (value, message) => {
    const text = messageOf(() => findReferences({ DB_URL: value }, 'me'));
    expect(text).toMatch(message);
    expect(text).not.toContain(VALUEISH);
    expect(text).not.toContain('xxxxxxxx');
  });

  it('refuses a reference in a CLARIFAI_* setting: settings are read before any secret', () => {
    expect(messageOf(() => findReferences({ CLARIFAI_PAT: 'clarifai://secrets/pat' }, 'me'))).toMatch(
      /CLARIFAI_PAT holds a clarifai:\/\/ reference, but CLARIFAI_\* settings are read before any secret is loaded/,
    );
  });

  it('shows an odd variable name quoted', () => {
    expect(messageOf(() => findReferences({ 'my-var': 'clarifai://nope' }, 'me'))).toMatch(/^"my-var" holds a malformed reference/);
  });
});

describe('withReferences', () => {
  it('leaves a selection without references exactly as it was', () => {
    const selection = parseSelection('A,P*', 'me');
    expect(withReferences(selection, [], { explicit: true, covered: false })).toBe(selection);
  });

  it('CLARIFAI_SECRETS unset: the references alone, fetched with GETs however many there are', () => {
    const env = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`V${i}`, `clarifai://secrets/id-${i}`]));
    const selection = joined(undefined, env);
    expect(selection.all).toBe(false);
    expect(selection.named).toHaveLength(12);
    expect(selection.named.every((entry) => entry.reference && entry.mapped)).toBe(true);
    expect(namedIdsToGet(selection)).toHaveLength(12);
  });

  it('CLARIFAI_SECRETS set: both; the list walk only when the CLARIFAI_SECRETS part needs one', () => {
    const env = { KEY: 'clarifai://secrets/openai-key', OPT: 'clarifai://secrets/maybe?' };
    const few = joined('A', env);
    expect(few.named.map((entry) => [entry.name, entry.id])).toEqual([['A', 'A'], ['KEY', 'openai-key'], ['OPT', 'maybe']]);
    expect(namedIdsToGet(few)).toEqual(['A', 'openai-key', 'maybe']);
    expect(namedIdsToGet(joined('A,B,C', env))).toBeUndefined();
    expect(joined('*', env).all).toBe(true);
    expect(namedIdsToGet(joined('*', env))).toBeUndefined();
  });

  it('covered by a parent marker: only the references are left to load', () => {
    const selection = joined('*', { KEY: 'clarifai://secrets/k' }, true);
    expect(selection.all).toBe(false);
    expect(selection.named.map((entry) => entry.id)).toEqual(['k']);
  });

  it('keys on the references, their ids and optionality, and on the rest of the selection', () => {
    const keys = [
      joined(undefined, { K: 'clarifai://secrets/a' }).key,
      joined(undefined, { K: 'clarifai://secrets/b' }).key,
      joined(undefined, { L: 'clarifai://secrets/a' }).key,
      joined(undefined, { K: 'clarifai://secrets/a?' }).key,
      joined('*', { K: 'clarifai://secrets/a' }).key,
      joined('K=a', {}).key,
      parseSelection(undefined, 'me').key,
    ];
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('a name set two ways: one id is fine, two ids are an error naming both', () => {
    const same = joined('K=a?', { K: 'clarifai://secrets/a' });
    expect(same.named).toEqual([{ id: 'a', name: 'K', optional: false, mapped: true, reference: true }]);
    expect(messageOf(() => joined('K=a', { K: 'clarifai://secrets/b' }))).toMatch(
      /K holds a reference to secret "b", and CLARIFAI_SECRETS loads secret "a" into it/,
    );
  });
});

describe('resolving with references', () => {
  it('a reference may set any name (it was named on purpose), and a wildcard never takes its name', () => {
    const selection = joined('*', { NODE_OPTIONS: 'clarifai://secrets/opts', KEY: 'clarifai://secrets/prod-key' });
    const r = resolveSelection(selection, found({ opts: '--max-old-space-size=512', 'prod-key': 'p', KEY: 'wildcard', other: 'o' }));
    expect(r.entries).toEqual([
      ['KEY', 'p'],
      ['NODE_OPTIONS', '--max-old-space-size=512'],
      ['other', 'o'],
    ]);
  });

  it('missing references: optional ones reported, required ones with the rest', () => {
    const selection = joined('A', { K: 'clarifai://secrets/gone', O: 'clarifai://secrets/maybe?' });
    const r = resolveSelection(selection, found({}));
    expect(r.missingRequired).toEqual(['A', 'gone']);
    expect(r.missing).toEqual(['maybe']);
  });
});
