import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { call, HEX32, rawExchange } from './helpers.js';

const TOKEN = 'pat-9f8e7d6c5b4a-SENTINEL';
const WRONG = 'wrong-token-0123-SENTINEL';
let emulator: Emulator;
const lines: string[] = [];

beforeAll(async () => {
  emulator = await startEmulator({
    pats: {
      [TOKEN]: 'alice',
      'read-only': { userId: 'alice', scopes: ['Secrets_Get'] },
      'add-only': { userId: 'alice', scopes: ['Secrets_Add'] },
      'delete-only': { userId: 'alice', scopes: ['Secrets_Delete'] },
      'no-scopes': { userId: 'alice', scopes: [] },
    },
    users: { alice: [{ id: 'K', value: 'secret-value-SENTINEL' }] },
    log: (line) => lines.push(line),
  });
});
afterAll(async () => {
  await emulator.close();
});
beforeEach(() => {
  emulator.reset();
});

const auth = `Key ${TOKEN}`;

describe('authentication', () => {
  test.each([
    ['no header', null, 11102],
    ['empty header', '', 11102],
    ['Bearer scheme', `Bearer ${TOKEN}`, 11102],
    ['lower-case key', `key ${TOKEN}`, 11102],
    ['two spaces', `Key  ${TOKEN}`, 11102],
    ['trailing text', `Key ${TOKEN} extra`, 11102],
    ['scheme only', 'Key', 11102],
    ['unknown token', `Key ${WRONG}`, 11008],
  ])('%s -> 401 with %i', async (_, header, code) => {
    const answer = await call(emulator, 'GET', '/v2/users/me/secrets', { auth: header as string | null });
    expect(answer.status).toBe(401);
    expect(answer.json.status.code).toBe(code);
    expect(answer.json.status.req_id).toMatch(HEX32);
    expect(answer.json.secrets).toEqual([]);
    expect(answer.text).not.toContain('SENTINEL');
  });

  test('the unknown-token description is the one Clarifai sends', async () => {
    const answer = await call(emulator, 'GET', '/v2/users/me/secrets/K', { auth: `Key ${WRONG}` });
    expect(answer.json.status.description).toBe('Invalid API key or Invalid API key/application pair');
    expect('secret' in answer.json).toBe(false);
  });

  test.each([
    ['read-only', 'GET', '/v2/users/me/secrets', undefined, 200],
    ['read-only', 'GET', '/v2/users/me/secrets/K', undefined, 200],
    ['read-only', 'POST', '/v2/users/me/secrets', { secrets: [{ id: 'N', value: 'v' }] }, 403],
    ['read-only', 'PATCH', '/v2/users/me/secrets', { secret: [{ id: 'K', value: 'v' }] }, 403],
    ['read-only', 'DELETE', '/v2/users/me/secrets', { ids: ['K'] }, 403],
    ['add-only', 'GET', '/v2/users/me/secrets/K', undefined, 403],
    ['add-only', 'POST', '/v2/users/me/secrets', { secrets: [{ id: 'N', value: 'v' }] }, 200],
    ['add-only', 'PATCH', '/v2/users/me/secrets', { secret: [{ id: 'K', value: 'v' }] }, 200],
    ['add-only', 'DELETE', '/v2/users/me/secrets', { ids: ['K'] }, 403],
    ['delete-only', 'GET', '/v2/users/me/secrets', undefined, 403],
    ['delete-only', 'DELETE', '/v2/users/me/secrets', { ids: ['K'] }, 200],
    ['no-scopes', 'GET', '/v2/users/me/secrets/K', undefined, 403],
  ])('scopes: %s %s %s -> %i', async (token, method, path, body, status) => {
    const answer = await call(emulator, method, path, { auth: `Key ${token}`, ...(body ? { body } : {}) });
    expect(answer.status).toBe(status);
    expect(answer.json.status.code).toBe(status === 200 ? 10000 : 11007);
    if (status === 403) {
      expect(emulator.snapshot('alice')).toEqual([expect.objectContaining({ id: 'K', value: 'secret-value-SENTINEL', version: 1 })]);
      expect(answer.text).not.toContain('secret-value-SENTINEL');
    }
  });
});

