/**
 * The package as a new user gets it from source: a clean copy of the repository (what a
 * clone or a git install has: no dist/), packed with `npm pack` and installed into a fresh
 * app. The copy shares this checkout's node_modules in place of `npm ci`, so no download is
 * needed beyond the app's own dependencies (served from npm's cache when they are there).
 * Then the ecosystem's checks on that very tarball: publint and arethetypeswrong.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/package-link.js';
import { run } from '../support/spawn.js';

const env = { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };
let scratch: string;
let tarball: string;

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'cs-pack-'));
  const source = join(scratch, 'source');
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: REPO_ROOT, encoding: 'utf8' })
    .split('\0')
    .filter((file) => file !== '' && existsSync(join(REPO_ROOT, file)));
  for (const file of files) {
    mkdirSync(dirname(join(source, file)), { recursive: true });
    cpSync(join(REPO_ROOT, file), join(source, file));
  }
  expect(existsSync(join(source, 'dist'))).toBe(false);
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(source, 'node_modules'), 'dir');
  const manifest = readFileSync(join(source, 'package.json'), 'utf8');
  const packed = await run('npm', ['pack', '--pack-destination', scratch], { cwd: source, env });
  expect(packed.code, packed.stderr).toBe(0);
  // prepack takes `prepare` out of the packed manifest; postpack puts it back, byte for byte.
  expect(readFileSync(join(source, 'package.json'), 'utf8')).toBe(manifest);
  const name = readdirSync(scratch).find((file) => file.endsWith('.tgz'));
  if (!name) throw new Error('npm pack wrote no tarball');
  tarball = join(scratch, name);
}, 180_000);

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('installed from source', () => {
  it('npm pack of a clean copy builds dist/, and the app gets a working bin, preload and types', async () => {
    const listing = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n');
    for (const file of ['dist/cli.cjs', 'dist/index.js', 'dist/index.d.ts', 'register/register.mjs', 'register/register.d.ts']) {
      expect(listing).toContain(`package/${file}`);
    }
    const app = join(scratch, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), '{ "name": "app", "version": "1.0.0", "private": true }\n');
    const installed = await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], { cwd: app, env });
    expect(installed.code, installed.stderr).toBe(0);
    // The packed manifest runs nothing at install: npm (11) warns about any install script of
    // a tarball or git dependency, `prepare` included, which an installed package never needs.
    expect(installed.stderr).not.toMatch(/install-scripts|prepare/);
    const packedManifest = JSON.parse(readFileSync(join(app, 'node_modules', 'clarifai-secrets', 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
    for (const script of ['preinstall', 'install', 'postinstall', 'prepare']) expect(packedManifest.scripts?.[script]).toBeUndefined();
    // A git install has no dist/ and is built by `prepare` (npm runs no other script there).
    const repoManifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(repoManifest.scripts['prepare']).toBe('npm run build');

    const version = await run(join(app, 'node_modules', '.bin', 'clarifai-secrets'), ['--version'], { cwd: app });
    expect(version).toMatchObject({ code: 0, stderr: '' });
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+/);
    // The preload resolves and runs (no token: its one failure line, not a missing module).
    const preloaded = await run(process.execPath, ['--import', 'clarifai-secrets/register', '-e', '0'], {
      cwd: app,
      env: { PATH: process.env['PATH'], HOME: scratch, CLARIFAI_SECRETS_CACHE_DIR: 'off' },
    });
    expect(preloaded.stderr).toMatch(/^clarifai-secrets: CLARIFAI_PAT is not set.*\[ERR_CONFIG\]\n$/);

    // A normal install carries what a load needs, not the emulator's certificate maker:
    // `emulator --tls` then says how to add it, in one line, before anything listens.
    expect(existsSync(join(app, 'node_modules', 'node-forge'))).toBe(false);
    const tls = await run(join(app, 'node_modules', '.bin', 'clarifai-secrets'), ['emulator', '--tls', '--port', '0'], { cwd: app, killAfterMs: 20_000 });
    expect(tls.code).toBe(1);
    expect(tls.stdout).toBe('');
    expect(tls.stderr).toMatch(/^clarifai-secrets emulator: the emulator makes its own TLS certificate with node-forge, which is not installed .*npm install --save-dev node-forge.*--tls-cert and --tls-key\n$/);
  }, 180_000);

  it('publint and arethetypeswrong find nothing wrong with the tarball', async () => {
    const unpacked = join(scratch, 'unpacked');
    mkdirSync(unpacked);
    execFileSync('tar', ['-xzf', tarball, '-C', unpacked]);
    const bin = join(REPO_ROOT, 'node_modules', '.bin');
    const publint = await run(join(bin, 'publint'), ['--strict', '--pack', 'false', join(unpacked, 'package')], { env });
    expect(publint.code, publint.stdout + publint.stderr).toBe(0);
    expect(publint.stdout).toMatch(/All good/);
    // node10 resolution cannot see subpath exports at all; the package needs Node 20.19.
    const attw = await run(join(bin, 'attw'), [tarball, '--profile', 'node16', '--format', 'ascii'], { env });
    expect(attw.code, attw.stdout + attw.stderr).toBe(0);
  }, 120_000);
});
