import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { call, PAT } from './helpers.js';

const run = promisify(execFile);
let emulator: Emulator;
let lines: string[];

beforeEach(async () => {
  lines = [];
  emulator = await startEmulator({ users: { u: [{ id: 'K', value: 'kv' }] }, log: (line) => lines.push(line) });
});
afterEach(async () => {
  await emulator.close();
});

describe('request log', () => {
  test('records method, path, query, headers, parsed body, status and code', async () => {
    const before = Date.now();
    await call(emulator, 'PATCH', '/v2/users/me/secrets?x=1', {
      body: { secret: [{ id: 'K', value: 'new' }], action: 'overwrite' },
      headers: { 'X-Clarifai-Request-ID-Prefix': 'test' },
    });
    expect(emulator.requests).toHaveLength(1);
    const entry = emulator.requests[0];
    expect(entry).toMatchObject({
      method: 'PATCH',
      path: '/v2/users/me/secrets',
      query: { x: '1' },
      body: { secret: [{ id: 'K', value: 'new' }], action: 'overwrite' },
      status: 200,
      clarifaiCode: 10000,
      auth: 'ok',
      userId: 'u',
    });
    expect(entry?.headers['content-type']).toBe('application/json');
    expect(entry?.headers['x-clarifai-request-id-prefix']).toBe('test');
    expect(entry?.headers.authorization).toBe('Key <redacted>');
    expect(entry?.reqId).toMatch(/^test-[0-9a-f]{32}$/);
    expect(entry?.at).toBeGreaterThanOrEqual(before);
    expect(entry?.at).toBeLessThanOrEqual(Date.now());
    expect(entry?.fault).toBeUndefined();
  });

  test('query holds the list parameters; a GET has no body', async () => {
    await call(emulator, 'GET', '/v2/users/me/secrets?page=2&per_page=1000');
    expect(emulator.requests[0]).toMatchObject({ query: { page: '2', per_page: '1000' }, body: undefined });
  });

  test('a body that is not JSON is kept as text', async () => {
    await call(emulator, 'POST', '/v2/users/me/secrets', { rawBody: 'id=K&value=v' });
    expect(emulator.requests[0]).toMatchObject({ body: 'id=K&value=v', status: 400, clarifaiCode: 11100 });
  });

  test('auth outcome without the token', async () => {
    await call(emulator, 'GET', '/v2/users/me/secrets', { auth: null });
    await call(emulator, 'GET', '/v2/users/me/secrets', { auth: 'Bearer x' });
    await call(emulator, 'GET', '/v2/users/me/secrets', { auth: 'Key nope' });
    await call(emulator, 'GET', '/v2/users/me/secrets');
    expect(emulator.requests.map((r) => r.auth)).toEqual(['missing', 'malformed', 'unknown', 'ok']);
    expect(emulator.requests.map((r) => r.userId)).toEqual([undefined, undefined, undefined, 'u']);
    expect(emulator.requests.map((r) => r.status)).toEqual([401, 401, 401, 200]);
  });

  test('clearRequests empties the live array', async () => {
    const log = emulator.requests;
    await call(emulator, 'GET', '/v2/users/me/secrets');
    expect(log).toHaveLength(1);
    emulator.clearRequests();
    expect(log).toHaveLength(0);
    expect(emulator.requests).toBe(log);
    await call(emulator, 'GET', '/v2/users/me/secrets');
    expect(log).toHaveLength(1);
  });

  test('reset() clears the log and the faults and restores the store', async () => {
    emulator.inject({ kind: 'throttle' }, { times: Infinity });
    emulator.seed('u', [{ id: 'EXTRA', value: 'e' }]);
    await call(emulator, 'GET', '/v2/users/me/secrets');
    expect(emulator.requests).toHaveLength(1);
    emulator.reset();
    expect(emulator.requests).toHaveLength(0);
    expect(emulator.snapshot('u').map((s) => s.id)).toEqual(['K']);
    expect((await call(emulator, 'GET', '/v2/users/me/secrets')).status).toBe(200);
  });

  test('the log option gets one line per request, with paging but no other query', async () => {
    await call(emulator, 'GET', '/v2/users/me/secrets?page=1&per_page=5&token=abc');
    await call(emulator, 'GET', '/v2/users/me/secrets/NOPE');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^GET \/v2\/users\/me\/secrets\?page=1&per_page=5 -> 200 10000 \d+ms$/);
    expect(lines[1]).toMatch(/^GET \/v2\/users\/me\/secrets\/NOPE -> 404 11101 \d+ms$/);
  });

  test('snapshot and seed accept me for the default user', async () => {
    emulator.seed('me', [{ id: 'VIA_ME', value: 'm' }]);
    expect(emulator.snapshot('u').map((s) => s.id)).toEqual(['K', 'VIA_ME']);
    expect(emulator.snapshot('me')).toEqual(emulator.snapshot('u'));
    expect(emulator.snapshot('nobody')).toEqual([]);
  });
});

