/**
 * The emulator's store, through its HTTP API on loopback: what a refused batch says, that it
 * changes nothing, and when a PATCH counts as a change.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { call } from './helpers.js';

const LIST = '/v2/users/me/secrets';
let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator({ users: { alice: [] } });
});
afterAll(async () => {
  await emulator.close();
});
beforeEach(() => {
  emulator.reset();
  emulator.seed('alice', [
    { id: 'KEEP', value: 'store-planted-keep' },
    { id: 'EXP', value: 'store-planted-exp', expiresAt: '2030-01-01T00:00:00.000000001Z' },
  ]);
});

const ids = (): string[] => emulator.snapshot('alice').map((s) => s.id);

describe('a refused batch names every offending id once, and changes nothing', () => {
  test('create of ids that exist, or that the batch repeats: 409', async () => {
    const answer = await call(emulator, 'POST', LIST, {
      body: { secrets: ['NEW', 'KEEP', 'NEW', 'KEEP'].map((id) => ({ id, value: 'v' })) },
    });
    expect(answer.status).toBe(409);
    expect(answer.json.status.details).toBe('secret already exists: KEEP, NEW');
    expect(ids()).toEqual(['KEEP', 'EXP']);
  });

  test('PATCH or DELETE of ids that do not exist: 404', async () => {
    const patched = await call(emulator, 'PATCH', LIST, {
      body: { secret: [{ id: 'GONE', value: 'v' }, { id: 'KEEP', value: 'changed' }, { id: 'ALSO_GONE', value: 'v' }] },
    });
    expect(patched.status).toBe(404);
    expect(patched.json.status.details).toBe('secret not found: GONE, ALSO_GONE');
    expect(emulator.snapshot('alice').find((s) => s.id === 'KEEP')?.value === 'store-planted-keep').toBe(true);
    const deleted = await call(emulator, 'DELETE', LIST, { body: { ids: ['GONE', 'KEEP', 'GONE'] } });
    expect(deleted.status).toBe(404);
    expect(deleted.json.status.details).toBe('secret not found: GONE');
    expect(ids()).toEqual(['KEEP', 'EXP']);
  });
});

describe('PATCH', () => {
  test('an expiry that moves by one nanosecond is a change: a new version', async () => {
    const answer = await call(emulator, 'PATCH', LIST, {
      body: { secret: [{ id: 'EXP', expires_at: '2030-01-01T00:00:00.000000002Z' }], action: 'overwrite' },
    });
    expect(answer.status).toBe(200);
    expect(answer.json.secrets[0]).toMatchObject({ version: 2, expires_at: '2030-01-01T00:00:00.000000002Z' });
    // The same instant again is no change.
    const same = await call(emulator, 'PATCH', LIST, {
      body: { secret: [{ id: 'EXP', expires_at: '2030-01-01T00:00:00.000000002Z' }], action: 'overwrite' },
    });
    expect(same.json.secrets[0].version).toBe(2);
  });

  test('remove clears a value it is given, whatever the text', async () => {
    const answer = await call(emulator, 'PATCH', LIST, { body: { secret: [{ id: 'KEEP', value: 'any' }], action: 'remove' } });
    expect(answer.status).toBe(200);
    const kept = emulator.snapshot('alice').find((s) => s.id === 'KEEP');
    expect(kept?.value).toBe('');
    expect(kept?.version).toBe(2);
  });
});

describe('a user with no secrets yet', () => {
  test('a get is a 404 that names the id, a list is empty, and the first create works', async () => {
    const empty = await startEmulator({});
    try {
      const got = await call(empty, 'GET', `${LIST}/A`);
      expect(got.status).toBe(404);
      expect(got.json.status.details).toBe('secret "A" not found');
      const listed = await call(empty, 'GET', LIST);
      expect(listed.status).toBe(200);
      expect(listed.json.secrets).toEqual([]);
      expect((await call(empty, 'POST', LIST, { body: { secrets: [{ id: 'A', value: 'v' }] } })).status).toBe(200);
    } finally {
      await empty.close();
    }
  });
});
