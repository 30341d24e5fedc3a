/** The response validator field by field: what it accepts, what it refuses, and what it says. */
import { describe, expect, it } from 'vitest';
import { BadResponseError } from '../../src/errors.js';
import { type Envelope, decodeMany, decodeSingle, decodeValues, encodeSecret, isSuccess, parseJsonObject, readStatus } from '../../src/api/wire.js';

const where = { what: 'get secret "K"', httpStatus: 200, reqId: 'req-1' };
const envelope = (body: Record<string, unknown>): Envelope => ({ status: { code: 10000 }, body });
const single = (secret: unknown) => decodeSingle(envelope({ secret }), 'alice', where);

function refusal(fn: () => unknown): BadResponseError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(BadResponseError);
    return error as BadResponseError;
  }
  throw new Error('expected a refusal');
}

describe('parseJsonObject', () => {
  it('reads a JSON object in UTF-8, and nothing else', () => {
    expect(parseJsonObject(Buffer.from('{"a":1}'))).toEqual({ a: 1 });
    expect(parseJsonObject(Buffer.alloc(0))).toBeUndefined();
    expect(parseJsonObject(Buffer.from('{'))).toBeUndefined();
    expect(parseJsonObject(Buffer.from('[1]'))).toBeUndefined();
    expect(parseJsonObject(Buffer.from('null'))).toBeUndefined();
    expect(parseJsonObject(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]))).toBeUndefined();
  });
});

describe('readStatus', () => {
  it('takes a whole-number code or a known code name, with its text fields', () => {
    expect(readStatus({ status: { code: 10000 } })).toStrictEqual({ code: 10000 });
    expect(readStatus({ status: { code: 'SUCCESS' } })).toStrictEqual({ code: 10000 });
    expect(readStatus({ status: { code: 11008, description: 'd', details: 'x', req_id: 'r' } })).toStrictEqual({
      code: 11008,
      description: 'd',
      details: 'x',
      reqId: 'r',
    });
  });

  it('gives no status for a code that is not one, and drops text fields of other types', () => {
    for (const code of [1.5, 'NO_SUCH_CODE', true, null, undefined, {}]) expect(readStatus({ status: { code } }), String(code)).toBeUndefined();
    expect(readStatus({ status: 'ok' })).toBeUndefined();
    expect(readStatus(undefined)).toBeUndefined();
    expect(readStatus({ status: { code: 10000, description: 1, details: [], req_id: 5 } })).toStrictEqual({ code: 10000 });
    expect(isSuccess({ code: 10000 })).toBe(true);
    expect(isSuccess({ code: 10001 })).toBe(false);
  });
});

