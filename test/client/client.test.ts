/**
 * The client against the emulator over real loopback HTTP, through both transports it can
 * use: undici (library and CLI) and Node's http (the preload's startup path).
 */
import { createServer } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SecretsClient, type SecretsClientOptions, clientFor } from '../../src/api/client.js';
import { resolveConfig } from '../../src/settings/config.js';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { SecretsError, isSecretsError } from '../../src/errors.js';
import { nodeTransport } from '../../src/api/transport/node-http.js';
import type { Transport } from '../../src/api/transport/types.js';
import { undiciTransport } from '../../src/api/transport/undici.js';
import { assertProtoShape } from '../support/proto-fields.js';

const PAT = 'pat-CLIENT-7f3a9c21e5d84b60';
const VALUE = 'sk-planted-CLIENT-VALUE-91b2c3';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ pats: { [PAT]: 'alice', 'pat-readonly-000': { userId: 'alice', scopes: ['Secrets_Get'] } }, users: { alice: [] } });
});
afterAll(() => emulator.close());
afterEach(() => {
  emulator.reset();
  emulator.clearFaults();
  emulator.clearRequests();
});

const transports: Array<[string, Transport]> = [
  ['undici', undiciTransport()],
  ['node:http', nodeTransport],
];

/** Every error the client throws is checked for the planted token and value. */
async function failure(promise: Promise<unknown>): Promise<SecretsError> {
  try {
    await promise;
  } catch (error) {
    if (!isSecretsError(error)) throw error;
    const text = `${error.message} ${String(error.cause ?? '')} ${JSON.stringify(error)}`;
    expect(text.includes(PAT), 'the token leaked into an error').toBe(false);
    expect(text.includes(VALUE), 'a value leaked into an error').toBe(false);
    return error;
  }
  throw new Error('expected a SecretsError');
}

