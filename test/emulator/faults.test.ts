import { connect } from 'node:net';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { call, HEX32, httpGet, PAT } from './helpers.js';

let emulator: Emulator;

beforeEach(async () => {
  emulator = await startEmulator({ users: { u: [{ id: 'K', value: 'kv' }, { id: 'L', value: 'lv' }] } });
});
afterEach(async () => {
  await emulator.close();
});

const LIST = '/v2/users/me/secrets';

describe('error', () => {
  test('any status with a Clarifai JSON body, once by default', async () => {
    emulator.inject({ kind: 'error', status: 503, code: 98004, details: 'maintenance' });
    const failed = await call(emulator, 'GET', LIST);
    expect(failed.status).toBe(503);
    expect(failed.headers.get('content-type')).toBe('application/json; charset=UTF-8');
    expect(failed.json).toEqual({
      status: { code: 98004, description: 'Internal server issue', details: 'maintenance', req_id: expect.stringMatching(HEX32) },
      secrets: [],
    });
    const next = await call(emulator, 'GET', LIST);
    expect(next.status).toBe(200);
    expect(next.json.secrets).toHaveLength(2);
  });

  test('on GET one the body has no secret(s) field; description and headers can be set', async () => {
    emulator.inject({ kind: 'error', status: 401, code: 11009, description: 'API key not found', headers: { 'X-Test': '1' } });
    const answer = await call(emulator, 'GET', '/v2/users/me/secrets/K');
    expect(answer.status).toBe(401);
    expect(answer.headers.get('x-test')).toBe('1');
    expect(answer.json).toEqual({ status: { code: 11009, description: 'API key not found', req_id: expect.stringMatching(HEX32) } });
  });

  test('the operation does not happen', async () => {
    emulator.inject({ kind: 'error', status: 500, code: 98004 });
    const answer = await call(emulator, 'POST', LIST, { body: { secrets: [{ id: 'NEW', value: 'n' }] } });
    expect(answer.status).toBe(500);
    expect(emulator.snapshot('u').map((s) => s.id)).toEqual(['K', 'L']);
  });
});

describe('throttle', () => {
  test('429 with 11005 and Retry-After in seconds', async () => {
    emulator.inject({ kind: 'throttle', retryAfter: 2 });
    const answer = await call(emulator, 'GET', LIST);
    expect(answer.status).toBe(429);
    expect(answer.headers.get('retry-after')).toBe('2');
    expect(answer.json.status).toMatchObject({ code: 11005, description: 'Making too many requests' });
    expect(answer.json.secrets).toEqual([]);
  });

  test('Retry-After as an HTTP-date, and no header when not asked', async () => {
    const when = new Date(Date.now() + 3000);
    emulator.inject({ kind: 'throttle', retryAfter: when });
    emulator.inject({ kind: 'throttle' });
    const dated = await call(emulator, 'GET', LIST);
    expect(dated.headers.get('retry-after')).toBe(when.toUTCString());
    expect(Math.abs(Date.parse(dated.headers.get('retry-after') as string) - when.getTime())).toBeLessThan(1000);
    const bare = await call(emulator, 'GET', LIST);
    expect(bare.status).toBe(429);
    expect(bare.headers.get('retry-after')).toBeNull();
  });

  test('11005 inside a response with another HTTP status, and the hourly limit code', async () => {
    emulator.inject({ kind: 'throttle', status: 200 });
    emulator.inject({ kind: 'throttle', status: 503, code: 11003 });
    const ok = await call(emulator, 'GET', LIST);
    expect(ok.status).toBe(200);
    expect(ok.json.status.code).toBe(11005);
    expect(ok.json.secrets).toEqual([]);
    const hourly = await call(emulator, 'GET', LIST);
    expect(hourly.status).toBe(503);
    expect(hourly.json.status.code).toBe(11003);
  });
});

