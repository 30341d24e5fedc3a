import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { call } from './helpers.js';

let dir: string;
let file: string;
const open: Emulator[] = [];

async function start(options: Parameters<typeof startEmulator>[0] = {}): Promise<Emulator> {
  const emulator = await startEmulator({ data: file, ...options });
  open.push(emulator);
  return emulator;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'emulator-data-'));
  file = join(dir, 'nested', 'secrets.json');
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((e) => e.close()));
  rmSync(dir, { recursive: true, force: true });
});

function mode(path: string): number {
  return statSync(path).mode & 0o777;
}

describe('data file', () => {
  test('every change is on disk (mode 0600) and survives a restart, timestamps and versions included', async () => {
    const first = await start({ users: { alice: [{ id: 'SEEDED', value: 's' }] } });
    expect(mode(file)).toBe(0o600);
    await call(first, 'POST', '/v2/users/me/secrets', { body: { secrets: [{ id: 'A', value: 'va', description: 'd', expires_at: '2030-01-01T00:00:00.123456789Z' }] } });
    await call(first, 'PATCH', '/v2/users/me/secrets', { body: { secret: [{ id: 'A', value: 'va2' }], action: 'overwrite' } });
    await call(first, 'POST', '/v2/users/me/secrets', { body: { secrets: [{ id: 'B', value: 'vb' }] } });
    await call(first, 'DELETE', '/v2/users/me/secrets', { body: { ids: ['B'] } });
    const before = first.snapshot('alice');
    expect(mode(file)).toBe(0o600);
    const onDisk = JSON.parse(readFileSync(file, 'utf8'));
    expect(onDisk.users.alice.map((s: { id: string }) => s.id)).toEqual(['SEEDED', 'A']);
    await first.close();

    const second = await start({ users: { alice: [] } });
    expect(second.snapshot('alice')).toEqual(before);
    const got = await call(second, 'GET', '/v2/users/me/secrets/A');
    expect(got.json.secret).toMatchObject({ value: 'va2', version: 2, description: 'd', expires_at: '2030-01-01T00:00:00.123456789Z' });
  });

  test('an existing file replaces the seeds', async () => {
    const first = await start({ users: { alice: [{ id: 'FROM_FILE', value: '1' }] } });
    await first.close();
    const second = await start({ users: { alice: [{ id: 'FROM_SEED', value: '2' }] } });
    expect(second.snapshot('alice').map((s) => s.id)).toEqual(['FROM_FILE']);
  });

  test('seed() and reset() are persisted too', async () => {
    const emulator = await start({ users: { alice: [] } });
    emulator.seed('alice', [{ id: 'X', value: 'x' }]);
    expect(JSON.parse(readFileSync(file, 'utf8')).users.alice).toHaveLength(1);
    emulator.reset();
    expect(JSON.parse(readFileSync(file, 'utf8')).users.alice).toHaveLength(0);
  });

  test('no temporary files are left behind', async () => {
    const emulator = await start();
    for (let i = 0; i < 5; i++) await call(emulator, 'POST', '/v2/users/me/secrets', { body: { secrets: [{ id: `S${i}`, value: 'v' }] } });
    expect(readdirSync(join(dir, 'nested'))).toEqual(['secrets.json']);
  });

  test('a file that is not valid makes startEmulator reject and stays untouched', async () => {
    mkdirSync(join(dir, 'nested'));
    writeFileSync(file, '{"not": "ours"}');
    await expect(start()).rejects.toThrow(/not valid/);
    expect(readFileSync(file, 'utf8')).toBe('{"not": "ours"}');
    writeFileSync(file, 'garbage');
    await expect(start()).rejects.toThrow(/not JSON/);
  });

  test('when the file cannot be written, the change is refused with 500 and not applied', async () => {
    const emulator = await start({ users: { alice: [{ id: 'KEEP', value: 'k' }] } });
    // A directory where the file should be: the rename fails.
    rmSync(file);
    mkdirSync(file);
    const answer = await call(emulator, 'POST', '/v2/users/me/secrets', { body: { secrets: [{ id: 'NEW', value: 'n' }] } });
    expect(answer.status).toBe(500);
    expect(answer.json.status.code).toBe(98006);
    expect(answer.json.status.details).toMatch(/^could not save the data file: \S/);
    expect(answer.json.secrets).toEqual([]);
    expect(emulator.snapshot('alice').map((s) => s.id)).toEqual(['KEEP']);
    expect(readdirSync(join(dir, 'nested'))).toEqual(['secrets.json']);
  });
  test('seed() throws the file system error itself when the file cannot be written, and changes nothing', async () => {
    const emulator = await start({ users: { alice: [{ id: 'KEEP', value: 'k' }] } });
    rmSync(file);
    mkdirSync(file);
    let thrown: unknown;
    try {
      emulator.seed('alice', [{ id: 'NEW', value: 'n' }]);
    } catch (error) {
      thrown = error;
    }
    // A test's own setup failing: Node's error with its code, not an HTTP answer.
    expect(thrown).toBeInstanceOf(Error);
    expect((thrown as NodeJS.ErrnoException).code).toMatch(/^E[A-Z]+$/);
    expect(emulator.snapshot('alice').map((s) => s.id)).toEqual(['KEEP']);
  });
});

describe('in memory', () => {
  test('without data, a restart starts from the seeds again', async () => {
    const first = await startEmulator({ users: { u: [{ id: 'A', value: '1' }] } });
    await call(first, 'POST', '/v2/users/me/secrets', { body: { secrets: [{ id: 'B', value: '2' }] } });
    expect(first.snapshot('u')).toHaveLength(2);
    await first.close();
    const second = await startEmulator({ users: { u: [{ id: 'A', value: '1' }] } });
    expect(second.snapshot('u').map((s) => s.id)).toEqual(['A']);
    await second.close();
  });
});
