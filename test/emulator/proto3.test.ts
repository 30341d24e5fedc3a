/**
 * proto3 strings have no presence: `{"value": ""}` and no `value` at all are the same bytes
 * on Clarifai's side, so the emulator must treat them the same, whatever the action.
 */
import { createRequire } from 'node:module';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { call } from './helpers.js';

const require = createRequire(import.meta.url);
// The official generated messages, to show the premise rather than assume it.
const service = require('clarifai-nodejs-grpc/proto/clarifai/api/service_pb') as any;
const resources = require('clarifai-nodejs-grpc/proto/clarifai/api/resources_pb') as any;

const LIST = '/v2/users/me/secrets';
const VALUE = 'sk-proto3-planted-7c1e';
let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator({ users: { alice: [] } });
});
afterAll(async () => {
  await emulator.close();
});
beforeEach(() => {
  emulator.reset();
  emulator.seed('alice', [{ id: 'S', value: VALUE, description: 'kept', expiresAt: '2030-01-01T00:00:00Z' }]);
});

function officialPatchBytes(secret: Record<string, string>, action: string): Buffer {
  const message = new resources.Secret();
  if ('id' in secret) message.setId(secret.id);
  if ('value' in secret) message.setValue(secret.value);
  if ('description' in secret) message.setDescription(secret.description);
  const request = new service.PatchSecretsRequest();
  request.setSecretList([message]);
  request.setAction(action);
  return Buffer.from(request.serializeBinary());
}

describe('an empty string is a field not sent', () => {
  test('the official messages encode both the same (the premise)', () => {
    for (const field of ['value', 'description']) {
      expect(officialPatchBytes({ id: 'S', [field]: '' }, 'overwrite').equals(officialPatchBytes({ id: 'S' }, 'overwrite'))).toBe(true);
    }
  });

  test('PATCH overwrite with an empty value does not wipe the secret', async () => {
    const answer = await call(emulator, 'PATCH', LIST, { body: { secret: [{ id: 'S', value: '' }], action: 'overwrite' } });
    expect(answer.status).toBe(200);
    expect(answer.json.secrets[0]).toMatchObject({ value: VALUE, description: 'kept', version: 1 });
    expect((await call(emulator, 'GET', `${LIST}/S`)).json.secret.value).toBe(VALUE);
  });

  test.each(['overwrite', 'merge', 'remove'])('%s: an empty field and a missing one give the same state', async (action) => {
    for (const field of ['value', 'description']) {
      emulator.reset();
      emulator.seed('alice', [{ id: 'S', value: VALUE, description: 'kept' }]);
      const before = emulator.snapshot('me');
      const empty = await call(emulator, 'PATCH', LIST, { body: { secret: [{ id: 'S', [field]: '' }], action } });
      const afterEmpty = emulator.snapshot('me');
      const missing = await call(emulator, 'PATCH', LIST, { body: { secret: [{ id: 'S' }], action } });
      expect(empty.status).toBe(200);
      expect(missing.status).toBe(200);
      expect(afterEmpty).toEqual(before);
      expect(emulator.snapshot('me')).toEqual(before);
      expect(empty.json.secrets).toEqual(missing.json.secrets);
    }
  });

  test('create: an empty description is none, an empty value is no value (refused)', async () => {
    const created = await call(emulator, 'POST', LIST, { body: { secrets: [{ id: 'N', value: 'n', description: '' }] } });
    expect('description' in created.json.secrets[0]).toBe(false);
    const noValue = await call(emulator, 'POST', LIST, { body: { secrets: [{ id: 'M', value: '' }] } });
    expect(noValue.status).toBe(400);
    expect(noValue.json.status.details).toContain('value is required');
  });

  test('remove clears a field sent with any non-empty content', async () => {
    const answer = await call(emulator, 'PATCH', LIST, { body: { secret: [{ id: 'S', description: 'x' }], action: 'remove' } });
    expect(answer.json.secrets[0]).toMatchObject({ value: VALUE, version: 2 });
    expect('description' in answer.json.secrets[0]).toBe(false);
  });

  test('expires_at is a message, so it has presence: the zero timestamp is sent and applied', async () => {
    const answer = await call(emulator, 'PATCH', LIST, {
      body: { secret: [{ id: 'S', expires_at: '1970-01-01T00:00:00Z' }], action: 'overwrite' },
    });
    expect(answer.json.secrets[0]).toMatchObject({ expires_at: '1970-01-01T00:00:00Z', version: 2, description: 'kept' });
  });
});