describe('decoding a secret', () => {
  it('reads every field, fills the missing ones, and leaves out an empty description and the zero expiry', () => {
    expect(single({ id: 'K' })).toStrictEqual({
      id: 'K',
      value: '',
      version: 0,
      userId: 'alice',
      createdAt: new Date(0),
      modifiedAt: new Date(0),
    });
    const full = single({
      id: 'K',
      value: 'v',
      version: '12',
      user_id: 'bob',
      description: 'about',
      created_at: '2025-10-03T09:18:10.123456789Z',
      modified_at: '2025-10-04T01:02:03+05:30',
      expires_at: '2030-01-01T00:00:00Z',
    });
    expect(full).toStrictEqual({
      id: 'K',
      value: 'v',
      version: 12,
      userId: 'bob',
      description: 'about',
      createdAt: new Date('2025-10-03T09:18:10.123Z'),
      modifiedAt: new Date('2025-10-03T19:32:03Z'),
      expiresAt: new Date('2030-01-01T00:00:00Z'),
    });
    const plain = single({ id: 'K', version: 0, description: '', expires_at: '1970-01-01T00:00:00Z' });
    expect(plain.version).toBe(0);
    expect('description' in plain).toBe(false);
    expect('expiresAt' in plain).toBe(false);
  });

  it('refuses each field of the wrong kind, naming the field, the call and what to check', () => {
    const error = refusal(() => single(null));
    expect(error.message).toBe(
      'Clarifai sent an invalid response to get secret "K": secret is null, expected an object (HTTP 200); ' +
        'check CLARIFAI_API_BASE points at the Clarifai API',
    );
    expect(error).toMatchObject({ code: 'ERR_BAD_RESPONSE', statusCode: 200, reqId: 'req-1' });
    expect(refusal(() => single([])).message).toMatch(/: secret is an array, expected an object \(/);
    expect(refusal(() => single('x')).message).toMatch(/: secret is a string, expected an object \(/);
    expect(refusal(() => single({ id: 5 })).message).toMatch(/: secret\.id is a number, expected a string \(/);
    expect(refusal(() => single({})).message).toMatch(/: secret\.id is missing \(/);
    expect(refusal(() => single({ id: '' })).message).toMatch(/: secret\.id is missing \(/);
    for (const version of [1.5, -1, '12a', 'a12', '', '12345678901', 'abc', [7], {}, null, true]) {
      expect(refusal(() => single({ id: 'K', version })).message, JSON.stringify(version)).toMatch(/: secret\.version is .*, expected an integer \(/);
    }
    expect(refusal(() => single({ id: 'K', version: {} })).message).toMatch(/secret\.version is an object,/);
    for (const key of ['created_at', 'modified_at', 'expires_at']) {
      for (const text of ['yesterday', '2025-10-03', '2025-10-03T09:18:10', '2025-10-03T09:18:10+05:3', '2025-13-45T99:99:99Z']) {
        expect(refusal(() => single({ id: 'K', [key]: text })).message, `${key} ${text}`).toMatch(
          new RegExp(`: secret\\.${key} is not an RFC 3339 timestamp \\(`),
        );
      }
    }
    expect(refusal(() => single({ id: 'K', value: 1 })).message).toMatch(/secret\.value is a number, expected a string/);
  });

  it('names the item of a list, reads an absent list as empty, and refuses a list that is not one', () => {
    const many = (body: Record<string, unknown>) => decodeMany(envelope(body), 'alice', { what: 'list secrets', httpStatus: 200 });
    expect(many({})).toEqual([]);
    expect(many({ secrets: [{ id: 'A' }, { id: 'B' }] }).map((s) => s.id)).toEqual(['A', 'B']);
    expect(refusal(() => many({ secrets: [{ id: 'A' }, { id: 2 }] })).message).toMatch(/: secrets\[1\]\.id is a number, expected a string/);
    expect(refusal(() => many({ secrets: {} })).message).toMatch(/: secrets is an object, expected an array/);
  });
});

describe('decodeValues (what a load reads of a list page)', () => {
  const values = (body: Record<string, unknown>) => decodeValues(envelope(body), { what: 'list secrets', httpStatus: 200 });

  it('gives each id and value, and reads no other field', () => {
    expect(values({})).toEqual([]);
    const unread = { version: 'v1', created_at: 'yesterday', modified_at: 5, expires_at: {}, description: [], user_id: 3 };
    expect(values({ secrets: [{ id: 'A', value: 'a', ...unread }, { id: 'B' }] })).toStrictEqual([
      { id: 'A', value: 'a' },
      { id: 'B', value: '' },
    ]);
  });

  it('refuses an id or a value as decodeMany does, naming the item', () => {
    const same = (body: Record<string, unknown>) => {
      const message = refusal(() => values(body)).message;
      expect(refusal(() => decodeMany(envelope(body), 'alice', { what: 'list secrets', httpStatus: 200 })).message).toBe(message);
      return message;
    };
    expect(same({ secrets: [{ id: 'A' }, 'x'] })).toMatch(/: secrets\[1\] is a string, expected an object \(/);
    expect(same({ secrets: [{ id: 'A' }, {}] })).toMatch(/: secrets\[1\]\.id is missing \(/);
    expect(same({ secrets: [{ id: 2 }] })).toMatch(/: secrets\[0\]\.id is a number, expected a string/);
    expect(same({ secrets: [{ id: 'A', value: null }] })).toMatch(/: secrets\[0\]\.value is null, expected a string/);
    expect(same({ secrets: {} })).toMatch(/: secrets is an object, expected an array/);
  });
});

describe('encodeSecret', () => {
  it('sends only the fields given, in snake_case', () => {
    expect(encodeSecret({ id: 'K' })).toStrictEqual({ id: 'K' });
    expect(encodeSecret({ id: 'K', value: '', description: '' })).toStrictEqual({ id: 'K', value: '', description: '' });
    const expiresAt = new Date('2030-01-01T00:00:00Z');
    expect(encodeSecret({ id: 'K', value: 'v', expiresAt })).toStrictEqual({ id: 'K', value: 'v', expires_at: '2030-01-01T00:00:00.000Z' });
  });
});
