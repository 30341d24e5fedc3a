/** The file form of a selection entry (`@ID`, `NAME=@ID`) and of a reference (`clarifai://secrets/@ID`). */
import { describe, expect, it } from 'vitest';
import { messageOf } from '../support/errors.js';
import { namesMarked, parseSelection, resolveSelection } from '../../src/settings/selection.js';
import { findReferences, withReferences } from '../../src/settings/references.js';

describe('@ID in a selection', () => {
  it('loads ID as a file, named as ID would be, or as NAME, optional with ?', () => {
    const selection = parseSelection('@gcp-key, TLS=@users/me/secrets/tls-key?, PLAIN', 'me');
    expect(selection.named).toEqual([
      { id: 'PLAIN', name: 'PLAIN', optional: false, mapped: false },
      { id: 'tls-key', name: 'TLS', optional: true, mapped: true, file: true },
      { id: 'gcp-key', name: 'gcp_key', optional: false, mapped: false, file: true },
    ]);
    expect([...namesMarked(selection, 'file')].sort()).toEqual(['TLS', 'gcp_key']);
  });

  it('keys a file entry apart from the same entry as a value, and leaves the keys of other selections as they were', () => {
    expect(parseSelection('K=@k', 'me').key).not.toBe(parseSelection('K=k', 'me').key);
    expect(parseSelection('K=k, B', 'me').key).toBe(JSON.stringify([false, [], [['B', 'B', false], ['K', 'k', false]]]));
  });

  it.each([
    ['@', /has no secret id/],
    ['X=@', /has no secret id/],
    ['NODE_OPTIONS=@k', /would put a file's path into NODE_OPTIONS/],
    ['@LD_PRELOAD', /would put a file's path into LD_PRELOAD/],
    ['K=k, K=@k', /K is asked for both as a value and as a file/],
    ['@a%b', /names an id the API could not mean/],
  ])('%s is refused', (text, message) => {
    expect(messageOf(() => parseSelection(text, 'me'))).toMatch(message);
  });

  it('a file holds any value: the size and NUL rule of env vars does not apply to it', () => {
    const big = 'x'.repeat(200 * 1024);
    const resolved = resolveSelection(parseSelection('K=@k, N=@n', 'me'), new Map([['k', big], ['n', 'a\0b']]));
    expect(resolved.entries.map(([name]) => name)).toEqual(['K', 'N']);
    expect(resolved.unfit).toBeUndefined();
  });
});

describe('clarifai://secrets/@ID', () => {
  it('is a file reference, in both forms and optional', () => {
    const refs = findReferences({ A: 'clarifai://secrets/@a-key', B: 'clarifai://users/me/secrets/@b?' }, 'me');
    expect(refs).toEqual([
      { name: 'A', id: 'a-key', optional: false, file: true },
      { name: 'B', id: 'b', optional: true, file: true },
    ]);
    const selection = withReferences(parseSelection(undefined, 'me'), refs, { explicit: false, covered: false });
    expect([...namesMarked(selection, 'file')]).toEqual(['A', 'B']);
    // A reference to a value keys apart from one to a file.
    const value = withReferences(parseSelection(undefined, 'me'), findReferences({ A: 'clarifai://secrets/a-key' }, 'me'), { explicit: false, covered: false });
    const file = withReferences(parseSelection(undefined, 'me'), findReferences({ A: 'clarifai://secrets/@a-key' }, 'me'), { explicit: false, covered: false });
    expect(value.key).not.toBe(file.key);
  });

  it('never into an exec-hook name, which a reference to a value may set', () => {
    expect(messageOf(() => findReferences({ BASH_ENV: 'clarifai://secrets/@x' }, 'me'))).toMatch(/^BASH_ENV holds a file reference that would put a file's path into BASH_ENV/);
    expect(findReferences({ BASH_ENV: 'clarifai://secrets/x' }, 'me')).toHaveLength(1);
  });

  it('a name loaded both as a file and as a value is refused', () => {
    const refs = findReferences({ K: 'clarifai://secrets/@k' }, 'me');
    expect(messageOf(() => withReferences(parseSelection('K=k', 'me'), refs, { explicit: true, covered: false }))).toMatch(/K holds a file reference to secret "k", and CLARIFAI_SECRETS loads it as a value: keep one of them/);
  });
});