describe.each(transports)('SecretsClient over %s', (_name, transport) => {
  const client = (options: { pat?: string; userId?: string; timeout?: number; baseUrl?: string } = {}) =>
    clientFor(resolveConfig({ envFile: false, pat: PAT, baseUrl: emulator.url, cacheDir: false, ...options }, {}), transport);

  it('creates, gets, lists, updates and deletes, on the wire exactly as Clarifai expects', async () => {
    const c = client();
    const [created] = await c.create([{ id: 'openai-key', value: VALUE, description: 'OpenAI' }]);
    expect(created).toMatchObject({ id: 'openai-key', value: VALUE, version: 1, description: 'OpenAI', userId: 'alice' });
    expect(created?.createdAt).toBeInstanceOf(Date);
    expect(created).not.toHaveProperty('expiresAt');

    expect((await c.get('openai-key')).value).toBe(VALUE);
    expect((await c.list({ page: 1, perPage: 10 })).map((s) => s.id)).toEqual(['openai-key']);
    const [updated] = await c.update([{ id: 'openai-key', value: 'v2' }]);
    expect(updated?.value).toBe('v2');
    await c.delete(['openai-key']);
    expect((await failure(c.get('openai-key'))).code).toBe('ERR_NOT_FOUND');

    const [post, get, list, patch, del] = emulator.requests;
    expect(post).toMatchObject({ method: 'POST', path: '/v2/users/me/secrets' });
    // The log redacts the token; the 200 shows the emulator accepted `Key <PAT>` exactly.
    expect(post?.headers['authorization']).toBe('Key <redacted>');
    expect(post?.status).toBe(200);
    expect(post?.headers['content-type']).toBe('application/json');
    expect(post?.body).toEqual({ secrets: [{ id: 'openai-key', value: VALUE, description: 'OpenAI' }] });
    expect(get).toMatchObject({ method: 'GET', path: '/v2/users/me/secrets/openai-key' });
    expect(list?.query).toEqual({ page: '1', per_page: '10' });
    // The singular `secret` key, and the overwrite action.
    expect(patch).toMatchObject({ method: 'PATCH', body: { secret: [{ id: 'openai-key', value: 'v2' }], action: 'overwrite' } });
    expect(del).toMatchObject({ method: 'DELETE', body: { ids: ['openai-key'] } });
  });

  it('sends only fields that the official protos define', async () => {
    const c = client();
    await c.create([{ id: 'A', value: 'a', description: 'd', expiresAt: new Date('2030-01-01T00:00:00Z') }]);
    await c.patch([{ id: 'A', description: 'e' }], 'remove');
    await c.update([{ id: 'A', value: 'b' }]);
    await c.delete(['A']);
    const bodies = emulator.requests.map((r) => [r.method, r.body] as const);
    assertProtoShape('PostSecretsRequest', bodies[0]?.[1]);
    assertProtoShape('PatchSecretsRequest', bodies[1]?.[1]);
    assertProtoShape('PatchSecretsRequest', bodies[2]?.[1]);
    assertProtoShape('DeleteSecretsRequest', bodies[3]?.[1]);
    expect(bodies[0]?.[1]).toMatchObject({ secrets: [{ expires_at: '2030-01-01T00:00:00.000Z' }] });
  });

  it('encodes ids and user ids in the path', async () => {
    emulator.seed('alice', [{ id: 'ключ-ü.ok', value: 'x' }]);
    expect((await client({ userId: 'alice' }).get('ключ-ü.ok')).value).toBe('x');
    expect(emulator.requests[0]?.path).toBe(`/v2/users/alice/secrets/${encodeURIComponent('ключ-ü.ok')}`);
  });

  it('refuses, before any request, an id or user id the API could not mean', async () => {
    for (const id of ['..', '.', 'a/b', 'a b', 'a?b', 'a#b', '50%', 'a\u0007b']) {
      await expect(client().get(id), id).rejects.toMatchObject({ code: 'ERR_CONFIG', message: expect.stringMatching(/is not an id the API could mean/) });
      await expect(client().delete([id]), id).rejects.toMatchObject({ code: 'ERR_CONFIG' });
      await expect(client().update([{ id, value: 'v' }]), id).rejects.toMatchObject({ code: 'ERR_CONFIG' });
    }
    for (const userId of ['..', '.', 'a/b', 'a%2Fb', 'a b']) expect(() => client({ userId }), userId).toThrow(/is not a user id the API could mean/);
    expect(emulator.requests).toEqual([]);
  });

  it('refuses to create what no selection could name, before any request', async () => {
    for (const id of ['a,b', 'a*', 'a=b', 'a;b', '@file', 'maybe?', '..', 'a b']) {
      await expect(client().create([{ id, value: 'v' }]), id).rejects.toMatchObject({ code: 'ERR_CONFIG' });
    }
    expect(emulator.requests).toEqual([]);
  });

  it('walks every page until an empty one, even when the server caps per_page', async () => {
    emulator.seed('alice', Array.from({ length: 25 }, (_, i) => ({ id: `K${String(i).padStart(2, '0')}`, value: `v${i}` })));
    emulator.setPerPageCap(10);
    const ids: string[] = [];
    for await (const secret of client().listAll()) ids.push(secret.id);
    expect(ids).toHaveLength(25);
    expect(new Set(ids).size).toBe(25);
    // 10 + 10 + 5 + an empty page; a short page did not end the walk early.
    expect(emulator.requests.map((r) => r.query['page']).sort()).toEqual(['1', '2', '3', '4']);
    expect(emulator.requests.every((r) => r.query['per_page'] === '1000')).toBe(true);
  });

  it('listValues walks the same pages for a load, reading only ids and values', async () => {
    emulator.seed('alice', Array.from({ length: 25 }, (_, i) => ({ id: `K${String(i).padStart(2, '0')}`, value: `v${i}` })));
    emulator.setPerPageCap(10);
    const badTimestamps = () =>
      emulator.inject({ kind: 'transform', transform: (json) => ({ ...json, secrets: (json['secrets'] as object[]).map((s) => ({ ...s, created_at: 'yesterday' })) }) }, { path: /page=1&/ });
    badTimestamps();
    const items: Array<{ id: string; value: string }> = [];
    for await (const item of client().listValues()) items.push(item);
    expect(items).toHaveLength(25);
    expect(items[0]).toStrictEqual({ id: 'K00', value: 'v0' });
    expect(emulator.requests.map((r) => r.query['page']).sort()).toEqual(['1', '2', '3', '4']);
    // The same answer fails a walk that returns whole secrets.
    emulator.clearRequests();
    badTimestamps();
    const error = await failure((async () => { for await (const _ of client().listAll()) { /* walk */ } })());
    expect(error.message).toMatch(/secrets\[0\]\.created_at is not an RFC 3339 timestamp/);
  });

  it('asks for pages 1 and 2 together over plain HTTP, so a one-page account costs one round trip', async () => {
    emulator.seed('alice', [{ id: 'A', value: 'a' }]);
    emulator.inject({ kind: 'latency', ms: 300 }, { times: 2 });
    const started = Date.now();
    const ids: string[] = [];
    for await (const secret of client().listAll()) ids.push(secret.id);
    expect(ids).toEqual(['A']);
    // Two 300 ms answers in parallel, not one after the other.
    expect(Date.now() - started).toBeLessThan(550);
    expect(emulator.requests).toHaveLength(2);
  });

  it('leaves no request for page 2 running once page 1 has failed', async () => {
    emulator.seed('alice', [{ id: 'A', value: 'a' }]);
    emulator.inject({ kind: 'error', status: 401, code: 11008 }, { path: /page=1&/ });
    // Page 2 would be retried again and again, long after the walk has ended.
    emulator.inject({ kind: 'error', status: 503, code: 98004 }, { path: /page=2&/, times: Infinity });
    const error = await failure((async () => { for await (const _ of client({ timeout: 5000 }).listAll()) { /* walk */ } })());
    expect(error.code).toBe('ERR_AUTH');
    const seen = emulator.requests.filter((r) => r.query['page'] === '2').length;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(emulator.requests.filter((r) => r.query['page'] === '2').length).toBe(seen);
  });

  it('stops a walk when the server repeats a page instead of looping to the deadline', async () => {
    emulator.seed('alice', [{ id: 'A', value: 'a' }]);
    emulator.inject({ kind: 'transform', transform: (json) => ({ ...json, secrets: [{ id: 'A', value: 'a' }] }) }, { path: /page=2/ });
    const error = await failure((async () => { for await (const _ of client().listAll()) { /* walk */ } })());
    expect(error.code).toBe('ERR_BAD_RESPONSE');
    expect(error.message).toMatch(/repeats earlier pages/);
  });

  it.each([
    ['an unknown token', { pat: 'pat-unknown-1' }, 'ERR_AUTH', 11008],
    ['a token without the scope', { pat: 'pat-readonly-000' }, 'ERR_FORBIDDEN', 11007],
  ])('maps %s', async (_what, options, code, clarifaiCode) => {
    const error = await failure(client(options).create([{ id: 'X', value: VALUE }]));
    expect(error).toMatchObject({ code, clarifaiCode });
    expect(error.reqId).toMatch(/^clarifai-secrets-[\w.-]+-[0-9a-f]{32}$/);
  });

  it.each([
    [401, 11009, 'ERR_AUTH'],
    [401, 11002, 'ERR_AUTH'],
    [401, 11102, 'ERR_AUTH'],
    [403, 11007, 'ERR_FORBIDDEN'],
    [401, 11007, 'ERR_FORBIDDEN'],
    [404, 11101, 'ERR_NOT_FOUND'],
    [409, 40010, 'ERR_CONFLICT'],
    [400, 11100, 'ERR_API'],
    [200, 10020, 'ERR_API'],
    [207, 10010, 'ERR_API'],
  ])('maps HTTP %i with Clarifai %i to %s', async (status, clarifaiCode, code) => {
    emulator.inject({ kind: 'error', status, code: clarifaiCode, description: `it said ${PAT}` });
    const error = await failure(client().list());
    expect(error).toMatchObject({ code, statusCode: status, clarifaiCode });
    expect(emulator.requests).toHaveLength(1);
  });

  it('refuses to create an id that exists, pointing at update', async () => {
    await client().create([{ id: 'DUP', value: 'a' }]);
    const error = await failure(client().create([{ id: 'DUP', value: VALUE }]));
    expect(error.code).toBe('ERR_CONFLICT');
    expect(error.message).toMatch(/use update/);
  });

  it('points to update only when a create conflicts', async () => {
    emulator.inject({ kind: 'error', status: 409, code: 40010 });
    const error = await failure(client().update([{ id: 'X', value: VALUE }]));
    expect(error.code).toBe('ERR_CONFLICT');
    expect(error.message).not.toMatch(/use update/);
  });

  it('leaves out a server description that quotes what was sent', async () => {
    // A value that shares no four characters with the token: the value alone must hide it.
    const sent = 'zzqq-wxyv-9999';
    emulator.inject({ kind: 'error', status: 400, code: 11102, description: `bad value ${sent}` });
    const error = await failure(client().create([{ id: 'X', value: sent }]));
    expect(error.message).toMatch(/its text is not shown, as it may quote the request/);
  });

  it('retries reads on throttling and 5xx, counted on the request log', async () => {
    emulator.seed('alice', [{ id: 'A', value: 'a' }]);
    emulator.inject({ kind: 'throttle', retryAfter: 0 });
    emulator.inject({ kind: 'error', status: 503, code: 98004 });
    emulator.inject({ kind: 'raw', status: 502, body: '<html>Bad gateway</html>', contentType: 'text/html' });
    expect((await client().get('A')).value).toBe('a');
    expect(emulator.requests.map((r) => r.status)).toEqual([429, 503, 502, 200]);
  });

  it('honours Retry-After in seconds and as an HTTP-date', async () => {
    emulator.seed('alice', [{ id: 'A', value: 'a' }]);
    emulator.inject({ kind: 'throttle', retryAfter: 1 });
    let started = Date.now();
    await client().get('A');
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);

    emulator.inject({ kind: 'throttle', retryAfter: new Date(Date.now() + 2000) });
    started = Date.now();
    await client().get('A');
    // HTTP-dates have whole seconds: somewhere between 1 and 2 s.
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('gives up throttling at once when Retry-After is past the deadline', async () => {
    emulator.inject({ kind: 'throttle', retryAfter: 60 });
    const started = Date.now();
    const error = await failure(client({ timeout: 3000 }).list());
    expect(error.code).toBe('ERR_THROTTLED');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('retries 11005 inside a response with another HTTP status', async () => {
    emulator.seed('alice', [{ id: 'A', value: 'a' }]);
    emulator.inject({ kind: 'throttle', status: 400 });
    expect((await client().get('A')).value).toBe('a');
    expect(emulator.requests).toHaveLength(2);
  });

  it('reports ERR_SERVER after the retries a deadline allows', async () => {
    emulator.inject({ kind: 'error', status: 500, code: 98004 }, { times: Infinity });
    const error = await failure(client({ timeout: 20_000 }).list());
    expect(error).toMatchObject({ code: 'ERR_SERVER', statusCode: 500 });
    expect(emulator.requests).toHaveLength(5);
  });

  it('does not retry a write that reached the server', async () => {
    emulator.inject({ kind: 'error', status: 503, code: 98004 });
    expect((await failure(client().create([{ id: 'W', value: VALUE }]))).code).toBe('ERR_SERVER');
    emulator.inject({ kind: 'drop' });
    expect((await failure(client().create([{ id: 'W', value: VALUE }]))).code).toBe('ERR_NETWORK');
    expect(emulator.requests).toHaveLength(2);
  });

  it('retries a write that was throttled', async () => {
    emulator.inject({ kind: 'throttle', retryAfter: 0 });
    await client().create([{ id: 'T', value: 'x' }]);
    expect(emulator.requests.map((r) => r.status)).toEqual([429, 200]);
  });

  it('reports a refused connection as ERR_NETWORK', async () => {
    const port = await freePort();
    const error = await failure(client({ baseUrl: `http://127.0.0.1:${port}`, timeout: 1500 }).list());
    expect(['ERR_NETWORK', 'ERR_TIMEOUT']).toContain(error.code);
    expect(error.message).toMatch(/cannot reach 127\.0\.0\.1|no answer from 127\.0\.0\.1/);
  });

  it('ends a hung request at the deadline with ERR_TIMEOUT', async () => {
    emulator.inject({ kind: 'hang' }, { times: Infinity });
    const started = Date.now();
    const error = await failure(client({ timeout: 800 }).list());
    expect(error.code).toBe('ERR_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('ends a body that trickles slower than the deadline', async () => {
    emulator.seed('alice', [{ id: 'A', value: 'x'.repeat(4000) }]);
    emulator.inject({ kind: 'trickle', bytesPerSecond: 500 }, { times: Infinity });
    const started = Date.now();
    const error = await failure(client({ timeout: 1000 }).get('A'));
    expect(error.code).toBe('ERR_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(2500);
  });

  it.each([
    ['an HTML page with 200', { kind: 'raw', body: '<html>login</html>', contentType: 'text/html' }, /not a JSON object/],
    ['an empty body', { kind: 'raw', body: '' }, /empty/],
    ['truncated JSON', { kind: 'raw', body: '{"status":{"code":10000},"secrets":[{"id":"A"' }, /not a JSON object/],
    ['JSON that is a list', { kind: 'raw', body: '[]' }, /not a JSON object/],
    ['a missing status', { kind: 'transform', transform: (j: Record<string, unknown>) => ({ secrets: j['secrets'] }) }, /status is missing/],
    ['status code as a numeric string', { kind: 'transform', transform: (j: Record<string, unknown>) => ({ ...j, status: { code: '10000' } }) }, /status is missing or has the wrong type/],
    ['secrets as an object', { kind: 'transform', transform: (j: Record<string, unknown>) => ({ ...j, secrets: {} }) }, /secrets is an object, expected an array/],
    ['a value as a number', { kind: 'transform', transform: (j: Record<string, unknown>) => ({ ...j, secrets: [{ id: 'A', value: 7 }] }) }, /secrets\[0\]\.value is a number/],
    ['a bad timestamp', { kind: 'transform', transform: (j: Record<string, unknown>) => ({ ...j, secrets: [{ id: 'A', created_at: 'yesterday' }] }) }, /created_at is not an RFC 3339/],
    ['JSON under a text/plain type', { kind: 'raw', body: '{"status":{"code":10000},"secrets":[]}', contentType: 'text/plain' }, /content type/],
    [
      'a value in invalid UTF-8',
      { kind: 'raw', body: Buffer.concat([Buffer.from('{"status":{"code":10000},"secrets":[{"id":"A","value":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}]}')]) },
      /not a JSON object in UTF-8/,
    ],
    ['a body over the size cap', { kind: 'raw', body: Buffer.alloc(17 * 1024 * 1024, 32) }, /over the limit/],
  ] as const)('turns %s into ERR_BAD_RESPONSE', async (_what, fault, message) => {
    emulator.inject(fault as never);
    const error = await failure(client().list());
    expect(error.code).toBe('ERR_BAD_RESPONSE');
    expect(error.message).toMatch(message);
    expect(emulator.requests).toHaveLength(1);
  });

  it('turns a 10 MB body that is not JSON into ERR_BAD_RESPONSE', async () => {
    emulator.inject({ kind: 'raw', body: Buffer.alloc(10 * 1024 * 1024, 120) });
    expect((await failure(client().list())).code).toBe('ERR_BAD_RESPONSE');
  });

  it('accepts status codes as enum names, integers as strings and nanosecond timestamps', async () => {
    emulator.inject({
      kind: 'transform',
      transform: () => ({
        status: { code: 'SUCCESS' },
        secrets: [{ id: 'A', value: 'v', version: '3', created_at: '2025-02-28T09:41:55.568082659Z', expires_at: '1970-01-01T00:00:00Z' }],
      }),
    });
    const [secret] = await client().list();
    // Without user_id, the user asked for stands in.
    expect(secret).toMatchObject({ id: 'A', version: 3, userId: 'me' });
    expect(secret?.createdAt.toISOString()).toBe('2025-02-28T09:41:55.568Z');
    expect(secret).not.toHaveProperty('expiresAt');
  });

  it('names the call in its messages: one secret by id, several by count', async () => {
    emulator.inject({ kind: 'error', status: 500, code: 98004 }, { times: Infinity });
    const c = client();
    expect((await failure(c.create([{ id: 'W', value: VALUE }]))).message).toMatch(/ for create secret "W" \(/);
    expect((await failure(c.create([{ id: 'W', value: VALUE }, { id: 'X', value: VALUE }]))).message).toMatch(/ for create 2 secrets \(/);
    expect((await failure(c.update([{ id: 'W', value: VALUE }]))).message).toMatch(/ for update secret "W" \(/);
    expect((await failure(c.update([{ id: 'W', description: 'd' }, { id: 'X', description: 'd' }]))).message).toMatch(/ for update 2 secrets \(/);
    expect((await failure(c.delete(['W']))).message).toMatch(/ for delete secret "W" \(/);
    expect((await failure(c.delete(['W', 'X']))).message).toMatch(/ for delete 2 secrets \(/);
    expect((await failure(c.get('W'))).message).toMatch(/ for get secret "W" \(/);
    expect((await failure(c.list())).message).toMatch(/ for list secrets \(/);
  });

  it('names the one secret an update or a delete did not find, and no secret for several', async () => {
    const c = client();
    expect((await failure(c.update([{ id: 'gone', value: VALUE }]))).message).toContain('"gone"');
    expect((await failure(c.delete(['gone'])))).toMatchObject({ code: 'ERR_NOT_FOUND', message: expect.stringContaining('"gone"') });
  });

  it('does not retry an update or a delete that reached the server', async () => {
    emulator.inject({ kind: 'error', status: 503, code: 98004 }, { times: 2 });
    expect((await failure(client().update([{ id: 'W', value: VALUE }]))).code).toBe('ERR_SERVER');
    expect((await failure(client().delete(['W']))).code).toBe('ERR_SERVER');
    expect(emulator.requests).toHaveLength(2);
  });

  it('retries a read whose connection dropped, and says what to check when a write cannot be sent', async () => {
    emulator.seed('alice', [{ id: 'A', value: 'a' }]);
    emulator.inject({ kind: 'drop' });
    expect((await client().get('A')).value).toBe('a');
    emulator.inject({ kind: 'drop' });
    const error = await failure(client().create([{ id: 'W', value: VALUE }]));
    expect(error.message).toMatch(/^cannot reach 127\.0\.0\.1:\d+ to create secret "W": .*; check CLARIFAI_API_BASE and the network$/);
  });

  it('sends JSON headers, a content type only with a body, and names itself', async () => {
    emulator.seed('alice', [{ id: 'A', value: 'a' }]);
    await client().get('A');
    await client().create([{ id: 'B', value: 'b' }]);
    const [get, post] = emulator.requests;
    expect(get?.headers['accept']).toBe('application/json');
    expect(get?.headers['user-agent']).toMatch(/^clarifai-secrets\/\S+ node\/\d+\.\d+\.\d+$/);
    expect(get?.headers).not.toHaveProperty('content-type');
    expect(post?.headers['content-type']).toBe('application/json');
  });

  it('sends a session token in its own header, not as a key', async () => {
    const c = clientFor(resolveConfig({ envFile: false, baseUrl: emulator.url, cacheDir: false }, { CLARIFAI_SESSION_TOKEN: 'sess-CLIENT-1' }), transport);
    await c.list().catch(() => undefined);
    expect(emulator.requests[0]?.headers).not.toHaveProperty('authorization');
    expect(emulator.requests[0]?.headers['x-clarifai-session-token']).toBe('<redacted>');
  });

  it('ends at the deadline naming the last failed attempt, or none', async () => {
    emulator.inject({ kind: 'error', status: 503, code: 98004 });
    emulator.inject({ kind: 'hang' }, { times: Infinity });
    const host = new URL(emulator.url).host;
    expect((await failure(client({ timeout: 800 }).list())).message).toBe(
      `no answer from ${host} to list secrets within 800 ms (last attempt: ERR_SERVER): check the network, or raise CLARIFAI_SECRETS_TIMEOUT`,
    );
    expect((await failure(client({ timeout: 500 }).get('A'))).message).toBe(
      `no answer from ${host} to get secret "A" within 500 ms: check the network, or raise CLARIFAI_SECRETS_TIMEOUT`,
    );
  });

  it("hands back a caller's own abort as it was given, and a caller's timeout as ERR_TIMEOUT", async () => {
    emulator.inject({ kind: 'hang' }, { times: Infinity });
    const mine = new Error('stopped by the caller');
    const controller = new AbortController();
    setTimeout(() => controller.abort(mine), 50);
    await expect(client().list({}, { signal: controller.signal })).rejects.toBe(mine);
    const text = new AbortController();
    setTimeout(() => text.abort('not an error'), 50);
    await expect(client().list({}, { signal: text.signal })).rejects.toThrow(/^aborted$/);
    expect((await failure(client().list({}, { signal: AbortSignal.timeout(50) }))).code).toBe('ERR_TIMEOUT');
  });

  it('takes a success status only with a 2xx HTTP status', async () => {
    // Clarifai's JSON, its success code, and a non-2xx status: the status wins.
    for (const [status, code] of [[300, 'ERR_BAD_RESPONSE'], [500, 'ERR_SERVER']] as const) {
      emulator.inject({ kind: 'raw', status, body: '{"status":{"code":10000},"secrets":[]}', contentType: 'application/json' }, { times: Infinity });
      expect((await failure(client().create([{ id: 'W', value: VALUE }]))).code).toBe(code);
      emulator.clearFaults();
    }
  });

  it('says what was wrong with an answer that is not usable, and which call it answered', async () => {
    emulator.inject({ kind: 'raw', body: '' });
    expect((await failure(client().list())).message).toMatch(/^Clarifai sent an invalid response to list secrets: the body is empty \(HTTP 200\)/);
    const type = `text/plain; ${'x'.repeat(80)}`;
    emulator.inject({ kind: 'raw', body: '{"status":{"code":10000},"secrets":[]}', contentType: type });
    const message = (await failure(client().list())).message;
    expect(message).toMatch(/list secrets.*HTTP 200/);
    expect(message).toContain(`content type is ${JSON.stringify(type.slice(0, 60))}, expected JSON`);
  });

  it('stops a walk whose page repeats, naming the call', async () => {
    emulator.seed('alice', [{ id: 'A', value: 'a' }]);
    emulator.inject({ kind: 'transform', transform: (json) => ({ ...json, secrets: [{ id: 'A', value: 'a' }] }) }, { path: /page=2/ });
    const error = await failure((async () => { for await (const _ of client().listAll()) { /* walk */ } })());
    expect(error.message).toMatch(/to list secrets: page 2 repeats earlier pages \(HTTP 200\)/);
  });

  it('treats a throttling status given by name as throttling', async () => {
    emulator.seed('alice', [{ id: 'A', value: 'a' }]);
    emulator.inject({ kind: 'raw', status: 429, body: '{"status":{"code":"CONN_THROTTLED"}}', headers: { 'retry-after': '0' } });
    expect((await client().get('A')).value).toBe('a');
  });
});

describe('SecretsClient configuration', () => {
  it('needs a token before it sends anything', async () => {
    const c = new SecretsClient({ envFile: false, baseUrl: emulator.url });
    await expect(c.list()).rejects.toMatchObject({ code: 'ERR_CONFIG', message: expect.stringMatching(/CLARIFAI_PAT is not set/) });
    expect(emulator.requests).toHaveLength(0);
  });

  it('refuses plain http to a remote host unless allowed', () => {
    expect(() => new SecretsClient({ envFile: false, pat: PAT, baseUrl: 'http://clarifai.example' })).toThrow(/plain http/);
    expect(new SecretsClient({ envFile: false, pat: PAT, baseUrl: 'http://clarifai.example', allowInsecureHttp: true }).baseUrl).toBe(
      'http://clarifai.example',
    );
  });

  it('uses a given undici dispatcher', async () => {
    const { Agent } = await import('undici');
    const dispatcher = new Agent();
    let dispatched = 0;
    const counting = dispatcher.compose((dispatch) => (opts, handler) => {
      dispatched++;
      return dispatch(opts, handler);
    });
    await new SecretsClient({ envFile: false, pat: PAT, baseUrl: emulator.url, dispatcher: counting }).list();
    expect(dispatched).toBe(1);
    await dispatcher.close();
  });

  it('takes no internals through its public constructor, only through the package factory', async () => {
    let used = false;
    const spy: Transport = async () => {
      used = true;
      throw new Error('not this one');
    };
    const config = resolveConfig({ envFile: false, pat: 'pat-other', baseUrl: 'http://127.0.0.1:9' }, {});
    // A second argument, as the constructor once took one, or keys that look like the
    // factory's change nothing: the token and the base URL come from the options, the
    // requests go over the default transport.
    const Client = SecretsClient as unknown as new (options: object, internals: object) => SecretsClient;
    const options = { envFile: false, pat: PAT, baseUrl: emulator.url } as const;
    const lookalike = { config, transport: spy, [Symbol('resolved')]: { config, transport: spy }, [Symbol.for('resolved')]: { config, transport: spy } };
    for (const c of [new Client(options, { transport: spy, config }), new SecretsClient({ ...options, ...lookalike } as SecretsClientOptions)]) {
      expect(c.baseUrl).toBe(emulator.url);
      await c.list();
    }
    expect(used).toBe(false);
    // No static way in either: the class holds only what every class does.
    expect(Object.getOwnPropertyNames(SecretsClient).sort()).toEqual(['length', 'name', 'prototype']);
    // The factory takes the settings and the transport as they are.
    const made = clientFor(config, spy);
    expect(made.baseUrl).toBe('http://127.0.0.1:9');
    await expect(made.list()).rejects.toThrow();
    expect(used).toBe(true);
  });

  it('says which argument is wrong, and sends nothing', async () => {
    const c = new SecretsClient({ envFile: false, pat: PAT, baseUrl: emulator.url });
    const says = async (promise: Promise<unknown>, message: string, code = 'ERR_CONFIG') =>
      expect(promise).rejects.toMatchObject({ code, message });
    await says(c.get(''), 'get needs a non-empty secret id');
    await says(c.list({ page: 0 }), 'list: page must be a whole number from 1');
    await says(c.list({ page: 1.5 }), 'list: page must be a whole number from 1');
    await says(c.list({ perPage: 0 }), 'list: perPage must be a whole number from 1 to 1000');
    await says(c.list({ perPage: 2.5 }), 'list: perPage must be a whole number from 1 to 1000');
    await says(c.create([]), 'create needs at least one secret');
    await says(c.create([undefined as never]), 'create needs a non-empty secret id');
    await says(c.create([{ id: 'A' } as never]), 'create: the value of secret "A" must be a string');
    await says(c.update([{ id: 'A', value: 5 as never }]), 'update: the value of secret "A" must be a string');
    await says(c.patch([{ id: 'A' }], 'explode' as never), 'patch: action must be overwrite, merge or remove, got "explode"');
    await says(c.delete([]), 'delete needs at least one secret id');
    await says(c.delete(['A', '']), 'delete needs a non-empty secret id');
    await says(
      c.create([{ id: 'a', value: 'x\0' }]),
      'the value of secret a holds a NUL byte, which no environment variable can carry, so every load would fail: nothing was sent (create)',
      'ERR_INVALID_VALUE',
    );
    await says(
      c.update([{ id: 'a', value: 'x\0' }, { id: 'b', value: 'ok' }, { id: 'c', value: '\0' }]),
      'the values of secrets a, c hold a NUL byte, which no environment variable can carry, so every load would fail: nothing was sent (update)',
      'ERR_INVALID_VALUE',
    );
    expect(emulator.requests).toHaveLength(0);
  });

  it('takes the smallest page, and the merge action', async () => {
    emulator.seed('alice', [{ id: 'A', value: 'a' }, { id: 'B', value: 'b' }]);
    const c = new SecretsClient({ envFile: false, pat: PAT, baseUrl: emulator.url });
    expect(await c.list({ page: 1, perPage: 1 })).toHaveLength(1);
    await c.patch([{ id: 'A', description: 'd' }], 'merge');
    expect(emulator.requests[1]?.body).toMatchObject({ action: 'merge' });
  });

  it('lets an error that is not a transport failure through as it is', async () => {
    const bug = new TypeError('a bug in the transport');
    const c = clientFor(resolveConfig({ envFile: false, pat: PAT, baseUrl: emulator.url }, {}), async () => {
      throw bug;
    });
    await expect(c.get('A')).rejects.toBe(bug);
  });

  it('checks its arguments before sending', async () => {
    const c = new SecretsClient({ envFile: false, pat: PAT, baseUrl: emulator.url });
    await expect(c.get('')).rejects.toMatchObject({ code: 'ERR_CONFIG' });
    await expect(c.list({ perPage: 1001 })).rejects.toMatchObject({ code: 'ERR_CONFIG' });
    await expect(c.create([])).rejects.toMatchObject({ code: 'ERR_CONFIG' });
    await expect(c.create([{ id: 'A' } as never])).rejects.toMatchObject({ code: 'ERR_CONFIG' });
    await expect(c.patch([{ id: 'A' }], 'explode' as never)).rejects.toMatchObject({ code: 'ERR_CONFIG' });
    await expect(c.delete([])).rejects.toMatchObject({ code: 'ERR_CONFIG' });
    expect(emulator.requests).toHaveLength(0);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
