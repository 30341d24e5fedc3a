import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { call, HEX32, RFC3339_UTC } from './helpers.js';

let emulator: Emulator;

beforeEach(async () => {
  emulator = await startEmulator({
    port: 0,
    users: { alice: [{ id: 'EXISTING', value: 'v0', description: 'seeded' }] },
  });
});
afterEach(async () => {
  await emulator.close();
});

describe('GET one', () => {
  test('returns the secret with every field in snake_case, status first', async () => {
    const answer = await call(emulator, 'GET', '/v2/users/me/secrets/EXISTING');
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('application/json; charset=UTF-8');
    expect(Object.keys(answer.json)).toEqual(['status', 'secret']);
    expect(answer.json.status).toEqual({ code: 10000, description: 'Ok', req_id: expect.stringMatching(HEX32) });
    const secret = answer.json.secret;
    expect(Object.keys(secret)).toEqual(['id', 'user_id', 'value', 'version', 'description', 'created_at', 'modified_at', 'expires_at']);
    expect(secret).toMatchObject({ id: 'EXISTING', user_id: 'alice', value: 'v0', version: 1, description: 'seeded' });
    expect(secret.created_at).toMatch(RFC3339_UTC);
    expect(secret.modified_at).toBe(secret.created_at);
    expect(secret.expires_at).toBe('1970-01-01T00:00:00Z');
  });

  test('the owner id works like me', async () => {
    const answer = await call(emulator, 'GET', '/v2/users/alice/secrets/EXISTING');
    expect(answer.status).toBe(200);
    expect(answer.json.secret.value).toBe('v0');
  });

  test('leaves out an empty description (proto3)', async () => {
    emulator.seed('alice', [{ id: 'bare', value: 'x' }]);
    const answer = await call(emulator, 'GET', '/v2/users/me/secrets/bare');
    expect('description' in answer.json.secret).toBe(false);
  });

  test('a missing secret is 404 with 11101 and no secret field', async () => {
    const answer = await call(emulator, 'GET', '/v2/users/me/secrets/NOPE');
    expect(answer.status).toBe(404);
    expect(answer.json.status.code).toBe(11101);
    expect(answer.json.status.description).toBe('Resource does not exist');
    expect(answer.json.status.req_id).toMatch(HEX32);
    expect('secret' in answer.json).toBe(false);
    expect('secrets' in answer.json).toBe(false);
  });
});

describe('ids the API could not mean', () => {
  test.each(['with space', 'a%25b', 'a%3Fb', 'a%23b', '%2E%2E', '.', 'a%2Fb'])('GET one of %j is no route, never another one', async (segment) => {
    const answer = await call(emulator, 'GET', `/v2/users/me/secrets/${segment}`);
    expect(answer.status).toBe(404);
    expect('secrets' in answer.json).toBe(false);
  });

  test.each(['%2E%2E', 'a%2Fb', 'a%20b'])('a user id of %j is no route', async (segment) => {
    const answer = await call(emulator, 'GET', `/v2/users/${segment}/secrets`);
    expect(answer.status).toBe(404);
  });

  test.each(['with space', 'a?b', 'a#b', '50%', '..'])('create of %j is refused, naming the rule', async (id) => {
    const created = await call(emulator, 'POST', '/v2/users/me/secrets', { body: { secrets: [{ id, value: 'val' }] } });
    expect(created.status).toBe(400);
    expect(created.json.status.details ?? created.json.status.description).toMatch(/secret id must not/);
  });
});

describe('ids', () => {
  const ids = ['openai-key', 'OPENAI_KEY_2025', 'a.b', 'x', 'ünïcödé-ключ', 'with_underscore', 'a'.repeat(256)];
  test.each(ids)('create, get, list and delete work for %j', async (id) => {
    const created = await call(emulator, 'POST', '/v2/users/me/secrets', { body: { secrets: [{ id, value: 'val' }] } });
    expect(created.status).toBe(200);
    expect(created.json.secrets[0].id).toBe(id);
    const got = await call(emulator, 'GET', `/v2/users/me/secrets/${encodeURIComponent(id)}`);
    expect(got.status).toBe(200);
    expect(got.json.secret.id).toBe(id);
    const list = await call(emulator, 'GET', '/v2/users/me/secrets');
    expect(list.json.secrets.map((s: { id: string }) => s.id)).toContain(id);
    const deleted = await call(emulator, 'DELETE', '/v2/users/me/secrets', { body: { ids: [id] } });
    expect(deleted.status).toBe(200);
    expect(emulator.snapshot('alice').map((s) => s.id)).not.toContain(id);
  });

  test.each([
    ['empty', ''],
    ['too long', 'a'.repeat(257)],
    ['slash', 'a/b'],
    ['newline', 'a\nb'],
    ['NUL', 'a\u0000b'],
    ['DEL', 'a\u007fb'],
  ])('refuses an id that is %s with 400 11102', async (_, id) => {
    const answer = await call(emulator, 'POST', '/v2/users/me/secrets', { body: { secrets: [{ id, value: 'v' }] } });
    expect(answer.status).toBe(400);
    expect(answer.json.status.code).toBe(11102);
    expect(answer.json.secrets).toEqual([]);
    expect(emulator.snapshot('alice')).toHaveLength(1);
  });
});

