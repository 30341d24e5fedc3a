/**
 * The Host check: a web page that points its own DNS name at the emulator (DNS rebinding)
 * sends its own name in Host and must get nothing it can use, while every name a real client
 * reaches the emulator by keeps working.
 */
import { request } from 'node:http';
import { networkInterfaces } from 'node:os';
import { afterEach, describe, expect, test } from 'vitest';
import { emulatorCommand } from '../../src/cli/emulator-command.js';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { PAT, rawExchange } from './helpers.js';

const VALUE = 'sk-planted-host-check-3f9d';

interface Reply {
  status: number;
  text: string;
}

/** One request over node:http with a Host header of our choosing (fetch will not send one). */
function send(emulator: Emulator, method: string, target: string, host: string, body?: unknown): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { authorization: `Key ${PAT}`, host };
    const payload = body === undefined ? undefined : JSON.stringify(body);
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(payload));
    }
    const req = request(
      { host: '127.0.0.1', port: emulator.port, method, path: target, headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const started: Emulator[] = [];
async function start(options: Parameters<typeof startEmulator>[0] = {}): Promise<Emulator> {
  const emulator = await startEmulator({ users: { alice: [{ id: 'KEY', value: VALUE }] }, ...options });
  started.push(emulator);
  return emulator;
}
afterEach(async () => {
  await Promise.all(started.splice(0).map((e) => e.close()));
});

describe('requests for a host the emulator does not serve', () => {
  test('Host: evil.example gets 403 with no secret in it, on every endpoint, and changes nothing', async () => {
    const emulator = await start();
    const reads = [
      await send(emulator, 'GET', '/v2/users/me/secrets', 'evil.example'),
      await send(emulator, 'GET', '/v2/users/me/secrets/KEY', `evil.example:${emulator.port}`),
      await send(emulator, 'GET', '/', 'evil.example'),
    ];
    const writes = [
      await send(emulator, 'POST', '/v2/users/me/secrets', 'evil.example', { secrets: [{ id: 'NEW', value: 'v' }] }),
      await send(emulator, 'PATCH', '/v2/users/me/secrets', 'evil.example', { secret: [{ id: 'KEY', value: 'owned' }] }),
      await send(emulator, 'DELETE', '/v2/users/me/secrets', 'evil.example', { ids: ['KEY'] }),
    ];
    for (const reply of [...reads, ...writes]) {
      expect(reply.status).toBe(403);
      expect(reply.text).not.toContain(VALUE);
      expect(JSON.parse(reply.text).status.code).toBe(11102);
      expect(JSON.parse(reply.text).status.details).toContain('--allow-host');
    }
    expect(emulator.snapshot('me')).toEqual([expect.objectContaining({ id: 'KEY', value: VALUE, version: 1 })]);
  });

  test('look-alike names are refused too', async () => {
    const emulator = await start();
    for (const host of ['localhost.evil.example', '127.0.0.1.evil.example', 'evil.example.', '[::2]', '[::ffff:a00:1]', 'user@127.0.0.1', 'x y']) {
      expect((await send(emulator, 'GET', '/v2/users/me/secrets', host)).status, host).toBe(403);
    }
  });

  test('an absolute-form target naming another host is refused even with a loopback Host', async () => {
    const emulator = await start();
    const reply = await send(emulator, 'GET', 'http://evil.example/v2/users/me/secrets/KEY', '127.0.0.1');
    expect(reply.status).toBe(403);
    expect(reply.text).not.toContain(VALUE);
  });

  test('a refused request does not use up an injected fault, and is in the request log', async () => {
    const emulator = await start();
    emulator.inject({ kind: 'error', status: 500, code: 98004 });
    expect((await send(emulator, 'GET', '/v2/users/me/secrets', 'evil.example')).status).toBe(403);
    expect((await send(emulator, 'GET', '/v2/users/me/secrets', '127.0.0.1')).status).toBe(500);
    expect(emulator.requests.map((r) => r.status)).toEqual([403, 500]);
  });
});

describe('the names a client really uses', () => {
  test('loopback names and addresses, with or without a port, in any case', async () => {
    const emulator = await start();
    const hosts = [
      `127.0.0.1:${emulator.port}`,
      '127.0.0.1',
      `localhost:${emulator.port}`,
      'LOCALHOST',
      'localhost.',
      '127.1.2.3',
      `[::1]:${emulator.port}`,
      '[::ffff:127.0.0.1]',
      '[::ffff:7f00:1]',
    ];
    for (const host of hosts) {
      const reply = await send(emulator, 'GET', '/v2/users/me/secrets/KEY', host);
      expect(reply.status, host).toBe(200);
      expect(JSON.parse(reply.text).secret.value).toBe(VALUE);
    }
  });

  test('an HTTP/1.0 request without Host (never a browser) is answered', async () => {
    const emulator = await start();
    const { data } = await rawExchange(emulator, `GET /v2/users/me/secrets/KEY HTTP/1.0\r\nAuthorization: Key ${PAT}\r\n\r\n`);
    expect(data.toString('utf8')).toMatch(/^HTTP\/1\.1 200 /);
    expect(data.toString('utf8')).toContain(VALUE);
  });

  test('allowedHosts adds names, case-insensitively, and nothing else', async () => {
    const emulator = await start({ allowedHosts: ['emulator', 'Secrets.Internal'] });
    expect((await send(emulator, 'GET', '/v2/users/me/secrets', 'emulator:8787')).status).toBe(200);
    expect((await send(emulator, 'GET', '/v2/users/me/secrets', 'secrets.internal')).status).toBe(200);
    expect((await send(emulator, 'GET', '/v2/users/me/secrets', 'evil.example')).status).toBe(403);
    expect((await send(emulator, 'GET', '/v2/users/me/secrets', 'emulator.evil.example')).status).toBe(403);
  });

  test('bound to a wildcard, it answers this machine\'s own addresses but not other names', async () => {
    const emulator = await start({ host: '0.0.0.0', pats: { [PAT]: 'alice' } });
    const own = Object.values(networkInterfaces())
      .flat()
      .map((info) => info?.address)
      .filter((a): a is string => typeof a === 'string' && !a.startsWith('127.') && a.includes('.'));
    for (const address of own) expect((await send(emulator, 'GET', '/v2/users/me/secrets', address)).status, address).toBe(200);
    expect((await send(emulator, 'GET', '/v2/users/me/secrets', '203.0.113.9')).status).toBe(403);
    expect((await send(emulator, 'GET', '/v2/users/me/secrets', 'evil.example')).status).toBe(403);
  });

  test('allowedHosts refuses what cannot be a host name', async () => {
    await expect(startEmulator({ allowedHosts: ['evil.example:80'] })).rejects.toThrow(/allowedHosts has "evil.example:80"/);
    await expect(startEmulator({ allowedHosts: [''] })).rejects.toThrow(/must not be empty/);
    await expect(startEmulator({ allowedHosts: 'emulator' as unknown as string[] })).rejects.toThrow(/must be an array/);
  });
});

describe('clarifai-secrets emulator --allow-host', () => {
  class Capture {
    text = '';
    write(chunk: string): boolean {
      this.text += chunk;
      return true;
    }
  }

  test('adds a name; a bad one is a usage error', async () => {
    const stdout = new Capture();
    const stderr = new Capture();
    const controller = new AbortController();
    const done = emulatorCommand(['--port', '0', '--allow-host', 'emulator', '--allow-host', 'other'], { stdout, stderr, signal: controller.signal });
    while (!stdout.text.includes('\n')) await new Promise((r) => setTimeout(r, 10));
    const port = Number(new URL(stdout.text.trim()).port);
    const fake = { port } as Emulator;
    try {
      expect((await send(fake, 'GET', '/v2/users/me/secrets', 'emulator')).status).toBe(200);
      expect((await send(fake, 'GET', '/v2/users/me/secrets', 'other:1')).status).toBe(200);
      expect((await send(fake, 'GET', '/v2/users/me/secrets', 'evil.example')).status).toBe(403);
    } finally {
      controller.abort();
      expect(await done).toBe(0);
    }

    const bad = new Capture();
    expect(await emulatorCommand(['--allow-host', 'a:80'], { stdout: new Capture(), stderr: bad })).toBe(2);
    expect(bad.text).toContain('--allow-host');
  });
});