describe('paths and methods', () => {
  test.each([
    '/index.html',
    '/v2',
    '/v2/users/me',
    '/v2/users/me/secret',
    '/v2/users//secrets',
    '/v2/users/me/secrets/K/extra',
    '/v2/users/me/secrets/',
    '/v1/users/me/secrets',
    '/v2/users/me/secrets/%E0%A4%A',
  ])('unknown path %s -> 404 11101', async (path) => {
    const answer = await call(emulator, 'GET', path, { auth });
    expect(answer.status).toBe(404);
    expect(answer.json.status.code).toBe(11101);
    expect(answer.json.status.req_id).toMatch(HEX32);
  });

  test.each([
    ['PUT', '/v2/users/me/secrets', 'GET, POST, PATCH, DELETE'],
    ['POST', '/v2/users/me/secrets/K', 'GET'],
    ['DELETE', '/v2/users/me/secrets/K', 'GET'],
    ['PATCH', '/v2/users/me/secrets/K', 'GET'],
  ])('%s %s -> 405 with Allow: %s', async (method, path, allow) => {
    const answer = await call(emulator, method, path, { auth, body: { ids: ['K'] } });
    expect(answer.status).toBe(405);
    expect(answer.headers.get('allow')).toBe(allow);
    expect(answer.json.status).toMatchObject({ code: 11103, description: 'Method not allowed' });
    expect(emulator.snapshot('alice')).toHaveLength(1);
  });
});

