/**
 * startEmulator on an interface other machines reach: without tokens of the caller's own it
 * refuses before it binds or writes anything, since the default token is public.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { servesOtherMachines } from '../../src/emulator/emulator.js';
import { startEmulator } from '../../src/emulator/index.js';

// TEST-NET-1: never this machine's, so getting past the check shows as EADDRNOTAVAIL, not as a server.
const FOREIGN = '192.0.2.1';
const dir = mkdtempSync(join(tmpdir(), 'emulator-host-rule-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('startEmulator({ host })', () => {
  test.each([['0.0.0.0'], ['::'], [FOREIGN]])('%s without pats is refused, and no data file is written', async (host) => {
    const data = join(dir, `${host.replace(/\W/g, '_')}.json`);
    await expect(startEmulator({ host, data, users: { alice: [{ id: 'KEY', value: 'v' }] } })).rejects.toThrow(
      `emulator: host "${host}" serves other machines and the default token is public: pass pats with a token of your own`,
    );
    expect(existsSync(data)).toBe(false);
  });

  test('with pats of the caller\'s own it goes on to listen', async () => {
    await expect(startEmulator({ host: FOREIGN, pats: ['own-token-2f7e'] })).rejects.toMatchObject({ code: 'EADDRNOTAVAIL' });
  });

  test('a loopback host keeps the default token', async () => {
    for (const host of ['localhost', '127.0.0.2']) {
      const emulator = await startEmulator({ host });
      try {
        const answer = await fetch(`${emulator.url}/v2/users/me/secrets`, { headers: { authorization: 'Key emulator-pat' } });
        expect(answer.status).toBe(200);
      } finally {
        await emulator.close();
      }
    }
  });
});

describe('servesOtherMachines', () => {
  test('wildcards, LAN and public addresses, and names that resolve to one', async () => {
    for (const host of ['0.0.0.0', '::', '[::]', '10.1.2.3', '192.168.0.10', '::ffff:10.0.0.1', 'fe80::1']) {
      expect(await servesOtherMachines(host), host).toBe(true);
    }
  });

  test('loopback in any spelling, localhost, and names that do not resolve (listening on them fails anyway)', async () => {
    for (const host of ['127.0.0.1', '127.9.9.9', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1', 'localhost', 'LOCALHOST.', 'no-such-host.invalid']) {
      expect(await servesOtherMachines(host), host).toBe(false);
    }
  });
});