describe('POST create', () => {
  test('creates a batch in order, version 1, created_at == modified_at', async () => {
    const before = Date.now();
    const answer = await call(emulator, 'POST', '/v2/users/me/secrets', {
      body: {
        secrets: [
          { id: 'A', value: 'va', description: 'first' },
          { id: 'B', value: 'vb', expires_at: '2030-01-02T03:04:05.5+01:00' },
        ],
      },
    });
    expect(answer.status).toBe(200);
    expect(Object.keys(answer.json)).toEqual(['status', 'secrets']);
    expect(answer.json.status.code).toBe(10000);
    const [a, b] = answer.json.secrets;
    expect(a).toMatchObject({ id: 'A', user_id: 'alice', value: 'va', version: 1, description: 'first', expires_at: '1970-01-01T00:00:00Z' });
    expect(b).toMatchObject({ id: 'B', value: 'vb', version: 1, expires_at: '2030-01-02T02:04:05.500Z' });
    expect('description' in b).toBe(false);
    expect(a.created_at).toBe(a.modified_at);
    expect(Date.parse(a.created_at)).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(a.created_at)).toBeLessThanOrEqual(Date.now() + 1000);
    expect(emulator.snapshot('alice').map((s) => s.id)).toEqual(['EXISTING', 'A', 'B']);
  });

  test('the server owns user_id, version and the timestamps: sent values are ignored', async () => {
    const answer = await call(emulator, 'POST', '/v2/users/me/secrets', {
      body: { user_app_id: { user_id: 'me' }, secrets: [{ id: 'S', value: 'v', user_id: 'mallory', version: 7, created_at: '2001-01-01T00:00:00Z' }] },
    });
    expect(answer.status).toBe(200);
    expect(answer.json.secrets[0]).toMatchObject({ user_id: 'alice', version: 1 });
    expect(answer.json.secrets[0].created_at).not.toBe('2001-01-01T00:00:00Z');
  });

  test('accepts protojson lowerCamelCase names too', async () => {
    const answer = await call(emulator, 'POST', '/v2/users/me/secrets', {
      body: { userAppId: { userId: 'me' }, secrets: [{ id: 'C', value: 'v', expiresAt: '2031-01-01T00:00:00Z' }] },
    });
    expect(answer.status).toBe(200);
    expect(answer.json.secrets[0].expires_at).toBe('2031-01-01T00:00:00Z');
  });

  test('a duplicate of an existing id is 409 40010 and creates nothing of the batch', async () => {
    const answer = await call(emulator, 'POST', '/v2/users/me/secrets', {
      body: { secrets: [{ id: 'NEW', value: 'n' }, { id: 'EXISTING', value: 'x' }] },
    });
    expect(answer.status).toBe(409);
    expect(answer.json.status.code).toBe(40010);
    expect(answer.json.status.details).toContain('EXISTING');
    expect(answer.json.secrets).toEqual([]);
    expect(emulator.snapshot('alice').map((s) => s.id)).toEqual(['EXISTING']);
    expect(emulator.snapshot('alice')[0]?.value).toBe('v0');
  });

  test('an id twice in one batch is a duplicate too', async () => {
    const answer = await call(emulator, 'POST', '/v2/users/me/secrets', {
      body: { secrets: [{ id: 'D', value: '1' }, { id: 'D', value: '2' }] },
    });
    expect(answer.status).toBe(409);
    expect(answer.json.status.code).toBe(40010);
    expect(emulator.snapshot('alice')).toHaveLength(1);
  });

  test('a value is required, an empty batch is refused', async () => {
    const noValue = await call(emulator, 'POST', '/v2/users/me/secrets', { body: { secrets: [{ id: 'E' }] } });
    expect(noValue.status).toBe(400);
    expect(noValue.json.status.code).toBe(11102);
    const empty = await call(emulator, 'POST', '/v2/users/me/secrets', { body: { secrets: [] } });
    expect(empty.status).toBe(400);
    expect(empty.json.status.code).toBe(11102);
    expect(empty.json.secrets).toEqual([]);
  });

  test('a value may be long and hold any characters', async () => {
    const value = 'line1\nline2 "quoted" \'single\' $HOME `tick` \\ ключ 🔑 '.repeat(2000);
    const created = await call(emulator, 'POST', '/v2/users/me/secrets', { body: { secrets: [{ id: 'BIG', value }] } });
    expect(created.status).toBe(200);
    const got = await call(emulator, 'GET', '/v2/users/me/secrets/BIG');
    expect(got.json.secret.value).toBe(value);
  });
});