describe('request bodies', () => {
  test.each(['{', '{"secrets": [}', 'not json', '{"secrets":[{"id":"A","value":"v"}]}garbage'])('broken JSON %j -> 400 11100', async (raw) => {
    const answer = await call(emulator, 'POST', '/v2/users/me/secrets', { auth, rawBody: raw, headers: { 'content-type': 'application/json' } });
    expect(answer.status).toBe(400);
    expect(answer.json.status.code).toBe(11100);
    expect(answer.json.secrets).toEqual([]);
    expect(emulator.snapshot('alice')).toHaveLength(1);
  });

  test('broken JSON is not echoed back', async () => {
    const answer = await call(emulator, 'POST', '/v2/users/me/secrets', { auth, rawBody: '{"secrets":[{"value":"leak-SENTINEL"' });
    expect(answer.status).toBe(400);
    expect(answer.text).not.toContain('SENTINEL');
  });

  test.each([
    ['POST', { secrets: [{ id: 'A', value: 'v' }], extra: 1 }, '"extra"'],
    ['POST', { secrets: [{ id: 'A', value: 'v', env_var: 'A' }] }, '"env_var"'],
    ['POST', { secrets: [{ id: 'A', value: 'v' }], user_app_id: { user_id: 'me', app: 'x' } }, '"app"'],
    ['PATCH', { secret: [{ id: 'K', value: 'v', name: 'n' }], action: 'overwrite' }, '"name"'],
    ['DELETE', { ids: ['K'], force: true }, '"force"'],
  ])('unknown field: %s %j -> 400 11100 naming %s', async (method, body, field) => {
    const answer = await call(emulator, method, '/v2/users/me/secrets', { auth, body });
    expect(answer.status).toBe(400);
    expect(answer.json.status.code).toBe(11100);
    expect(answer.json.status.details).toContain(field);
    expect(emulator.snapshot('alice')).toEqual([expect.objectContaining({ id: 'K', version: 1 })]);
  });

  test.each([
    ['POST', { secrets: { id: 'A', value: 'v' } }, 'secrets'],
    ['POST', { secrets: [{ id: 'A', value: 42 }] }, 'secrets[0].value'],
    ['POST', { secrets: [{ id: 7, value: 'v' }] }, 'secrets[0].id'],
    ['POST', { secrets: ['A'] }, 'secrets[0]'],
    ['POST', { secrets: [{ id: 'A', value: 'v', version: 'one' }] }, 'secrets[0].version'],
    ['POST', { secrets: [{ id: 'A', value: 'v', version: -1 }] }, 'secrets[0].version'],
    ['POST', { secrets: [{ id: 'A', value: 'v', expires_at: 'tomorrow' }] }, 'secrets[0].expires_at'],
    ['POST', { secrets: [{ id: 'A', value: 'v', expires_at: 1700000000 }] }, 'secrets[0].expires_at'],
    ['POST', [{ id: 'A', value: 'v' }], 'request body'],
    ['POST', 'just a string', 'request body'],
    ['PATCH', { secret: [{ id: 'K', description: ['x'] }] }, 'secret[0].description'],
    ['PATCH', { secret: [{ id: 'K' }], action: 1 }, 'action'],
    ['DELETE', { ids: 'K' }, 'ids'],
    ['DELETE', { ids: [1] }, 'ids[0]'],
  ])('wrong type: %s %j -> 400 11100 at %s', async (method, body, where) => {
    const answer = await call(emulator, method, '/v2/users/me/secrets', { auth, body });
    expect(answer.status).toBe(400);
    expect(answer.json.status.code).toBe(11100);
    expect(answer.json.status.details).toContain(where);
    expect(emulator.snapshot('alice')).toEqual([expect.objectContaining({ id: 'K', version: 1 })]);
  });

  test('null means "not set", as in protojson', async () => {
    const answer = await call(emulator, 'POST', '/v2/users/me/secrets', {
      auth,
      body: { user_app_id: null, secrets: [{ id: 'A', value: 'v', description: null, expires_at: null }] },
    });
    expect(answer.status).toBe(200);
    expect(answer.json.secrets[0].expires_at).toBe('1970-01-01T00:00:00Z');
  });

  test('a body over 16 MiB -> 413, and the connection stays usable for a new request', async () => {
    const big = JSON.stringify({ secrets: [{ id: 'BIG', value: 'x'.repeat(17 * 1024 * 1024) }] });
    const answer = await call(emulator, 'POST', '/v2/users/me/secrets', { auth, rawBody: big });
    expect(answer.status).toBe(413);
    expect(answer.json.status.code).toBe(11100);
    expect(answer.json.secrets).toEqual([]);
    expect(emulator.snapshot('alice').map((s) => s.id)).toEqual(['K']);
    expect(emulator.requests.at(-1)?.body).toBeUndefined();
    const after = await call(emulator, 'GET', '/v2/users/me/secrets', { auth });
    expect(after.status).toBe(200);
  });

  test('a body just under the cap is accepted', async () => {
    const value = 'y'.repeat(16 * 1024 * 1024 - 100);
    const answer = await call(emulator, 'POST', '/v2/users/me/secrets', { auth, body: { secrets: [{ id: 'LARGE', value }] } });
    expect(answer.status).toBe(200);
    expect(emulator.snapshot('alice').find((s) => s.id === 'LARGE')?.value.length).toBe(value.length);
  });
});

