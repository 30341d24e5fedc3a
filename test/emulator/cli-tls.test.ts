/** `clarifai-secrets emulator --tls`, `--tls-cert/--tls-key` and `--latency`, run in-process against real https clients. */
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterEach, describe, expect, test } from 'vitest';
import { emulatorCommand } from '../../src/cli/emulator-command.js';
import { Capture, runEmulatorCommand } from '../support/emulator-command.js';
import { selfSignedCertificate } from '../../src/emulator/tls-cert.js';

const run = runEmulatorCommand;

async function fails(argv: string[]): Promise<{ code: number; stderr: string }> {
  const stderr = new Capture();
  const code = await emulatorCommand(argv, { stdout: new Capture(), stderr });
  return { code, stderr: stderr.text };
}

function getCert(url: string, ca: string | Buffer): Promise<{ status: number; raw: Buffer | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/v2/users/me/secrets`, { ca, headers: { authorization: 'Key emulator-pat' }, agent: false }, (res) => {
      const raw = (res.socket as TLSSocket).getPeerCertificate().raw;
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, raw }));
    });
    req.on('error', reject);
    req.end();
  });
}

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cs-cli-tls-'));
  dirs.push(dir);
  return dir;
}

describe('clarifai-secrets emulator --tls', () => {
  test('serves HTTPS; writes the certificate (never the key) to the file it names with NODE_EXTRA_CA_CERTS; deletes it when stopped', async () => {
    const running = await run(['--port', '0', '--tls']);
    expect(running.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const named = /NODE_EXTRA_CA_CERTS=(\S+) CLARIFAI_API_BASE=https:/.exec(running.stderr.text)?.[1];
    expect(named, running.stderr.text).toBeDefined();
    const file = named as string;
    const pem = readFileSync(file, 'utf8');
    expect(pem).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(pem).not.toMatch(/PRIVATE KEY/);
    expect(running.stderr.text).not.toMatch(/PRIVATE KEY|BEGIN/);
    expect(running.stderr.text).toContain('the browser warns that it does not know this certificate');
    const reply = await getCert(running.url, pem);
    expect(reply.status).toBe(200);
    expect(reply.raw?.equals(new X509Certificate(pem).raw)).toBe(true);
    expect(await running.stop()).toBe(0);
    expect(existsSync(file)).toBe(false);
  });

  test('--tls-cert and --tls-key serve the files given', async () => {
    const dir = scratch();
    const given = await selfSignedCertificate(['127.0.0.1', 'cli-given.example']);
    writeFileSync(join(dir, 'cert.pem'), given.cert);
    writeFileSync(join(dir, 'key.pem'), given.key);
    const running = await run(['--port', '0', '--tls-cert', join(dir, 'cert.pem'), '--tls-key', join(dir, 'key.pem')]);
    expect(running.url).toMatch(/^https:\/\//);
    expect(running.stderr.text).toContain(`tls:   ${join(dir, 'cert.pem')}`);
    const reply = await getCert(running.url, given.cert);
    expect(reply.raw?.equals(new X509Certificate(given.cert).raw)).toBe(true);
    expect(await running.stop()).toBe(0);
  });

  test('mistakes end in one line that says what to do, and never print a key', async () => {
    const dir = scratch();
    const given = await selfSignedCertificate(['localhost']);
    writeFileSync(join(dir, 'cert.pem'), given.cert);
    writeFileSync(join(dir, 'key.pem'), given.key);
    writeFileSync(join(dir, 'junk.pem'), 'not a pem at all\n');

    const onlyCert = await fails(['--port', '0', '--tls-cert', join(dir, 'cert.pem')]);
    expect(onlyCert).toEqual({ code: 2, stderr: 'clarifai-secrets emulator: --tls-cert and --tls-key go together: give both files, or --tls alone (see clarifai-secrets emulator --help)\n' });

    const missing = await fails(['--port', '0', '--tls-cert', join(dir, 'nope.pem'), '--tls-key', join(dir, 'key.pem')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`clarifai-secrets emulator: cannot read --tls-cert ${join(dir, 'nope.pem')} (ENOENT)\n`);

    const swapped = await fails(['--port', '0', '--tls-cert', join(dir, 'key.pem'), '--tls-key', join(dir, 'cert.pem')]);
    const junk = await fails(['--port', '0', '--tls-cert', join(dir, 'cert.pem'), '--tls-key', join(dir, 'junk.pem')]);
    for (const bad of [swapped, junk]) {
      expect(bad.code).toBe(1);
      expect(bad.stderr.split('\n')).toHaveLength(2);
      expect(bad.stderr).toMatch(/^clarifai-secrets emulator: cannot serve HTTPS with --tls-cert .* \(both must be PEM, and the key must be the certificate's\)\n$/);
      expect(bad.stderr).not.toContain(given.key.split('\n')[1] as string);
    }
  });
});

describe('clarifai-secrets emulator --latency', () => {
  test('says what it emulates; refuses what is not milliseconds', async () => {
    const running = await run(['--port', '0', '--latency', '20']);
    expect(running.stderr.text).toContain('latency: 20 ms per round trip');
    expect((await fetch(`${running.url}/v2/users/me/secrets`, { headers: { authorization: 'Key emulator-pat' } })).status).toBe(200);
    expect(await running.stop()).toBe(0);

    for (const value of ['abc', '-5', '60001', '1.5', '']) {
      const bad = await fails([`--latency=${value}`]);
      expect(bad, value).toEqual({ code: 2, stderr: 'clarifai-secrets emulator: --latency must be a number of milliseconds from 0 to 60000 (see clarifai-secrets emulator --help)\n' });
    }
  });
});
