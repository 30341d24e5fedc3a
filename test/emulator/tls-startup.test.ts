/**
 * Cold starts over HTTPS as users run them: spawned `node --import clarifai-secrets/register`,
 * `node -r clarifai-secrets/register` and `clarifai-secrets run` on the built package, against
 * the emulator's own certificate trusted through NODE_EXTRA_CA_CERTS. Each pays the least
 * the network allows: the two list pages asked for in one round, each on a connection of its
 * own whose handshake runs beside the other's, so behind the latency relay a start costs TCP,
 * TLS and one request round trip. An untrusted certificate is one line naming the fix.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { expectNoLeak } from '../support/leaks.js';
import { CLI, type Project, makeProject } from '../support/package-link.js';
import { baseEnv, run } from '../support/spawn.js';
import { until } from '../support/until.js';

const PAT = 'pat-TLS-STARTUP-5e6f7a8b';
const SECRETS = Array.from({ length: 20 }, (_, i) => ({ id: `TLS_SECRET_${String(i).padStart(2, '0')}`, value: `tls-value-${i}-c0ffee` }));
const PLANTED = { PAT, ...Object.fromEntries(SECRETS.map((s) => [s.id, s.value])) };
const APP = 'console.log(JSON.stringify({ count: Object.keys(process.env).filter((k) => k.startsWith("TLS_SECRET_")).length, first: process.env.TLS_SECRET_00 }));\n';

let project: Project;
let scratch: string;
const emulators: Emulator[] = [];

async function emulatorWith(latencyMs = 0): Promise<{ emulator: Emulator; caFile: string }> {
  const emulator = await startEmulator({ tls: true, latencyMs, pats: { [PAT]: 'tls-user' }, users: { 'tls-user': SECRETS } });
  emulators.push(emulator);
  const caFile = join(scratch, `ca-${emulator.port}.pem`);
  writeFileSync(caFile, emulator.certificate as string);
  return { emulator, caFile };
}

beforeAll(() => {
  project = makeProject();
  project.write('app.mjs', APP);
  project.write('app.cjs', APP);
  scratch = mkdtempSync(join(tmpdir(), 'cs-tls-startup-'));
});
afterAll(async () => {
  await Promise.all(emulators.map((e) => e.close()));
  project.remove();
  rmSync(scratch, { recursive: true, force: true });
});

const ways = [
  ['--import', process.execPath, ['--import', 'clarifai-secrets/register', 'app.mjs']],
  ['-r', process.execPath, ['-r', 'clarifai-secrets/register', 'app.cjs']],
  ['run', process.execPath, [CLI, 'run', '--', process.execPath, 'app.cjs']],
] as const;

function start(command: string, args: readonly string[], url: string, extra: Record<string, string> = {}) {
  return run(command, [...args], {
    cwd: project.dir,
    env: baseEnv({ CLARIFAI_PAT: PAT, CLARIFAI_API_BASE: url, CLARIFAI_SECRETS_CACHE_DIR: 'off', CLARIFAI_SECRETS_TIMEOUT: '5000', ...extra }),
  });
}

describe.each([0, 30])('a cold start of 20 secrets over TLS, latency %d ms', (latencyMs) => {
  let emulator: Emulator;
  let caFile: string;
  beforeAll(async () => {
    ({ emulator, caFile } = await emulatorWith(latencyMs));
  });
  beforeEach(() => emulator.clearRequests());

  it.each(ways)('%s: the 2 list pages in one round, on 2 connections whose handshakes run side by side', async (_way, command, args) => {
    const ran = await start(command, args, emulator.url, { NODE_EXTRA_CA_CERTS: caFile });
    expectNoLeak(ran.stderr, PLANTED, 'stderr');
    expect(ran.code, ran.stderr).toBe(0);
    expect(JSON.parse(ran.stdout)).toEqual({ count: 20, first: 'tls-value-0-c0ffee' });
    expect(emulator.connectionStats()).toEqual({ connections: 2, tlsFull: 2, tlsResumed: 0, tlsFailed: 0 });
    // Connection numbers run on across the emulator's life: what matters is one page on each.
    const [one, two] = emulator.requests;
    expect(one?.connection).not.toBe(two?.connection);
    expect(emulator.requests.map((r) => [r.method, r.query['page'], r.status]).sort()).toEqual([
      ['GET', '1', 200],
      ['GET', '2', 200],
    ]);
    // Through the relay, on each connection: TCP 1 + TLS 1.3 1 + its page 1, counted from the order of bytes.
    expect(emulator.relayConnections().map((c) => c.roundTrips)).toEqual(latencyMs > 0 ? [3, 3] : []);
  });
});

describe('the early connection: opened as the start begins, from the environment alone', () => {
  let emulator: Emulator;
  let caFile: string;
  beforeAll(async () => {
    ({ emulator, caFile } = await emulatorWith());
  });
  beforeEach(() => emulator.clearRequests());

  // The connections leave before the library has even resolved the settings (on the old
  // code this server saw none), and carry nothing: the settings fail, so no request is made.
  it.each(ways)('%s: a start whose settings fail connected to the server the environment names, and sent it nothing', async (_way, command, args) => {
    const ran = await start(command, args, emulator.url, { NODE_EXTRA_CA_CERTS: caFile, CLARIFAI_SECRETS_TIMEOUT: 'soon' });
    expectNoLeak(ran.stderr + ran.stdout, PLANTED, 'output');
    expect(ran.code).toBe(1);
    expect(ran.stderr).toMatch(/CLARIFAI_SECRETS_TIMEOUT.*\[ERR_CONFIG\]/);
    await until(() => emulator.connectionStats().connections > 0);
    expect(emulator.requests).toEqual([]);
  });

  it.each(ways)('%s: not with a proxy variable set (the load goes through the proxy)', async (_way, command, args) => {
    const ran = await start(command, args, emulator.url, { NODE_EXTRA_CA_CERTS: caFile, CLARIFAI_SECRETS_TIMEOUT: 'soon', HTTPS_PROXY: 'http://127.0.0.1:9' });
    expect(ran.code).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(emulator.connectionStats().connections).toBe(0);
  });

  it.each(ways)('%s: one named secret, one connection and one request', async (_way, command, args) => {
    const ran = await start(command, args, emulator.url, { NODE_EXTRA_CA_CERTS: caFile, CLARIFAI_SECRETS: 'TLS_SECRET_00' });
    expect(ran.code, ran.stderr).toBe(0);
    expect(JSON.parse(ran.stdout)).toEqual({ count: 1, first: 'tls-value-0-c0ffee' });
    expect(emulator.connectionStats().connections).toBe(1);
    expect(emulator.requests).toHaveLength(1);
  });

  // A -r start that cannot let Module.runMain wait (here a second -r preload) loads in the
  // sync worker, which opens connections of its own: none is opened early for it.
  it('-r with a second preload: no early connection (the load runs in a worker thread), every connection carries a request', async () => {
    project.write('other-preload.cjs', '');
    const ran = await start(process.execPath, ['-r', 'clarifai-secrets/register', '-r', './other-preload.cjs', 'app.cjs'], emulator.url, { NODE_EXTRA_CA_CERTS: caFile });
    expect(ran.code, ran.stderr).toBe(0);
    expect(JSON.parse(ran.stdout)).toEqual({ count: 20, first: 'tls-value-0-c0ffee' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const used = new Set(emulator.requests.map((r) => r.connection));
    expect(emulator.connectionStats().connections).toBe(used.size);
  });

  it('run --api-base: no early connection to the environment\'s server', async () => {
    const other = await emulatorWith();
    const ran = await start(process.execPath, [CLI, 'run', '--api-base', other.emulator.url, '--', process.execPath, 'app.cjs'], emulator.url, { NODE_EXTRA_CA_CERTS: other.caFile });
    expect(ran.code, ran.stderr).toBe(0);
    expect(other.emulator.requests).toHaveLength(2);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(emulator.connectionStats().connections).toBe(0);
  });
});

describe('an emulator certificate the client does not trust', () => {
  it.each(ways)('%s: one line naming NODE_EXTRA_CA_CERTS, no request answered', async (_way, command, args) => {
    const { emulator } = await emulatorWith();
    const ran = await start(command, args, emulator.url);
    expectNoLeak(ran.stderr + ran.stdout, PLANTED, 'output');
    expect(ran.code).not.toBe(0);
    const lines = ran.stderr.trim().split('\n');
    expect(lines, ran.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/not trusted.*NODE_EXTRA_CA_CERTS/);
    expect(emulator.requests).toEqual([]);
    expect(emulator.connectionStats().tlsFull).toBe(0);
  });
});

describe('clarifai-secrets emulator --tls, as a user runs it', () => {
  it('the file its start message names is what NODE_EXTRA_CA_CERTS needs for `clarifai-secrets list`', async () => {
    const child = spawn(process.execPath, [CLI, 'emulator', '--port', '0', '--tls', '--pat', PAT], { env: baseEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let stderr = '';
      child.stderr.setEncoding('utf8');
      const use = await new Promise<RegExpExecArray>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no start message: ${stderr}`)), 15_000);
        child.stderr.on('data', (chunk: string) => {
          stderr += chunk;
          const match = /use: +NODE_EXTRA_CA_CERTS=(\S+) CLARIFAI_API_BASE=(https:\S+)/.exec(stderr);
          if (match) {
            clearTimeout(timer);
            resolve(match);
          }
        });
      });
      const [, caFile, url] = use as unknown as [string, string, string];
      const trusted = await run(process.execPath, [CLI, 'list'], { cwd: project.dir, env: baseEnv({ CLARIFAI_PAT: PAT, CLARIFAI_API_BASE: url, NODE_EXTRA_CA_CERTS: caFile }) });
      expect(trusted.code, trusted.stderr).toBe(0);
      const untrusted = await run(process.execPath, [CLI, 'list'], { cwd: project.dir, env: baseEnv({ CLARIFAI_PAT: PAT, CLARIFAI_API_BASE: url }) });
      expect(untrusted.code).toBe(1);
      expect(untrusted.stderr).toMatch(/not trusted.*NODE_EXTRA_CA_CERTS/);
      const stopped = new Promise<number | null>((resolve) => child.once('close', resolve));
      child.kill('SIGTERM');
      expect(await stopped).toBe(0);
      expect(existsSync(caFile)).toBe(false);
      expectNoLeak(stderr, { PAT }, 'emulator stderr');
    } finally {
      child.kill('SIGKILL');
    }
  });
});
