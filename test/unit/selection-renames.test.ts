/** `NEW*=PREFIX*`: one account, several environments, each loaded under the names the app reads. */
import { describe, expect, it } from 'vitest';
import { messageOf } from '../support/errors.js';
import { isSelected, namedIdsToGet, parseSelection, resolveSelection } from '../../src/settings/selection.js';

const found = (entries: Record<string, string>) => new Map(Object.entries(entries));
const ACCOUNT = found({
  'prod-DATABASE_URL': 'p-db',
  'prod-api-key': 'p-key',
  'staging-DATABASE_URL': 's-db',
  SHARED: 'shared',
});

describe('NEW*=PREFIX*', () => {
  it('*=prod-* strips the prefix and loads nothing else', () => {
    const r = resolveSelection(parseSelection('*=prod-*', 'me'), ACCOUNT);
    expect(r.entries).toEqual([
      ['DATABASE_URL', 'p-db'],
      ['api_key', 'p-key'],
    ]);
  });

  it('APP_*=prod-* puts NEW in front of the rest of the id', () => {
    const r = resolveSelection(parseSelection('APP_*=prod-*', 'me'), ACCOUNT);
    expect(r.entries).toEqual([
      ['APP_DATABASE_URL', 'p-db'],
      ['APP_api_key', 'p-key'],
    ]);
  });

  it('combines with named entries and prefixes; a named id keeps its own name', () => {
    const r = resolveSelection(parseSelection('*=staging-*, SHARED, KEY=prod-api-key', 'me'), ACCOUNT);
    expect(r.entries).toEqual([
      ['DATABASE_URL', 's-db'],
      ['KEY', 'p-key'],
      ['SHARED', 'shared'],
    ]);
  });

  it('a rename wins over * for the ids it matches; the longest prefix wins between renames', () => {
    const r = resolveSelection(parseSelection('*, *=prod-*, DB_*=prod-DATABASE_*', 'me'), ACCOUNT);
    expect(r.entries).toEqual([
      ['DB_URL', 'p-db'],
      ['SHARED', 'shared'],
      ['api_key', 'p-key'],
      ['staging_DATABASE_URL', 's-db'],
    ]);
  });

  it('two secrets landing on one name are the usual error naming both', () => {
    const message = messageOf(() => resolveSelection(parseSelection('*=prod-*, *=staging-*', 'me'), ACCOUNT));
    expect(message).toMatch(/"prod-DATABASE_URL" and "staging-DATABASE_URL" would both set DATABASE_URL|"staging-DATABASE_URL" and "prod-DATABASE_URL" would both set DATABASE_URL/);
  });

  it('renaming is not naming on purpose: a dangerous name stays skipped', () => {
    const r = resolveSelection(parseSelection('*=prod-*', 'me'), found({ 'prod-NODE_OPTIONS': '--require /tmp/x', 'prod-PATH': '/evil', 'prod-OK': 'ok' }));
    expect(r.entries).toEqual([['OK', 'ok']]);
    expect(r.dangerous).toEqual(['NODE_OPTIONS', 'PATH']);
    const prefixed = resolveSelection(parseSelection('LD_*=x-*', 'me'), found({ 'x-PRELOAD': '/evil.so' }));
    expect(prefixed.entries).toEqual([]);
    expect(prefixed.dangerous).toEqual(['LD_PRELOAD']);
  });

  it('a secret whose id is the prefix alone cannot load under an empty name', () => {
    expect(messageOf(() => resolveSelection(parseSelection('*=prod-*', 'me'), found({ 'prod-': 'v' })))).toMatch(
      /secret "prod-" would load under an empty name/,
    );
    expect(resolveSelection(parseSelection('APP*=prod-*', 'me'), found({ 'prod-': 'v' })).entries).toEqual([['APP', 'v']]);
  });

  it('selects, plans and keys like any wildcard', () => {
    const selection = parseSelection('*=prod-*', 'me');
    expect(selection.all).toBe(false);
    expect(isSelected(selection, 'prod-X')).toBe(true);
    expect(isSelected(selection, 'staging-X')).toBe(false);
    expect(namedIdsToGet(selection)).toBeUndefined();
    expect(selection.key).not.toBe(parseSelection('prod-*', 'me').key);
    expect(selection.key).not.toBe(parseSelection('*=staging-*', 'me').key);
    expect(selection.key).not.toBe(parseSelection('P_*=prod-*', 'me').key);
    expect(parseSelection('A_*=a-*, B_*=b-*', 'me').key).toBe(parseSelection('B_*=b-*  A_*=a-*', 'me').key);
    // Selections without renames keep the key they had.
    expect(parseSelection('A,P*', 'me').key).toBe(JSON.stringify([false, ['P'], [['A', 'A', false]]]));
    expect(parseSelection('*=*', 'me').all).toBe(true);
  });

  it.each([
    ['NAME=prod-*', /write NEW\*=PREFIX\*/],
    ['NEW*=prod-', /write NEW\*=PREFIX\*/],
    ['1X*=prod-*', /invalid env name/],
    ['A-B*=prod-*', /invalid env name/],
    ['X*=p?-*', /wrong place/],
    ['X*=p=q*', /wrong place/],
    ['A_*=p-*, B_*=p-*', /renames the prefix "p-" a second time/],
  ])('refuses %j with a clear ERR_CONFIG', (text, message) => {
    expect(messageOf(() => parseSelection(text, 'me'))).toMatch(message);
  });
});

describe('NEW*=PREFIX*, edge by edge', () => {
  it('NEW*=* puts NEW in front of every id', () => {
    const selection = parseSelection('APP_*=*', 'me');
    expect(selection.all).toBe(false);
    expect(resolveSelection(selection, found({ KEY: 'k', other: 'o' })).entries).toEqual([
      ['APP_KEY', 'k'],
      ['APP_other', 'o'],
    ]);
  });

  it('takes the same rename twice', () => {
    expect(parseSelection('A_*=p-*, A_*=p-*', 'me').renames).toEqual([{ prefix: 'p-', as: 'A_' }]);
  });

  it('keys renames in any order alike, and as they were keyed before', () => {
    expect(parseSelection('B_*=b-*, A_*=a-*', 'me').key).toBe(JSON.stringify([false, [], [], [['A_', 'a-'], ['B_', 'b-']]]));
  });
});
