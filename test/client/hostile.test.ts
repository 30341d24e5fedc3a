/**
 * The client and the loader against answers that are not Clarifai's, servers that echo the
 * request, and ids built to drive a terminal: over both transports, on 127.0.0.1.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { clientFor } from '../../src/api/client.js';
import { nodeTransport } from '../../src/api/transport/node-http.js';
import type { Transport } from '../../src/api/transport/types.js';
import { undiciTransport } from '../../src/api/transport/undici.js';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { type SecretsError, isSecretsError } from '../../src/errors.js';
import { loadSecrets } from '../../src/load/loader.js';
import { resolveConfig } from '../../src/settings/config.js';
import { type Listening, hostileServer } from '../support/hostile.js';

const PAT = 'pat-HOSTILE-3b8e1f0c9d2a47e6';
const VALUE = 'sk-HOSTILE-value-6c0d9e2f71a4';
const USER = 'mallory';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ pats: { [PAT]: USER }, users: { [USER]: [] } });
});
afterAll(() => emulator.close());
afterEach(() => {
  emulator.reset();
  emulator.clearFaults();
});

/** The error a promise rejects with, checked for the planted token and value. */
async function failure(promise: Promise<unknown>, planted: readonly string[] = [PAT, VALUE]): Promise<SecretsError> {
  try {
    await promise;
  } catch (error) {
    if (!isSecretsError(error)) throw error;
    const leaked = planted.filter((secret) => error.message.includes(secret));
    expect(leaked, 'a planted secret is in the message').toEqual([]);
    return error;
  }
  throw new Error('expected a SecretsError');
}

const transports: Array<[string, Transport]> = [
  ['undici', undiciTransport()],
  ['node:http', nodeTransport],
];

describe.each(transports)('over %s', (_name, transport) => {
  const client = (baseUrl = emulator.url, timeout = 5000) =>
    clientFor(resolveConfig({ envFile: false, pat: PAT, baseUrl, timeout, cacheDir: false }, {}), transport);

  it.each([401, 403, 404])('an HTML %i page is not Clarifai saying no: it names CLARIFAI_API_BASE, not the user id', async (status) => {
    emulator.inject({ kind: 'raw', status, body: '<html><body>Sign in to continue</body></html>', contentType: 'text/html' }, { times: Infinity });
    const error = await failure(client().list());
    expect(error.code).toBe('ERR_BAD_RESPONSE');
    expect(error.message).toMatch(/does not look like Clarifai's API.*CLARIFAI_API_BASE/);
    expect(error.message).not.toMatch(/CLARIFAI_USER_ID/);
    const single = await failure(client().get('SOME_ID'));
    expect(single.code).toBe('ERR_BAD_RESPONSE');
  });

  it("shows Clarifai's details, escaped, when they quote nothing of the request", async () => {
    emulator.inject({ kind: 'error', status: 400, code: 11102, description: 'Invalid request', details: 'field per_page\u001b[31m is wrong' });
    const error = await failure(client().list());
    expect(error.message).toContain('Invalid request: field per_page\\u001b[31m is wrong');
    expect(error.message).not.toContain('\u001b');
  });

  it('never prints server text that holds any part of a value or the token', async () => {
    const echoes = [
      `bad value ${VALUE.slice(0, 14)}`,
      `unknown key ${PAT.slice(0, 20)}`,
      `value ${JSON.stringify(`${VALUE}"q`).slice(1, 12)}`,
      `VALUE ${VALUE.slice(3, 9).toUpperCase()} refused`,
    ];
    for (const details of echoes) {
      emulator.inject({ kind: 'error', status: 400, code: 11102, description: 'Invalid request', details });
      const error = await failure(client().create([{ id: 'NEW_ONE', value: `${VALUE}"q` }]), [PAT, VALUE, details]);
      expect(error.message).toMatch(/not shown/);
    }
  });

  it('a short value hides the text only where the text holds all of it, not a word that contains it', async () => {
    // `val` is in "Invalid": the reason must still be shown.
    emulator.inject({ kind: 'error', status: 400, code: 11102, description: 'Invalid request', details: 'field value is too short' });
    const shown = await failure(client().create([{ id: 'SHORT', value: 'val' }]), [PAT]);
    expect(shown.message).toContain('Invalid request: field value is too short');
    for (const [value, details] of [
      ['val', 'bad value "val"'],
      ['hunter2', 'value hunter2 refused'],
      ['hunter2', 'value HUNTER2 refused'],
    ] as const) {
      emulator.inject({ kind: 'error', status: 400, code: 11102, description: 'Invalid request', details });
      const hidden = await failure(client().create([{ id: 'SHORT', value }]), [PAT]);
      expect(hidden.message).toMatch(/not shown/);
    }
  });

  it('reads a list answer without `secrets` as an empty page', async () => {
    emulator.inject({ kind: 'transform', transform: (json) => ({ status: json['status'] }) }, { times: Infinity });
    expect(await client().list()).toEqual([]);
  });

  it('escapes control characters in ids it quotes', async () => {
    const server = await hostileServer((req, res) => {
      const page = new URL(req.url ?? '/', 'http://x').searchParams.get('page');
      const secrets = page === '1' ? [{ id: 'a-b\u001b]0;owned\u0007', value: 'one' }, { id: 'a_b\u001b]0;owned\u0007', value: 'two' }] : [];
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ status: { code: 10000 }, secrets }));
    });
    try {
      const error = await failure(loadSecrets({ envFile: false, pat: PAT, baseUrl: server.url, cacheDir: false, env: {} }));
      expect(error.message).toMatch(/would both set/);
      expect(error.message).not.toMatch(/[\u0000-\u001f]/);
      expect(error.message).toContain('\\u001b');
    } finally {
      await server.close();
    }
  });
});

