/**
 * The emulator over HTTPS and behind its latency relay, with real https clients on loopback:
 * its own certificate and given ones, the connection and handshake counts, and what the relay
 * keeps (order, faults, close). Counts and order only: speed is measured in bench/.
 */
import { X509Certificate } from 'node:crypto';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent, request, type RequestOptions } from 'node:https';
import { connect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { afterEach, describe, expect, test } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { selfSignedCertificate } from '../../src/emulator/tls-cert.js';
import { PAT } from './helpers.js';

const started: Emulator[] = [];
const agents: Agent[] = [];
afterEach(async () => {
  for (const agent of agents.splice(0)) agent.destroy();
  await Promise.all(started.splice(0).map((e) => e.close()));
});

async function start(options: Parameters<typeof startEmulator>[0] = {}): Promise<Emulator> {
  const emulator = await startEmulator({ users: { u: [{ id: 'KEY', value: 'tls-test-value' }] }, ...options });
  started.push(emulator);
  return emulator;
}

function agent(options: ConstructorParameters<typeof Agent>[0]): Agent {
  const made = new Agent(options);
  agents.push(made);
  return made;
}

interface Reply {
  status: number;
  body: string;
  peerCert: Buffer | undefined;
}

function get(url: string, path: string, options: RequestOptions = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url + path, { headers: { authorization: `Key ${PAT}` }, ...options }, (res) => {
      const peerCert = (res.socket as import('node:tls').TLSSocket).getPeerCertificate?.()?.raw;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, peerCert }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('tls: true', () => {
  test('serves HTTPS with a certificate of its own, for the names it answers', async () => {
    const emulator = await start({ tls: true, allowedHosts: ['emulator.internal'] });
    expect(emulator.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(emulator.certificate).toMatch(/^-----BEGIN CERTIFICATE-----\r?\n/);
    const cert = new X509Certificate(emulator.certificate as string);
    expect(cert.subjectAltName?.split(', ').sort()).toEqual(
      ['DNS:emulator.internal', 'DNS:localhost', 'IP Address:0:0:0:0:0:0:0:1', 'IP Address:127.0.0.1'].sort(),
    );
    expect(cert.ca).toBe(false);
    expect(cert.verify(cert.publicKey)).toBe(true);
    // A key never leaves the process: the handle has no such field.
    expect(JSON.stringify(Object.keys(emulator))).not.toMatch(/key/i);

    const reply = await get(emulator.url, '/v2/users/me/secrets/KEY', { ca: emulator.certificate });
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body).secret.value).toBe('tls-test-value');
    expect(reply.peerCert?.equals(cert.raw)).toBe(true);
    // By name too: the certificate holds localhost.
    expect((await get(emulator.url.replace('127.0.0.1', 'localhost'), '/v2/users/me/secrets/KEY', { ca: emulator.certificate })).status).toBe(200);
  });

  test('one keep-alive connection carries both list pages: 1 connection, 1 full handshake', async () => {
    const emulator = await start({ tls: true });
    const keepAlive = agent({ keepAlive: true, ca: emulator.certificate });
    await get(emulator.url, '/v2/users/me/secrets?page=1', { agent: keepAlive });
    await get(emulator.url, '/v2/users/me/secrets?page=2', { agent: keepAlive });
    expect(emulator.connectionStats()).toEqual({ connections: 1, tlsFull: 1, tlsResumed: 0, tlsFailed: 0 });
    expect(emulator.requests.map((r) => r.connection)).toEqual([1, 1]);
  });

  test('a second connection that resumes the session is counted as resumed', async () => {
    const emulator = await start({ tls: true });
    const noKeepAlive = agent({ keepAlive: false, ca: emulator.certificate, maxCachedSessions: 10 });
    await get(emulator.url, '/v2/users/me/secrets', { agent: noKeepAlive });
    await get(emulator.url, '/v2/users/me/secrets', { agent: noKeepAlive });
    expect(emulator.connectionStats()).toEqual({ connections: 2, tlsFull: 1, tlsResumed: 1, tlsFailed: 0 });
    expect(emulator.requests.map((r) => r.connection)).toEqual([1, 2]);
    emulator.clearRequests();
    expect(emulator.connectionStats()).toEqual({ connections: 0, tlsFull: 0, tlsResumed: 0, tlsFailed: 0 });
  });

  test('a client that does not trust the certificate gets no answer, and the failure is counted', async () => {
    const emulator = await start({ tls: true });
    const error = await get(emulator.url, '/v2/users/me/secrets').then(
      () => undefined,
      (e: NodeJS.ErrnoException) => e,
    );
    expect(error?.code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    expect(emulator.requests).toEqual([]);
    await expect.poll(() => emulator.connectionStats()).toEqual({ connections: 1, tlsFull: 0, tlsResumed: 0, tlsFailed: 1 });
  });

  test('plain HTTP on an HTTPS port is not answered as the API', async () => {
    const emulator = await start({ tls: true });
    const text = await new Promise<string>((resolve) => {
      const socket = connect(emulator.port, '127.0.0.1');
      let data = '';
      socket.on('data', (chunk) => (data += chunk.toString('latin1')));
      socket.on('close', () => resolve(data));
      socket.on('error', () => resolve(data));
      socket.write(`GET /v2/users/me/secrets HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Key ${PAT}\r\n\r\n`);
    });
    expect(text).not.toContain('secrets');
    expect(emulator.requests).toEqual([]);
  });
});

describe('tls: { key, cert }', () => {
  test('serves the certificate given', async () => {
    const given = await selfSignedCertificate(['localhost', '127.0.0.1', 'given.example']);
    const emulator = await start({ tls: { key: Buffer.from(given.key), cert: given.cert } });
    expect(emulator.url).toMatch(/^https:\/\//);
    expect(emulator.certificate).toBe(given.cert);
    const reply = await get(emulator.url, '/v2/users/me/secrets/KEY', { ca: given.cert });
    expect(reply.status).toBe(200);
    expect(reply.peerCert?.equals(new X509Certificate(given.cert).raw)).toBe(true);
  });

  test('anything else is refused with one line saying what tls takes', async () => {
    for (const tls of [{ key: 'k' }, { cert: 'c' }, { key: '', cert: 'c' }, 'yes', 1]) {
      await expect(startEmulator({ tls: tls as never })).rejects.toThrow(/^emulator: tls must be true .* or \{ key, cert \} with PEM/);
    }
  });

  test('a key that does not fit the certificate fails the start, not the first request', async () => {
    const one = await selfSignedCertificate(['localhost']);
    const other = await selfSignedCertificate(['127.0.0.1']);
    await expect(startEmulator({ tls: { key: one.key, cert: other.cert } })).rejects.toThrow();
  });

  test('without tls it is plain HTTP, with no certificate', async () => {
    const emulator = await start();
    expect(emulator.url).toMatch(/^http:\/\//);
    expect(emulator.certificate).toBeUndefined();
  });
});

describe('latencyMs', () => {
  test('the relay keeps the protocol whole: TLS, keep-alive, the counts', async () => {
    const emulator = await start({ tls: true, latencyMs: 20 });
    const keepAlive = agent({ keepAlive: true, ca: emulator.certificate });
    const first = await get(emulator.url, '/v2/users/me/secrets?page=1', { agent: keepAlive });
    const second = await get(emulator.url, '/v2/users/me/secrets?page=2', { agent: keepAlive });
    expect(JSON.parse(first.body).secrets.map((s: { id: string }) => s.id)).toEqual(['KEY']);
    expect(JSON.parse(second.body).secrets ?? []).toEqual([]);
    expect(emulator.connectionStats()).toEqual({ connections: 1, tlsFull: 1, tlsResumed: 0, tlsFailed: 0 });
    expect(emulator.requests.map((r) => [r.query['page'], r.connection])).toEqual([
      ['1', 1],
      ['2', 1],
    ]);
    // TCP 1 + TLS 1.3 1 + two requests one after the other 2, counted from the order of bytes.
    expect(emulator.relayConnections().map((c) => c.roundTrips)).toEqual([4]);
    emulator.clearRequests();
    expect(emulator.relayConnections()).toEqual([]);
  });

  test('plain HTTP over one connection: TCP 1 + one per request', async () => {
    const emulator = await start({ latencyMs: 10 });
    const keepAlive = new HttpAgent({ keepAlive: true });
    const plain = (path: string): Promise<number> =>
      new Promise((resolve, reject) => {
        const req = httpRequest(emulator.url + path, { agent: keepAlive, headers: { authorization: `Key ${PAT}` } }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', reject);
        req.end();
      });
    expect([await plain('/v2/users/me/secrets'), await plain('/v2/users/me/secrets'), await plain('/v2/users/me/secrets')]).toEqual([200, 200, 200]);
    keepAlive.destroy();
    expect(emulator.relayConnections().map((c) => c.roundTrips)).toEqual([4]);
    expect(emulator.connectionStats()).toMatchObject({ connections: 1, tlsFull: 0 });
  });

  test('without latencyMs there is no relay and nothing in relayConnections()', async () => {
    const emulator = await start({ tls: true });
    await get(emulator.url, '/v2/users/me/secrets', { ca: emulator.certificate });
    expect(emulator.relayConnections()).toEqual([]);
    expect(emulator.connectionStats().connections).toBe(1);
  });

  test('bytes arrive in the order sent, also when written one at a time before the stand-in handshake ends', async () => {
    const emulator = await start({ latencyMs: 10 });
    const requestText = `GET /v2/users/me/secrets/KEY HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Key ${PAT}\r\nConnection: close\r\n\r\n`;
    const text = await new Promise<string>((resolve, reject) => {
      const socket = connect(emulator.port, '127.0.0.1');
      socket.setNoDelay(true);
      let data = '';
      socket.on('data', (chunk) => (data += chunk.toString('utf8')));
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
      for (const byte of requestText) socket.write(byte);
    });
    expect(text).toMatch(/^HTTP\/1\.1 200 /);
    expect(text).toContain('tls-test-value');
  });

  test('pipelined requests are answered in order', async () => {
    const emulator = await start({ latencyMs: 10 });
    const one = (id: string): string => `GET /v2/users/me/secrets/${id} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Key ${PAT}\r\n\r\n`;
    const text = await new Promise<string>((resolve, reject) => {
      const socket = connect(emulator.port, '127.0.0.1');
      let data = '';
      socket.on('data', (chunk) => {
        data += chunk.toString('utf8');
        if ((data.match(/HTTP\/1\.1 /g) ?? []).length === 3 && data.endsWith('}')) socket.end();
      });
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
      socket.write(one('KEY') + one('NOPE') + one('KEY'));
    });
    expect([...text.matchAll(/HTTP\/1\.1 (\d+)/g)].map((m) => m[1])).toEqual(['200', '404', '200']);
    expect(emulator.requests.map((r) => r.status)).toEqual([200, 404, 200]);
  });

  test('a dropped connection reaches the client as a failure, through the relay', async () => {
    const emulator = await start({ tls: true, latencyMs: 10 });
    emulator.inject({ kind: 'drop' });
    await expect(get(emulator.url, '/v2/users/me/secrets', { ca: emulator.certificate })).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(emulator.requests[0]).toMatchObject({ status: 0, fault: 'drop' });
  });

  test('close() ends relayed connections at once, with bytes still in flight', async () => {
    const emulator = await startEmulator({ tls: true, latencyMs: 5_000 });
    const closed = new Promise<string>((resolve) => {
      const socket = tlsConnect({ port: emulator.port, host: '127.0.0.1', ca: emulator.certificate as string });
      socket.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
      socket.on('close', () => resolve('closed'));
    });
    await new Promise((r) => setTimeout(r, 50));
    await emulator.close();
    expect(['closed', 'ECONNRESET']).toContain(await closed);
  });

  test('refuses what is not a number of milliseconds', async () => {
    for (const latencyMs of [-1, Number.NaN, Infinity, 60_001, '20']) {
      await expect(startEmulator({ latencyMs: latencyMs as never })).rejects.toThrow(/latencyMs must be a number of milliseconds from 0 to 60000/);
    }
  });
});