describe('PATCH update', () => {
  test('overwrite replaces the given fields, bumps version and modified_at, keeps created_at', async () => {
    const [before] = emulator.snapshot('alice');
    const answer = await call(emulator, 'PATCH', '/v2/users/me/secrets', {
      body: { secret: [{ id: 'EXISTING', value: 'v1' }], action: 'overwrite' },
    });
    expect(answer.status).toBe(200);
    expect(Object.keys(answer.json)).toEqual(['status', 'secrets']);
    const s = answer.json.secrets[0];
    expect(s).toMatchObject({ id: 'EXISTING', value: 'v1', description: 'seeded', version: 2 });
    expect(s.created_at).toBe(before?.createdAt);
    expect(s.modified_at > s.created_at).toBe(true);
    expect(emulator.snapshot('alice')[0]).toMatchObject({ value: 'v1', version: 2 });
  });

  test('merge behaves like overwrite; a missing action means overwrite', async () => {
    const merged = await call(emulator, 'PATCH', '/v2/users/me/secrets', {
      body: { secret: [{ id: 'EXISTING', description: 'merged' }], action: 'merge' },
    });
    expect(merged.json.secrets[0]).toMatchObject({ value: 'v0', description: 'merged', version: 2 });
    const noAction = await call(emulator, 'PATCH', '/v2/users/me/secrets', { body: { secret: [{ id: 'EXISTING', value: 'w' }] } });
    expect(noAction.json.secrets[0]).toMatchObject({ value: 'w', description: 'merged', version: 3 });
  });

  test('remove clears the fields sent (non-empty: an empty one is not sent) and only those', async () => {
    emulator.seed('alice', [{ id: 'R', value: 'rv', description: 'rd', expiresAt: '2030-01-01T00:00:00Z' }]);
    const answer = await call(emulator, 'PATCH', '/v2/users/me/secrets', {
      body: { secret: [{ id: 'R', description: 'any', expires_at: '2030-01-01T00:00:00Z' }], action: 'remove' },
    });
    expect(answer.status).toBe(200);
    const s = answer.json.secrets[0];
    expect(s.value).toBe('rv');
    expect('description' in s).toBe(false);
    expect(s.expires_at).toBe('1970-01-01T00:00:00Z');
  });

  test('a PATCH that changes nothing leaves version and modified_at alone', async () => {
    const [before] = emulator.snapshot('alice');
    const answer = await call(emulator, 'PATCH', '/v2/users/me/secrets', {
      body: { secret: [{ id: 'EXISTING', value: 'v0' }], action: 'overwrite' },
    });
    expect(answer.json.secrets[0]).toMatchObject({ version: 1, modified_at: before?.modifiedAt });
  });

  test('a missing id fails the whole batch with 404 11101 and changes nothing', async () => {
    const answer = await call(emulator, 'PATCH', '/v2/users/me/secrets', {
      body: { secret: [{ id: 'EXISTING', value: 'changed' }, { id: 'GHOST', value: 'x' }], action: 'overwrite' },
    });
    expect(answer.status).toBe(404);
    expect(answer.json.status.code).toBe(11101);
    expect(answer.json.status.details).toContain('GHOST');
    expect(answer.json.secrets).toEqual([]);
    expect(emulator.snapshot('alice')[0]).toMatchObject({ value: 'v0', version: 1 });
  });

  test('the plural key "secrets" is an unknown field of PatchSecretsRequest', async () => {
    const answer = await call(emulator, 'PATCH', '/v2/users/me/secrets', {
      body: { secrets: [{ id: 'EXISTING', value: 'x' }], action: 'overwrite' },
    });
    expect(answer.status).toBe(400);
    expect(answer.json.status.code).toBe(11100);
    expect(answer.json.status.details).toContain('"secrets"');
    expect(emulator.snapshot('alice')[0]?.value).toBe('v0');
  });

  test('an unknown action, a duplicate id or an empty batch is 400 11102', async () => {
    for (const body of [
      { secret: [{ id: 'EXISTING', value: 'x' }], action: 'replace' },
      { secret: [{ id: 'EXISTING', value: 'x' }, { id: 'EXISTING', value: 'y' }] },
      { secret: [] },
      {},
    ]) {
      const answer = await call(emulator, 'PATCH', '/v2/users/me/secrets', { body });
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.json.status.code).toBe(11102);
    }
    expect(emulator.snapshot('alice')[0]?.value).toBe('v0');
  });
});