describe('the last-known-good copy and answers that are not Clarifai', () => {
  const load = (cacheDir: string) =>
    loadSecrets({ envFile: false, pat: PAT, baseUrl: emulator.url, cacheDir, env: {}, onWarning: () => undefined, timeout: 4000 });

  it.each([401, 403, 404])('an HTML %i page serves the copy and leaves it on disk', async (status) => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'cs-hostile-cache-'));
    emulator.seed(USER, [{ id: 'KEPT', value: VALUE }]);
    expect((await load(cacheDir)).source).toBe('api');
    emulator.inject({ kind: 'raw', status, body: '<html>captive portal</html>', contentType: 'text/html' }, { times: Infinity });
    expect((await load(cacheDir)).source).toBe('fallback');
    expect(readdirSync(cacheDir).filter((f) => f.endsWith('.lkg'))).toHaveLength(1);
    emulator.clearFaults();
    // Clarifai's own "no" still deletes it.
    emulator.inject({ kind: 'error', status: 401, code: 11008 }, { times: Infinity });
    expect((await failure(load(cacheDir))).code).toBe('ERR_AUTH');
    expect(readdirSync(cacheDir).filter((f) => f.endsWith('.lkg'))).toHaveLength(0);
  });
});

describe('a base URL that is not the API', () => {
  let plain: Listening;
  let tls: { url: string; close(): Promise<void> };
  beforeAll(async () => {
    plain = await hostileServer((_req, res) => res.end('{}'));
    const dir = mkdtempSync(join(tmpdir(), 'cs-hostile-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-days', '1',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    const server = createHttpsServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (_req, res) => res.end('{}'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    tls = {
      url: `https://127.0.0.1:${(server.address() as { port: number }).port}`,
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  });
  afterAll(async () => {
    await plain.close();
    await tls.close();
  });

  it('refuses a base ending in /v2', () => {
    expect(() => resolveConfig({ envFile: false, baseUrl: 'https://api.clarifai.com/v2' }, {})).toThrow(/must not end in \/v2/);
  });

  it.each(transports)('says when https meets a plain-HTTP port (%s)', async (_name, transport) => {
    const client = clientFor(resolveConfig({ envFile: false, pat: PAT, baseUrl: plain.url.replace('http:', 'https:'), timeout: 5000, cacheDir: false }, {}), transport);
    const error = await failure(client.list());
    expect(error.message).toMatch(/answered in plain HTTP/);
  });

  it.each(transports)('names NODE_EXTRA_CA_CERTS for an untrusted certificate (%s)', async (_name, transport) => {
    const client = clientFor(resolveConfig({ envFile: false, pat: PAT, baseUrl: tls.url, timeout: 5000, cacheDir: false }, {}), transport);
    const error = await failure(client.list());
    expect(error.message).toMatch(/not trusted.*NODE_EXTRA_CA_CERTS/);
  });
});

describe('a server that sends page after page', () => {
  it('ends the walk in one clear error long before memory runs out', async () => {
    const filler = 'v'.repeat(15 * 1024);
    const server = await hostileServer((req, res) => {
      const page = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('page'));
      const secrets = Array.from({ length: 1000 }, (_, i) => ({ id: `S_${page}_${i}`, value: filler }));
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ status: { code: 10000 }, secrets }));
    });
    try {
      const error = await failure(loadSecrets({ envFile: false, pat: PAT, baseUrl: server.url, cacheDir: false, env: {}, timeout: 60_000 }));
      expect(error.code).toBe('ERR_BAD_RESPONSE');
      expect(error.message).toMatch(/more than 64 MiB of ids and values/);
      expect(server.seen.length).toBeLessThan(10);
    } finally {
      await server.close();
    }
    // About 75 MB cross loopback before the bound: room for a busy machine.
  }, 90_000);
});
