import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { emulatorCommand } from '../../src/cli/emulator-command.js';
import { Capture, runEmulatorCommand } from '../support/emulator-command.js';
import { CLI } from '../support/package-link.js';
import { baseEnv, run as spawnRun } from '../support/spawn.js';

const run = runEmulatorCommand;

async function get(url: string, token: string): Promise<Response> {
  return fetch(`${url}/v2/users/me/secrets`, { headers: { authorization: `Key ${token}` } });
}

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('clarifai-secrets emulator', () => {
  test('prints the base URL alone on the first stdout line, serves, stops cleanly with 0', async () => {
    const running = await run(['--port', '0']);
    expect(running.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(running.stdout.text).toBe(`${running.url}\n`);
    expect(running.stderr.text).toContain('emulator-pat (the default');
    expect(running.stderr.text).toContain('user:  emulator-user');
    expect(running.stderr.text).toContain('in memory');
    const answer = await get(running.url, 'emulator-pat');
    expect(answer.status).toBe(200);
    expect(running.stderr.text).toMatch(/GET \/v2\/users\/me\/secrets -> 200 10000/);
    expect(await running.stop()).toBe(0);
    expect(running.stderr.text).toContain('stopped');
    await expect(get(running.url, 'emulator-pat')).rejects.toThrow();
  });

  test('--pat and --user: that token works for that user, its value is never printed', async () => {
    const token = 'my-dev-token-SENTINEL-123';
    const running = await run(['--port', '0', '--pat', token, '--user', 'dev']);
    try {
      expect((await get(running.url, 'emulator-pat')).status).toBe(401);
      const created = await fetch(`${running.url}/v2/users/dev/secrets`, {
        method: 'POST',
        headers: { authorization: `Key ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ secrets: [{ id: 'A', value: 'a' }] }),
      });
      expect(((await created.json()) as any).secrets[0].user_id).toBe('dev');
      expect(running.stderr.text).toContain('token: set by --pat');
    } finally {
      expect(await running.stop()).toBe(0);
    }
    expect(running.stdout.text + running.stderr.text).not.toContain(token);
  });

  test('--data keeps secrets across restarts in a 0600 file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'emulator-cli-'));
    dirs.push(dir);
    const file = join(dir, 'secrets.json');
    const first = await run(['--port', '0', '--data', file]);
    const created = await fetch(`${first.url}/v2/users/me/secrets`, {
      method: 'POST',
      headers: { authorization: 'Key emulator-pat', 'content-type': 'application/json' },
      body: JSON.stringify({ secrets: [{ id: 'KEPT', value: 'kept-value' }] }),
    });
    expect(created.status).toBe(200);
    expect(first.stderr.text).toContain(file);
    await first.stop();
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const second = await run(['--port', '0', '--data', file]);
    try {
      const got = await fetch(`${second.url}/v2/users/me/secrets/KEPT`, { headers: { authorization: 'Key emulator-pat' } });
      expect(((await got.json()) as any).secret.value).toBe('kept-value');
    } finally {
      await second.stop();
    }
  });

  test('SIGINT and SIGTERM stop it and leave no listener behind', async () => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      const before = process.listenerCount(signal);
      const stdout = new Capture();
      const stderr = new Capture();
      const done = emulatorCommand(['--port', '0'], { stdout, stderr });
      while (!stdout.text.includes('\n')) await new Promise((r) => setTimeout(r, 10));
      expect(process.listenerCount(signal)).toBe(before + 1);
      process.emit(signal, signal);
      expect(await done).toBe(0);
      expect(process.listenerCount('SIGINT')).toBe(0);
      expect(process.listenerCount('SIGTERM')).toBe(0);
      await expect(fetch(stdout.text.trim())).rejects.toThrow();
    }
  });

  test('--help prints usage and returns 0', async () => {
    const stdout = new Capture();
    const stderr = new Capture();
    expect(await emulatorCommand(['--help'], { stdout, stderr })).toBe(0);
    expect(stdout.text).toContain('Usage: clarifai-secrets emulator');
    expect(stdout.text).toContain('--data FILE');
    expect(stderr.text).toBe('');
  });

  test.each([
    [['--bogus']],
    [['--port', 'abc']],
    [['--port', '70000']],
    [['--port']],
    [['--pat', 'has space']],
    [['--user', 'me']],
    [['--data', '']],
    [['positional-SENTINEL']],
  ])('usage error %j -> 2 with one line on stderr', async (argv) => {
    const stdout = new Capture();
    const stderr = new Capture();
    expect(await emulatorCommand(argv, { stdout, stderr })).toBe(2);
    expect(stdout.text).toBe('');
    expect(stderr.text.split('\n')).toHaveLength(2);
    expect(stderr.text).toMatch(/^clarifai-secrets emulator: .+\n$/);
    expect(stderr.text).not.toContain('SENTINEL');
    expect(stderr.text).not.toContain('has space');
  });

  test('a port in use -> 1 with one clear line', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const stdout = new Capture();
      const stderr = new Capture();
      expect(await emulatorCommand(['--port', String(port)], { stdout, stderr })).toBe(1);
      expect(stderr.text).toBe(`clarifai-secrets emulator: port ${port} on 127.0.0.1 is in use: pick another with --port\n`);
      expect(stdout.text).toBe('');
    } finally {
      blocker.close();
    }
  });
});

describe('clarifai-secrets emulator on an interface other machines reach', () => {
  // TEST-NET-1: never this machine's, so a start that got past the check fails to listen
  // (EADDRNOTAVAIL) instead of serving the network from a test.
  const FOREIGN = '192.0.2.1';
  const refusal = (host: string): string =>
    `clarifai-secrets emulator: --host ${host} serves other machines and the default token is public: pass --pat with a token of your own (see clarifai-secrets emulator --help)\n`;

  test.each([['0.0.0.0'], ['::'], [FOREIGN]])('--host %s without --pat: the real bin exits 2 with one line, before it listens', async (host) => {
    const ran = await spawnRun(process.execPath, [CLI, 'emulator', '--port', '0', '--host', host], { env: baseEnv(), killAfterMs: 5000 });
    expect(ran.signal).toBeNull();
    expect(ran.code).toBe(2);
    expect(ran.stdout).toBe('');
    expect(ran.stderr).toBe(refusal(host));
  });

  test('--pat with the default token is refused the same way; a token of its own passes the check', async () => {
    const stdout = new Capture();
    const stderr = new Capture();
    expect(await emulatorCommand(['--port', '0', '--host', '0.0.0.0', '--pat', 'emulator-pat'], { stdout, stderr })).toBe(2);
    expect(stderr.text).toBe(refusal('0.0.0.0'));
    const own = 'own-token-SENTINEL-4b1c';
    const past = new Capture();
    expect(await emulatorCommand(['--port', '0', '--host', FOREIGN, '--pat', own], { stdout, stderr: past })).toBe(1);
    expect(past.text).toBe(`clarifai-secrets emulator: cannot listen on ${FOREIGN}: no such local address\n`);
    expect(stdout.text).toBe('');
  });

  test.each([['localhost'], ['127.0.0.2']])('--host %s is loopback: it starts with the default token', async (host) => {
    const running = await run(['--port', '0', '--host', host]);
    try {
      expect((await get(running.url, 'emulator-pat')).status).toBe(200);
    } finally {
      expect(await running.stop()).toBe(0);
    }
  });
});