describe('never crashes', () => {
  test('arbitrary JSON bodies on every method get a Clarifai JSON answer', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('POST', 'PATCH', 'DELETE'),
        fc.oneof(
          fc.jsonValue(),
          fc.record({ secrets: fc.array(fc.dictionary(fc.constantFrom('id', 'value', 'description', 'expires_at', 'version', 'x'), fc.jsonValue())) }),
          fc.record({ secret: fc.array(fc.dictionary(fc.constantFrom('id', 'value', 'description'), fc.jsonValue())), action: fc.jsonValue() }),
          fc.record({ ids: fc.array(fc.jsonValue()) }),
        ),
        async (method, body) => {
          const answer = await call(emulator, method, '/v2/users/me/secrets', { auth, body });
          expect([200, 400, 404, 409]).toContain(answer.status);
          expect(typeof answer.json.status.code).toBe('number');
          expect(answer.json.status.req_id).toMatch(HEX32);
          expect(Array.isArray(answer.json.secrets)).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  });

  test('arbitrary paths and query strings get a JSON answer', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string(), fc.string(), async (segment, query) => {
        const path = `/v2/users/me/secrets/${encodeURIComponent(segment)}?${encodeURIComponent(query)}`;
        const answer = await call(emulator, 'GET', path, { auth });
        expect([200, 400, 404]).toContain(answer.status);
        expect(typeof answer.json.status.code).toBe('number');
      }),
      { numRuns: 100 },
    );
  });

  test('malformed HTTP gets a 400 JSON answer and the server keeps serving', async () => {
    const { data } = await rawExchange(emulator, 'GARBAGE\r\n\r\n');
    const text = data.toString('utf8');
    expect(text).toMatch(/^HTTP\/1\.1 400 /);
    expect(text).toContain('"code":11100');
    const next = await call(emulator, 'GET', '/v2/users/me/secrets', { auth });
    expect(next.status).toBe(200);
  });
});

describe('req_id', () => {
  test('is fresh per request', async () => {
    const a = await call(emulator, 'GET', '/v2/users/me/secrets', { auth });
    const b = await call(emulator, 'GET', '/v2/users/me/secrets', { auth });
    expect(a.json.status.req_id).toMatch(HEX32);
    expect(b.json.status.req_id).not.toBe(a.json.status.req_id);
  });

  test('carries the X-Clarifai-Request-ID-Prefix, on success and on errors', async () => {
    const ok = await call(emulator, 'GET', '/v2/users/me/secrets', { auth, headers: { 'X-Clarifai-Request-ID-Prefix': 'clarifai-secrets-0.1.0' } });
    expect(ok.json.status.req_id).toMatch(/^clarifai-secrets-0\.1\.0-[0-9a-f]{32}$/);
    const notFound = await call(emulator, 'GET', '/v2/users/me/secrets/NOPE', { auth, headers: { 'x-clarifai-request-id-prefix': 'P' } });
    expect(notFound.json.status.req_id).toMatch(/^P-[0-9a-f]{32}$/);
    const unauthorized = await call(emulator, 'GET', '/v2/users/me/secrets', { auth: null, headers: { 'x-clarifai-request-id-prefix': 'Q' } });
    expect(unauthorized.json.status.req_id).toMatch(/^Q-[0-9a-f]{32}$/);
  });
});

describe('no token anywhere', () => {
  test('responses, the request log and log lines never carry a token', async () => {
    lines.length = 0;
    const answers = [
      await call(emulator, 'GET', '/v2/users/me/secrets', { auth }),
      await call(emulator, 'GET', '/v2/users/me/secrets', { auth: `Key ${WRONG}` }),
      await call(emulator, 'GET', '/v2/users/me/secrets', { auth: `Bearer ${WRONG}` }),
      await call(emulator, 'GET', '/v2/users/me/secrets', { auth, headers: { 'x-clarifai-session-token': WRONG } }),
      await call(emulator, 'GET', '/v2/users/bob/secrets', { auth }),
      await call(emulator, 'GET', '/nowhere', { auth }),
    ];
    for (const answer of answers) {
      expect(answer.text).not.toContain(TOKEN);
      expect(answer.text).not.toContain(WRONG);
    }
    const logged = JSON.stringify(emulator.requests);
    expect(logged).not.toContain(TOKEN);
    expect(logged).not.toContain(WRONG);
    expect(emulator.requests.map((r) => r.headers.authorization)).toEqual([
      'Key <redacted>',
      'Key <redacted>',
      '<redacted>',
      'Key <redacted>',
      'Key <redacted>',
      'Key <redacted>',
    ]);
    expect(emulator.requests[3]?.headers['x-clarifai-session-token']).toBe('<redacted>');
    expect(lines).toHaveLength(6);
    for (const line of lines) {
      expect(line).not.toContain(TOKEN);
      expect(line).not.toContain(WRONG);
    }
  });
});
