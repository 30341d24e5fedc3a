/**
 * Every response the emulator gives uses only field names that Clarifai's own protos
 * define (read from clarifai-nodejs-grpc), at every depth, and always a full status.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { assertProtoShape, protoFields } from '../support/proto-fields.js';
import { call, HEX32 } from './helpers.js';

let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator({
    pats: { good: 'u', 'read-only': { userId: 'u', scopes: ['Secrets_Get'] } },
    users: { u: [{ id: 'K', value: 'kv', description: 'd', expiresAt: '2031-01-01T00:00:00Z' }, { id: 'L', value: 'lv' }] },
  });
});
afterAll(async () => {
  await emulator.close();
});

type Case = [label: string, message: string, method: string, path: string, body?: unknown, auth?: string | null];

const LIST = '/v2/users/me/secrets';
const cases: Case[] = [
  ['get', 'SingleSecretResponse', 'GET', `${LIST}/K`],
  ['get missing', 'SingleSecretResponse', 'GET', `${LIST}/NOPE`],
  ['get unauthenticated', 'SingleSecretResponse', 'GET', `${LIST}/K`, undefined, null],
  ['get unknown token', 'SingleSecretResponse', 'GET', `${LIST}/K`, undefined, 'Key bad'],
  ['get other user', 'SingleSecretResponse', 'GET', '/v2/users/other/secrets/K'],
  ['list', 'MultiSecretResponse', 'GET', `${LIST}?per_page=10`],
  ['list past the end', 'MultiSecretResponse', 'GET', `${LIST}?page=50`],
  ['list bad page', 'MultiSecretResponse', 'GET', `${LIST}?page=x`],
  ['list unauthenticated', 'MultiSecretResponse', 'GET', LIST, undefined, null],
  ['create', 'MultiSecretResponse', 'POST', LIST, { secrets: [{ id: 'NEW', value: 'n', description: 'nd' }] }],
  ['create duplicate', 'MultiSecretResponse', 'POST', LIST, { secrets: [{ id: 'K', value: 'x' }] }],
  ['create unknown field', 'MultiSecretResponse', 'POST', LIST, { secrets: [{ id: 'Z', value: 'x', bogus: 1 }] }],
  ['create without scope', 'MultiSecretResponse', 'POST', LIST, { secrets: [{ id: 'Z', value: 'x' }] }, 'Key read-only'],
  ['patch', 'MultiSecretResponse', 'PATCH', LIST, { secret: [{ id: 'L', value: 'lv2' }], action: 'overwrite' }],
  ['patch remove', 'MultiSecretResponse', 'PATCH', LIST, { secret: [{ id: 'NEW', description: 'x' }], action: 'remove' }],
  ['patch missing', 'MultiSecretResponse', 'PATCH', LIST, { secret: [{ id: 'GHOST', value: 'x' }], action: 'overwrite' }],
  ['delete', 'MultiSecretResponse', 'DELETE', LIST, { ids: ['NEW'] }],
  ['delete missing', 'MultiSecretResponse', 'DELETE', LIST, { ids: ['GHOST'] }],
  ['unknown path', 'BaseResponse', 'GET', '/v2/models'],
  ['method not allowed', 'BaseResponse', 'PUT', LIST],
];

describe('proto conformance of every response', () => {
  test.each(cases)('%s', async (_label, message, method, path, body, auth) => {
    const answer = await call(emulator, method, path, {
      auth: auth === undefined ? 'Key good' : auth,
      ...(body !== undefined ? { body } : {}),
    });
    expect(answer.headers.get('content-type')).toBe('application/json; charset=UTF-8');
    assertProtoShape(message, answer.json);
    const { status } = answer.json;
    expect(typeof status.code).toBe('number');
    expect(status.description).toEqual(expect.any(String));
    expect(status.description).not.toBe('');
    expect(status.req_id).toMatch(HEX32);
    if (message === 'MultiSecretResponse') expect(Array.isArray(answer.json.secrets)).toBe(true);
    if (message === 'SingleSecretResponse' && status.code !== 10000) expect(answer.json).not.toHaveProperty('secret');
    // proto3: no empty strings, no zero numbers, no nulls anywhere in a response.
    JSON.stringify(answer.json, (key, value) => {
      if (key !== '') {
        expect(value, key).not.toBe('');
        expect(value, key).not.toBe(0);
        expect(value, key).not.toBeNull();
      }
      return value;
    });
  });

  test('fault bodies conform too', async () => {
    emulator.inject({ kind: 'throttle', retryAfter: 1 });
    emulator.inject({ kind: 'error', status: 500, code: 98004, details: 'x' });
    assertProtoShape('MultiSecretResponse', (await call(emulator, 'GET', LIST, { auth: 'Key good' })).json);
    assertProtoShape('SingleSecretResponse', (await call(emulator, 'GET', `${LIST}/K`, { auth: 'Key good' })).json);
  });

  test('every Secret field the proto defines is sent for a full secret', async () => {
    const answer = await call(emulator, 'GET', `${LIST}/K`, { auth: 'Key good' });
    expect(Object.keys(answer.json.secret).sort()).toEqual(protoFields('Secret').sort());
  });
});

describe('the proto-fields helper', () => {
  test('reads the real field names', () => {
    expect(protoFields('Secret')).toEqual(['id', 'user_id', 'value', 'version', 'description', 'created_at', 'modified_at', 'expires_at']);
    expect(protoFields('PatchSecretsRequest')).toEqual(['user_app_id', 'secret', 'action']);
    expect(protoFields('PostSecretsRequest')).toEqual(['user_app_id', 'secrets']);
    expect(protoFields('DeleteSecretsRequest')).toEqual(['user_app_id', 'ids']);
    expect(protoFields('ListSecretsRequest')).toEqual(['user_app_id', 'page', 'per_page']);
    expect(protoFields('SingleSecretResponse')).toEqual(['status', 'secret']);
    expect(protoFields('MultiSecretResponse')).toEqual(['status', 'secrets']);
    expect(protoFields('Status')).toEqual(expect.arrayContaining(['code', 'description', 'details', 'req_id', 'developer_notes']));
    expect(protoFields('Status')).not.toContain('http_status_code');
    expect(() => protoFields('NoSuchMessage')).toThrow(/NoSuchMessage/);
  });

  test('throws naming a field the proto lacks, at any depth', () => {
    expect(() => assertProtoShape('PatchSecretsRequest', { secrets: [], action: 'overwrite' })).toThrow(
      'PatchSecretsRequest.secrets: field "secrets" is not defined in PatchSecretsRequest',
    );
    expect(() => assertProtoShape('MultiSecretResponse', { status: { code: 1 }, secrets: [{ id: 'a', userId: 'u' }] })).toThrow(
      /secrets\[0\]\.userId: field "userId" is not defined in Secret/,
    );
    expect(() => assertProtoShape('SingleSecretResponse', { status: { code: 1, http_status_code: 200 } })).toThrow(/http_status_code/);
    expect(() => assertProtoShape('PostSecretsRequest', { user_app_id: { user_id: 'me', appId: 'x' } })).toThrow(/appId/);
  });

  test('throws on a message where a list belongs and the reverse', () => {
    expect(() => assertProtoShape('MultiSecretResponse', { secrets: { id: 'a' } })).toThrow(/expected a list/);
    expect(() => assertProtoShape('SingleSecretResponse', { secret: [{ id: 'a' }] })).toThrow(/expected a JSON object/);
  });

  test('accepts well-formed bodies', () => {
    expect(() => assertProtoShape('PatchSecretsRequest', { user_app_id: { user_id: 'me' }, secret: [{ id: 'a', value: 'v' }], action: 'overwrite' })).not.toThrow();
    expect(() => assertProtoShape('DeleteSecretsRequest', { ids: ['a', 'b'] })).not.toThrow();
  });
});
