/** The emulator's request decoding, called directly: what each refusal says, field by field. */
import { describe, expect, it } from 'vitest';
import { type ParsedBody, decodeCreate, decodeDelete, decodeListQuery, decodePatch } from '../../src/emulator/decode.js';
import { ApiFailure } from '../../src/emulator/wire.js';

const json = (value: unknown): ParsedBody => ({ kind: 'json', value });

function refusal(fn: () => unknown): { status: number; code: number; details: string | undefined } {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ApiFailure);
    const failure = error as ApiFailure;
    return { status: failure.httpStatus, code: failure.code, details: failure.details };
  }
  throw new Error('expected a refusal');
}
const details = (fn: () => unknown): string | undefined => refusal(fn).details;

describe('decodeCreate', () => {
  it('reads secrets, with numbers as strings and null as unset', () => {
    const [one] = decodeCreate(json({ secrets: [{ id: 'A', value: 'v', version: '3', description: null }] }));
    expect(one).toMatchObject({ id: 'A', value: 'v' });
  });

  it('says what is wrong, where', () => {
    expect(refusal(() => decodeCreate({ kind: 'invalid', text: '{' }))).toEqual({ status: 400, code: expect.any(Number), details: 'the request body is not valid JSON' });
    expect(details(() => decodeCreate(json([])))).toBe('the request body must be a JSON object (clarifai.api.PostSecretsRequest), got array');
    expect(details(() => decodeCreate(json(null)))).toBe('the request body must be a JSON object (clarifai.api.PostSecretsRequest), got null');
    expect(details(() => decodeCreate(json({ secret: [] })))).toBe('unknown field "secret" in clarifai.api.PostSecretsRequest');
    expect(details(() => decodeCreate(json({ secrets: [{ id: 'A', bogus: 1 }] })))).toBe('unknown field "bogus" in clarifai.api.Secret at secrets[0]');
    expect(details(() => decodeCreate(json({ secrets: [{ id: 'A', value: 'v', expires_at: 'x', expiresAt: 'y' }] })))).toBe(
      'field "expires_at" is set twice in clarifai.api.Secret at secrets[0]',
    );
    expect(details(() => decodeCreate(json({ secrets: [{ value: 'v' }] })))).toBe('secrets[0].id is required');
    expect(details(() => decodeCreate(json({ secrets: [] })))).toBe('"secrets" must list at least one secret');
    expect(details(() => decodeCreate(json({})))).toBe('"secrets" must list at least one secret');
    expect(details(() => decodeCreate(json({ secrets: [{ id: 'A', version: -1 }] })))).toMatch(/^secrets\[0\]\.version /);
    expect(details(() => decodeCreate(json({ secrets: [{ id: 'A', version: 4294967296 }] })))).toMatch(/^secrets\[0\]\.version /);
    expect(details(() => decodeCreate(json({ secrets: [{ id: 'A', version: '12x' }] })))).toMatch(/^secrets\[0\]\.version /);
    expect(details(() => decodeCreate(json({ secrets: [{ id: 'A', version: '' }] })))).toMatch(/^secrets\[0\]\.version /);
    expect(details(() => decodeCreate(json({ user_app_id: { user_id: 5 }, secrets: [{ id: 'A' }] })))).toMatch(/^user_app_id\.user_id /);
    expect(details(() => decodeCreate(json({ user_app_id: { nope: 'x' }, secrets: [{ id: 'A' }] })))).toBe(
      'unknown field "nope" in clarifai.api.UserAppIDSet at user_app_id',
    );
  });

  it('takes a version only as a JSON number or a string of digits alone', () => {
    const version = (v: unknown) => details(() => decodeCreate(json({ secrets: [{ id: 'A', value: 'v', version: v }] })));
    expect(version([5])).toBe('secrets[0].version must be an unsigned 32-bit integer, got array');
    expect(version(['5'])).toBe('secrets[0].version must be an unsigned 32-bit integer, got array');
    expect(version(1.5)).toBe('secrets[0].version must be an unsigned 32-bit integer, got number');
    // protojson refuses spaces around a number in a string, and a sign.
    for (const text of [' 5', '5 ', '+5', 'x5', '5x']) {
      expect(version(text), JSON.stringify(text)).toBe('secrets[0].version must be an unsigned 32-bit integer, got string');
    }
  });

  it('names the field and the rule a refused id breaks', () => {
    expect(details(() => decodeCreate(json({ secrets: [{ id: 'a/b', value: 'v' }] })))).toBe('secrets[0].id: a secret id must not hold "/", "?", "#", "%", white space or control characters');
    expect(details(() => decodeCreate(json({ secrets: [{ id: 'A', value: 'v' }, { id: '', value: 'v' }] })))).toBe(
      'secrets[1].id is required',
    );
  });

  it('takes an empty value as no value (proto3), and says it is required', () => {
    expect(details(() => decodeCreate(json({ secrets: [{ id: 'A', value: '' }] })))).toBe('secrets[0].value is required (secret "A")');
  });

  it('refuses a field of the request itself given twice, under both its names', () => {
    expect(
      details(() => decodeCreate(json({ user_app_id: { user_id: 'u' }, userAppId: { user_id: 'u' }, secrets: [{ id: 'A', value: 'v' }] }))),
    ).toBe('field "user_app_id" is set twice in clarifai.api.PostSecretsRequest');
  });

  it('accepts the largest uint32 and zero for a version', () => {
    expect(() => decodeCreate(json({ secrets: [{ id: 'A', value: 'v', version: 4294967295 }] }))).not.toThrow();
    expect(() => decodeCreate(json({ secrets: [{ id: 'A', value: 'v', version: 0 }] }))).not.toThrow();
    expect(() => decodeCreate(json({ secrets: [{ id: 'A', value: 'v', version: '4294967295' }] }))).not.toThrow();
  });
});