describe('DELETE', () => {
  test('deletes a batch and answers with "secrets": []', async () => {
    emulator.seed('alice', [{ id: 'X', value: '1' }, { id: 'Y', value: '2' }]);
    const answer = await call(emulator, 'DELETE', '/v2/users/me/secrets', { body: { ids: ['X', 'Y'] } });
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ status: { code: 10000, description: 'Ok', req_id: expect.stringMatching(HEX32) }, secrets: [] });
    expect(emulator.snapshot('alice').map((s) => s.id)).toEqual(['EXISTING']);
  });

  test('a missing id fails the whole batch and deletes nothing', async () => {
    const answer = await call(emulator, 'DELETE', '/v2/users/me/secrets', { body: { ids: ['EXISTING', 'GHOST'] } });
    expect(answer.status).toBe(404);
    expect(answer.json.status.code).toBe(11101);
    expect(answer.json.secrets).toEqual([]);
    expect(emulator.snapshot('alice')).toHaveLength(1);
  });

  test('needs a body with ids', async () => {
    const answer = await call(emulator, 'DELETE', '/v2/users/me/secrets');
    expect(answer.status).toBe(400);
    expect(answer.json.status.code).toBe(11102);
    expect(emulator.snapshot('alice')).toHaveLength(1);
  });
});

describe('users and tokens', () => {
  test('each token sees its owner through me; another user is 403 11007', async () => {
    const multi = await startEmulator({
      pats: { 'tok-a': 'alice', 'tok-b': 'bob' },
      users: { alice: [{ id: 'K', value: 'alice-value' }], bob: [{ id: 'K', value: 'bob-value' }] },
    });
    try {
      const a = await call(multi, 'GET', '/v2/users/me/secrets/K', { auth: 'Key tok-a' });
      const b = await call(multi, 'GET', '/v2/users/me/secrets/K', { auth: 'Key tok-b' });
      expect(a.json.secret).toMatchObject({ value: 'alice-value', user_id: 'alice' });
      expect(b.json.secret).toMatchObject({ value: 'bob-value', user_id: 'bob' });
      const cross = await call(multi, 'GET', '/v2/users/bob/secrets/K', { auth: 'Key tok-a' });
      expect(cross.status).toBe(403);
      expect(cross.json.status.code).toBe(11007);
      expect(cross.text).not.toContain('bob-value');
      const crossList = await call(multi, 'GET', '/v2/users/bob/secrets', { auth: 'Key tok-a' });
      expect(crossList.status).toBe(403);
      expect(crossList.json.secrets).toEqual([]);
    } finally {
      await multi.close();
    }
  });

  test('a plain token array belongs to the default user (first key of users, else emulator-user)', async () => {
    const plain = await startEmulator({ pats: ['t1', 't2'] });
    try {
      expect(plain.defaultUserId).toBe('emulator-user');
      const created = await call(plain, 'POST', '/v2/users/me/secrets', { auth: 'Key t2', body: { secrets: [{ id: 'Z', value: 'z' }] } });
      expect(created.json.secrets[0].user_id).toBe('emulator-user');
      const got = await call(plain, 'GET', '/v2/users/emulator-user/secrets/Z', { auth: 'Key t1' });
      expect(got.status).toBe(200);
      const defaultToken = await call(plain, 'GET', '/v2/users/me/secrets/Z');
      expect(defaultToken.status).toBe(401);
    } finally {
      await plain.close();
    }
  });

  test('startEmulator refuses bad options', async () => {
    await expect(startEmulator({ port: 70000 })).rejects.toThrow(/port/);
    await expect(startEmulator({ pats: ['has space'] })).rejects.toThrow(/PAT/);
    await expect(startEmulator({ users: { me: [] } })).rejects.toThrow(/user id/);
    await expect(startEmulator({ users: { u: [{ id: 'a/b', value: 'v' }] } })).rejects.toThrow(/invalid seed/);
  });
});