describe('latency', () => {
  test('waits, then answers normally', async () => {
    emulator.inject({ kind: 'latency', ms: 300 });
    const started = Date.now();
    const answer = await call(emulator, 'GET', LIST);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(answer.status).toBe(200);
    expect(answer.json.secrets).toHaveLength(2);
  });

  test('the operation happens after the wait', async () => {
    emulator.inject({ kind: 'latency', ms: 400 });
    const pending = call(emulator, 'POST', LIST, { body: { secrets: [{ id: 'SLOW', value: 's' }] } });
    await new Promise((r) => setTimeout(r, 150));
    expect(emulator.snapshot('u').map((s) => s.id)).not.toContain('SLOW');
    expect((await pending).status).toBe(200);
    expect(emulator.snapshot('u').map((s) => s.id)).toContain('SLOW');
  });
});

describe('drop', () => {
  test('the socket is destroyed with no response, and nothing happens', async () => {
    emulator.inject({ kind: 'drop' });
    await expect(call(emulator, 'POST', LIST, { body: { secrets: [{ id: 'D', value: 'd' }] } })).rejects.toThrow();
    const result = await httpGet(emulator, LIST); // the next request is fine
    expect(result.status).toBe(200);
    expect(emulator.snapshot('u').map((s) => s.id)).toEqual(['K', 'L']);
    expect(emulator.requests[0]).toMatchObject({ method: 'POST', status: 0, fault: 'drop' });
  });

  test('on node:http the client sees an error before any status', async () => {
    emulator.inject({ kind: 'drop' });
    const result = await httpGet(emulator, LIST);
    expect(result.outcome).toBe('error');
    expect(result.status).toBeUndefined();
  });
});

describe('hang', () => {
  test('the request is never answered; the client has to give up', async () => {
    emulator.inject({ kind: 'hang' });
    const result = await httpGet(emulator, LIST, 500);
    expect(result.outcome).toBe('timeout');
    expect(result.status).toBeUndefined();
    expect(emulator.requests[0]).toMatchObject({ status: 0, fault: 'hang' });
  });

  test('close() ends hung requests and idle keep-alive sockets at once', async () => {
    emulator.inject({ kind: 'hang', }, { times: Infinity });
    const hung = httpGet(emulator, LIST, 10_000);
    const idle = connect(emulator.port, '127.0.0.1');
    const idleClosed = new Promise<void>((resolve) => idle.on('close', () => resolve()));
    idle.on('error', () => {});
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    await emulator.close();
    const result = await hung;
    await idleClosed;
    expect(Date.now() - started).toBeLessThan(1000);
    expect(result.outcome).toBe('error');
    await emulator.close(); // twice is fine
  });
});

describe('raw', () => {
  test('an HTML error page with any status', async () => {
    const html = '<html><body><h1>502 Bad Gateway</h1></body></html>';
    emulator.inject({ kind: 'raw', status: 502, contentType: 'text/html', body: html });
    const answer = await call(emulator, 'GET', LIST);
    expect(answer.status).toBe(502);
    expect(answer.headers.get('content-type')).toBe('text/html');
    expect(answer.text).toBe(html);
  });

  test('an empty body, with the JSON content type by default', async () => {
    emulator.inject({ kind: 'raw', body: '' });
    const answer = await call(emulator, 'GET', LIST);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('application/json; charset=UTF-8');
    expect(answer.headers.get('content-length')).toBe('0');
    expect(answer.text).toBe('');
  });

  test('truncated JSON, no content type at all', async () => {
    emulator.inject({ kind: 'raw', body: '{"status":{"code":10000,"descr', contentType: null });
    const answer = await call(emulator, 'GET', LIST);
    expect(answer.headers.get('content-type')).toBeNull();
    expect(answer.text).toBe('{"status":{"code":10000,"descr');
  });

  test('a 10 MB body from a Buffer', async () => {
    const body = Buffer.alloc(10 * 1024 * 1024, 0x61);
    emulator.inject({ kind: 'raw', body });
    const answer = await call(emulator, 'GET', LIST);
    expect(answer.headers.get('content-length')).toBe(String(body.length));
    expect(answer.text.length).toBe(body.length);
  });
});