describe('decodePatch', () => {
  it('says what is wrong, where', () => {
    expect(details(() => decodePatch(json({ secrets: [{ id: 'A' }] })))).toBe('unknown field "secrets" in clarifai.api.PatchSecretsRequest');
    expect(details(() => decodePatch(json({ secret: [{ id: 'A' }], action: 'nope' })))).toBe('unknown action "nope": use "overwrite", "merge" or "remove"');
    expect(details(() => decodePatch(json({ secret: [{ id: 'A' }, { id: 'A' }] })))).toBe('secret "A" is listed twice');
    expect(details(() => decodePatch(json({ secret: [] })))).toBe('"secret" must list at least one secret (note: the PATCH key is the singular "secret")');
    expect(details(() => decodePatch(json({ secret: [{}] })))).toBe('secret[0].id is required');
    expect(details(() => decodePatch(json([])))).toBe('the request body must be a JSON object (clarifai.api.PatchSecretsRequest), got array');
    expect(details(() => decodePatch(json({ secret: { id: 'A' } })))).toBe('secret must be a list, got object');
    expect(details(() => decodePatch(json({ secret: ['A'] })))).toBe('secret[0] must be a JSON object (clarifai.api.Secret), got string');
    expect(details(() => decodePatch(json({ secret: [{ id: 'A', value: 5 }] })))).toBe('secret[0].value must be a string, got number');
  });
});

describe('user_app_id in the body (the SDK sends it with every request)', () => {
  it('is taken, under either name, by PATCH and DELETE as by create, and type-checked', () => {
    expect(decodePatch(json({ user_app_id: { user_id: 'u', app_id: '' }, secret: [{ id: 'A', value: 'v' }] })).patches).toEqual([{ id: 'A', value: 'v' }]);
    expect(decodePatch(json({ userAppId: { userId: 'u' }, secret: [{ id: 'A', value: 'v' }] })).action).toBe('overwrite');
    expect(decodeDelete(json({ user_app_id: { user_id: 'u' }, ids: ['A'] }))).toEqual(['A']);
    expect(decodeDelete(json({ userAppId: { appId: 'x' }, ids: ['A'] }))).toEqual(['A']);
    expect(details(() => decodePatch(json({ user_app_id: { user_id: 5 }, secret: [{ id: 'A' }] })))).toBe('user_app_id.user_id must be a string, got number');
    expect(details(() => decodeDelete(json({ user_app_id: 'u', ids: ['A'] })))).toBe(
      'user_app_id must be a JSON object (clarifai.api.UserAppIDSet), got string',
    );
  });
});

describe('decodeDelete', () => {
  it('says what is wrong, where', () => {
    expect(decodeDelete(json({ ids: ['A', 'B'] }))).toEqual(['A', 'B']);
    expect(details(() => decodeDelete(json({ ids: ['A', ''] })))).toBe('ids[1] is empty');
    expect(details(() => decodeDelete(json({ ids: [] })))).toBe('"ids" must list at least one secret id');
    expect(details(() => decodeDelete(json({ secret_ids: ['A'] })))).toBe('unknown field "secret_ids" in clarifai.api.DeleteSecretsRequest');
    expect(details(() => decodeDelete(json('A')))).toBe('the request body must be a JSON object (clarifai.api.DeleteSecretsRequest), got string');
    expect(details(() => decodeDelete(json({ ids: 'A' })))).toBe('ids must be a list, got string');
    expect(details(() => decodeDelete(json({ ids: ['A', 5] })))).toBe('ids[1] must be a string, got number');
  });
});

describe('decodeListQuery', () => {
  it('reads page and per_page under either name, with the default page size', () => {
    expect(decodeListQuery(new URLSearchParams(''))).toEqual({ page: 1, perPage: 128 });
    expect(decodeListQuery(new URLSearchParams('perPage=5&page=2'))).toEqual({ page: 2, perPage: 5 });
    expect(decodeListQuery(new URLSearchParams('per_page=5000'))).toEqual({ page: 1, perPage: 1000 });
    expect(decodeListQuery(new URLSearchParams('per_page=4294967295')).perPage).toBe(1000);
    expect(details(() => decodeListQuery(new URLSearchParams('page=x')))).toBe('query parameter page must be an unsigned integer');
    expect(details(() => decodeListQuery(new URLSearchParams('page=4294967296')))).toBe('query parameter page must be an unsigned integer');
  });
});
