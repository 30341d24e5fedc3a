/**
 * The web page's files as the server hands them out: the headers that keep them to
 * themselves, and the build and the tarball carrying them (the page is inlined into
 * dist/emulator.* and dist/cli-tools.cjs, the bundle behind every command but run; it is
 * not shipped as loose files).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { CLI, REPO_ROOT } from '../support/package-link.js';

const PAGE_DIR = join(REPO_ROOT, 'src', 'emulator', 'page');
const SOURCE = {
  '/': readFileSync(join(PAGE_DIR, 'index.html'), 'utf8'),
  '/app.js': readFileSync(join(PAGE_DIR, 'app.js'), 'utf8'),
  '/app.css': readFileSync(join(PAGE_DIR, 'app.css'), 'utf8'),
};

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(async () => {
  await emulator.close();
});

describe('the page files and their headers', () => {
  test.each([
    ['/', 'text/html; charset=utf-8'],
    ['/app.js', 'text/javascript; charset=utf-8'],
    ['/app.css', 'text/css; charset=utf-8'],
  ] as const)('%s: %s, a strict CSP, nosniff, no framing, no caching', async (path, type) => {
    const response = await fetch(emulator.url + path);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(type);
    expect(await response.text()).toBe(SOURCE[path]);
    const csp = response.headers.get('content-security-policy') ?? '';
    for (const directive of ["default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "frame-ancestors 'none'", "form-action 'none'", "base-uri 'none'"]) {
      expect(csp).toContain(directive);
    }
    expect(csp).not.toMatch(/unsafe-|\*|https?:|data:/);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('set-cookie')).toBeNull();
  });

  test('needs no token, answers HEAD, and leaves the API alone', async () => {
    expect((await fetch(`${emulator.url}/`, { method: 'HEAD' })).status).toBe(200);
    expect((await fetch(`${emulator.url}/favicon.ico`)).status).toBe(204);
    const post = await fetch(`${emulator.url}/`, { method: 'POST' });
    expect(post.status).toBe(404);
    expect(((await post.json()) as { status: { code: number } }).status.code).toBe(11101);
    expect((await fetch(`${emulator.url}/v2/users/me/secrets`)).status).toBe(401);
  });

  test('the HTML names nothing from elsewhere and has no inline script or style', () => {
    const html = SOURCE['/'];
    expect(html).not.toMatch(/(src|href)="(?!\/app\.(js|css)")/);
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)/);
    expect(html).not.toMatch(/\sstyle=|<style|\son[a-z]+=/i);
    expect(SOURCE['/app.js']).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function|console\./);
  });

  test('a page request does not use up a fault meant for the API', async () => {
    emulator.inject({ kind: 'error', status: 500, code: 98004 });
    expect((await fetch(`${emulator.url}/app.js`)).status).toBe(200);
    const api = await fetch(`${emulator.url}/v2/users/me/secrets`, { headers: { authorization: 'Key emulator-pat' } });
    expect(api.status).toBe(500);
  });
});

describe('the page ships inside the build and the tarball', () => {
  test('dist/emulator.js and dist/emulator.cjs serve the same files', async () => {
    const esm = (await import(pathToFileURL(join(REPO_ROOT, 'dist', 'emulator.js')).href)) as typeof import('../../src/emulator/index.js');
    const cjs = createRequire(import.meta.url)(join(REPO_ROOT, 'dist', 'emulator.cjs')) as typeof import('../../src/emulator/index.js');
    for (const built of [esm, cjs]) {
      const server = await built.startEmulator();
      try {
        for (const [path, text] of Object.entries(SOURCE)) expect(await (await fetch(server.url + path)).text()).toBe(text);
      } finally {
        await server.close();
      }
    }
  });

  test('`clarifai-secrets emulator` (dist/cli.cjs) serves it', async () => {
    const child = spawn(process.execPath, [CLI, 'emulator', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
          out += chunk;
          if (out.includes('\n')) resolve(out.split('\n')[0] as string);
        });
        child.once('exit', (code) => reject(new Error(`the emulator exited with ${code}`)));
      });
      for (const [path, text] of Object.entries(SOURCE)) expect(await (await fetch(url + path)).text()).toBe(text);
    } finally {
      child.kill('SIGTERM');
    }
  });

  test('npm pack carries the page in dist/cli-tools.cjs and dist/emulator.*', () => {
    const scratch = mkdtempSync(join(tmpdir(), 'cs-page-pack-'));
    try {
      // --ignore-scripts: pack the dist/ this run built instead of rebuilding it under other tests.
      const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', scratch], { cwd: REPO_ROOT, encoding: 'utf8' });
      const [{ filename }] = JSON.parse(out) as [{ filename: string }];
      execFileSync('tar', ['-xzf', join(scratch, filename), '-C', scratch]);
      for (const file of ['cli-tools.cjs', 'emulator.js', 'emulator.cjs']) {
        const bundled = readFileSync(join(scratch, 'package', 'dist', file), 'utf8');
        expect(bundled, file).toContain('clarifai-emulator-token');
        expect(bundled, file).toContain('id="confirm-delete"');
      }
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