describe('truncate', () => {
  test('headers promise the full length, half arrives, then the socket is destroyed', async () => {
    emulator.inject({ kind: 'truncate' });
    const result = await httpGet(emulator, LIST);
    expect(result.status).toBe(200);
    const full = Number(result.headers?.['content-length']);
    expect(full).toBeGreaterThan(100);
    expect(result.received.length).toBe(Math.floor(full / 2));
    expect(result.outcome).toBe('aborted');
    expect(() => JSON.parse(result.received.toString('utf8'))).toThrow();
    expect(result.received.toString('utf8')).toMatch(/^\{"status":\{"code":10000/);
  });

  test('keep sets how much arrives; fetch rejects while reading the body', async () => {
    emulator.inject({ kind: 'truncate', keep: 0.1 });
    const response = await fetch(emulator.url + LIST, { headers: { authorization: `Key ${PAT}` } });
    expect(response.status).toBe(200);
    await expect(response.text()).rejects.toThrow();
  });

  test('the operation happened even though the answer was cut', async () => {
    emulator.inject({ kind: 'truncate' });
    await expect(call(emulator, 'POST', LIST, { body: { secrets: [{ id: 'CUT', value: 'c' }] } })).rejects.toThrow();
    expect(emulator.snapshot('u').map((s) => s.id)).toContain('CUT');
  });
});

describe('trickle', () => {
  test('the body arrives complete, in pieces, no faster than the rate', async () => {
    emulator.inject({ kind: 'trickle', bytesPerSecond: 400 });
    const started = Date.now();
    const result = await httpGet(emulator, LIST, 10_000);
    const elapsed = Date.now() - started;
    expect(result.outcome).toBe('complete');
    const size = result.received.length;
    expect(size).toBe(Number(result.headers?.['content-length']));
    expect(JSON.parse(result.received.toString('utf8')).secrets).toHaveLength(2);
    // size bytes at 400 B/s: at least (size / 400) s, minus one chunk of slack.
    expect(elapsed).toBeGreaterThanOrEqual(((size - 20) / 400) * 1000 - 50);
    expect(result.chunkTimes.length).toBeGreaterThan(5);
  });

  test('a slow rate keeps the client waiting between bytes', async () => {
    emulator.inject({ kind: 'trickle', bytesPerSecond: 5 });
    const result = await httpGet(emulator, LIST, 1200);
    expect(result.outcome).toBe('timeout');
    expect(result.status).toBe(200);
    expect(result.received.length).toBeGreaterThan(0);
    expect(result.received.length).toBeLessThan(10);
  });
});

describe('transform', () => {
  test('a list where an object belongs', async () => {
    emulator.inject({ kind: 'transform', transform: (json) => ({ ...json, secret: [json.secret] }) });
    const answer = await call(emulator, 'GET', '/v2/users/me/secrets/K');
    expect(answer.status).toBe(200);
    expect(Array.isArray(answer.json.secret)).toBe(true);
    expect(answer.json.secret[0].value).toBe('kv');
  });

  test('numbers as strings', async () => {
    emulator.inject({
      kind: 'transform',
      transform: (json) => {
        const status = json.status as { code: number };
        const secrets = json.secrets as Array<{ version: number }>;
        return { status: { ...status, code: String(status.code) }, secrets: secrets.map((s) => ({ ...s, version: String(s.version) })) };
      },
    });
    const answer = await call(emulator, 'GET', LIST);
    expect(answer.json.status.code).toBe('10000');
    expect(answer.json.secrets[0].version).toBe('1');
  });

  test('a missing status', async () => {
    emulator.inject({ kind: 'transform', transform: ({ status: _status, ...rest }) => rest });
    const answer = await call(emulator, 'GET', LIST);
    expect(answer.status).toBe(200);
    expect(answer.json).not.toHaveProperty('status');
    expect(answer.json.secrets).toHaveLength(2);
    expect(emulator.requests[0]?.clarifaiCode).toBeUndefined();
  });

  test('status.code other than 10000 with HTTP 200, and a status override', async () => {
    emulator.inject({ kind: 'transform', transform: (json) => ({ ...json, status: { code: 10020, description: 'Failure' } }) });
    emulator.inject({ kind: 'transform', status: 502, transform: (json) => json });
    const failure = await call(emulator, 'GET', LIST);
    expect(failure.status).toBe(200);
    expect(failure.json.status.code).toBe(10020);
    expect(emulator.requests[0]?.clarifaiCode).toBe(10020);
    const overridden = await call(emulator, 'GET', LIST);
    expect(overridden.status).toBe(502);
    expect(overridden.json.status.code).toBe(10000);
  });

  test('a string result is sent as is; the request is passed in', async () => {
    let seenPath = '';
    emulator.inject({
      kind: 'transform',
      transform: (_json, request) => {
        seenPath = request.path;
        return 'not json at all';
      },
    });
    const answer = await call(emulator, 'GET', LIST);
    expect(answer.text).toBe('not json at all');
    expect(seenPath).toBe(LIST);
  });

  test('a transform that throws gives a 500 with 98004', async () => {
    emulator.inject({ kind: 'transform', transform: () => { throw new Error('boom'); } });
    const answer = await call(emulator, 'GET', LIST);
    expect(answer.status).toBe(500);
    expect(answer.json.status.code).toBe(98004);
    expect(answer.json.secrets).toEqual([]);
  });
});

describe('matching', () => {
  test('method and exact path', async () => {
    emulator.inject({ kind: 'error', status: 500, code: 98004 }, { method: 'post', path: LIST });
    expect((await call(emulator, 'GET', LIST)).status).toBe(200);
    expect((await call(emulator, 'GET', '/v2/users/me/secrets/K')).status).toBe(200);
    expect((await call(emulator, 'POST', LIST, { body: { secrets: [{ id: 'M', value: 'm' }] } })).status).toBe(500);
    expect((await call(emulator, 'POST', LIST, { body: { secrets: [{ id: 'M', value: 'm' }] } })).status).toBe(200);
  });

  test('a RegExp sees the query: fail page 2 only', async () => {
    emulator.inject({ kind: 'error', status: 503, code: 98004 }, { path: /[?&]page=2(&|$)/, times: Infinity });
    expect((await call(emulator, 'GET', `${LIST}?page=1`)).status).toBe(200);
    expect((await call(emulator, 'GET', `${LIST}?page=2&per_page=1`)).status).toBe(503);
    expect((await call(emulator, 'GET', `${LIST}?page=2`)).status).toBe(503);
    expect((await call(emulator, 'GET', `${LIST}?page=20`)).status).toBe(200);
  });

  test('times, Infinity, first injected first, clearFaults', async () => {
    emulator.inject({ kind: 'throttle' }, { times: 2 });
    emulator.inject({ kind: 'error', status: 500, code: 98004 });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await call(emulator, 'GET', LIST)).status);
    expect(statuses).toEqual([429, 429, 500, 200]);
    emulator.inject({ kind: 'throttle' }, { times: Infinity });
    for (let i = 0; i < 3; i++) expect((await call(emulator, 'GET', LIST)).status).toBe(429);
    emulator.clearFaults();
    expect((await call(emulator, 'GET', LIST)).status).toBe(200);
  });

  test('a fault applies to unknown paths and unauthenticated requests too', async () => {
    emulator.inject({ kind: 'throttle' }, { times: 2 });
    expect((await call(emulator, 'GET', '/elsewhere')).status).toBe(429);
    expect((await call(emulator, 'GET', LIST, { auth: null })).status).toBe(429);
  });

  test('the log names the fault that handled a request', async () => {
    emulator.inject({ kind: 'throttle' });
    await call(emulator, 'GET', LIST);
    await call(emulator, 'GET', LIST);
    expect(emulator.requests.map((r) => [r.status, r.clarifaiCode, r.fault])).toEqual([
      [429, 11005, 'throttle'],
      [200, 10000, undefined],
    ]);
  });

  test('bad faults are refused at inject time', () => {
    expect(() => emulator.inject({ kind: 'error', status: 99, code: 1 })).toThrow(TypeError);
    expect(() => emulator.inject({ kind: 'latency', ms: -1 })).toThrow(TypeError);
    expect(() => emulator.inject({ kind: 'trickle', bytesPerSecond: 0 })).toThrow(TypeError);
    expect(() => emulator.inject({ kind: 'truncate', keep: 1 })).toThrow(TypeError);
    expect(() => emulator.inject({ kind: 'nope' } as never)).toThrow(/unknown fault kind/);
    expect(() => emulator.inject({ kind: 'drop' }, { times: 0 })).toThrow(TypeError);
  });
});