describe('limits', () => {
  test('maxRecordedRequests keeps the newest entries; 0 keeps none', async () => {
    const small = await startEmulator({ maxRecordedRequests: 3 });
    const none = await startEmulator({ maxRecordedRequests: 0 });
    try {
      for (let page = 1; page <= 5; page++) {
        await call(small, 'GET', `/v2/users/me/secrets?page=${page}`);
        await call(none, 'GET', '/v2/users/me/secrets');
      }
      expect(small.requests.map((r) => r.query.page)).toEqual(['3', '4', '5']);
      expect(none.requests).toHaveLength(0);
      await expect(startEmulator({ maxRecordedRequests: -1 })).rejects.toThrow(TypeError);
    } finally {
      await Promise.all([small.close(), none.close()]);
    }
  });

  test('a log sink that throws does not break the API', async () => {
    const noisy = await startEmulator({
      log: () => {
        throw new Error('sink broke');
      },
    });
    try {
      const answer = await call(noisy, 'GET', '/v2/users/me/secrets');
      expect(answer.status).toBe(200);
      expect(answer.json.status.code).toBe(10000);
    } finally {
      await noisy.close();
    }
  });

  test('a wildcard host still gives a URL one can connect to', async () => {
    // A host other machines reach takes a token of the caller's own (here the helpers' one, on purpose).
    const wide = await startEmulator({ host: '0.0.0.0', pats: { [PAT]: 'alice' } });
    try {
      expect(wide.host).toBe('0.0.0.0');
      expect(wide.url).toBe(`http://127.0.0.1:${wide.port}`);
      expect((await call(wide, 'GET', '/v2/users/me/secrets')).status).toBe(200);
    } finally {
      await wide.close();
    }
  });
});

describe('child processes', () => {
  test('a spawned node process reaches the emulator and the log counts its requests', async () => {
    const script = `
      const r = await fetch(process.env.CLARIFAI_API_BASE + '/v2/users/me/secrets/K', { headers: { authorization: 'Key ' + process.env.CLARIFAI_PAT } });
      const j = await r.json();
      process.stdout.write(j.secret.value);
    `;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, CLARIFAI_API_BASE: emulator.url, CLARIFAI_PAT: PAT },
    });
    expect(stdout).toBe('kv');
    expect(emulator.requests).toHaveLength(1);
    expect(emulator.requests[0]).toMatchObject({ method: 'GET', path: '/v2/users/me/secrets/K', status: 200 });
  });

  test('a process that makes no request leaves the log empty; the same one asking once logs one', async () => {
    // One script, able to reach the emulator; only its argument decides whether it asks.
    const script = `
      if (process.argv[1] === 'ask') {
        await fetch(process.env.CLARIFAI_API_BASE + '/v2/users/me/secrets/K', { headers: { authorization: 'Key ' + process.env.CLARIFAI_PAT } });
      }
    `;
    const env = { ...process.env, CLARIFAI_API_BASE: emulator.url, CLARIFAI_PAT: PAT };
    await run(process.execPath, ['--input-type=module', '-e', script, 'stay'], { env });
    expect(emulator.requests).toHaveLength(0);
    await run(process.execPath, ['--input-type=module', '-e', script, 'ask'], { env });
    expect(emulator.requests).toHaveLength(1);
  });
});
