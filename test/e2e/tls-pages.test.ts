/**
 * A list walk over HTTPS asks for pages 1 and 2 in the same round, as over plain HTTP: the
 * two connections' TLS handshakes run side by side, so the empty page that ends the walk
 * costs no round trip of its own (tens of ms where users are).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { type Server, createServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeProject, type Project } from '../support/package-link.js';
import { baseEnv, run } from '../support/spawn.js';

const PAT = 'pat-TLS-PAGES-4d3c2b1a';
let server: Server;
let url: string;
let ca: Buffer;
let caFile: string;
let project: Project;
const handshakes: number[] = [];
const order: string[] = [];

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cs-tls-pages-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-days', '1',
    '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
  caFile = join(dir, 'cert.pem');
  ca = readFileSync(caFile);
  project = makeProject();
  project.write('app.mjs', "import { loadSecrets } from 'clarifai-secrets'; await loadSecrets(); console.log(process.env.A);\n");
  server = createServer({ key: readFileSync(join(dir, 'key.pem')), cert: ca }, (req, res) => {
    const page = new URL(req.url ?? '/', 'https://x').searchParams.get('page');
    order.push(`request ${page}`);
    const secrets = page === '1' ? [{ id: 'A', value: 'a', version: 1, user_id: 'u' }] : [];
    // Page 1 answers a little late: a page 2 asked for at the same time would arrive first.
    setTimeout(() => {
      order.push(`answer ${page}`);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ status: { code: 10000, description: 'Ok' }, secrets }));
    }, page === '1' ? 50 : 0);
  });
  server.on('secureConnection', () => handshakes.push(Date.now()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  project.remove();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

it('asks for pages 1 and 2 together, each on a connection of its own, before page 1 answers', async () => {
  // The startup path (Node's https), trusting the test certificate the way users do.
  const ran = await run(process.execPath, ['app.mjs'], {
    cwd: project.dir,
    env: baseEnv({ NODE_EXTRA_CA_CERTS: caFile, CLARIFAI_PAT: PAT, CLARIFAI_API_BASE: url, CLARIFAI_SECRETS_CACHE_DIR: 'off' }),
  });
  expect(ran.stderr).toBe('');
  expect(ran.stdout).toBe('a\n');
  // Page 2 was asked for before the late page 1 answered: both were out in one round (the
  // two connections' handshakes finish in either order, so only that order is fixed).
  expect([...order].sort()).toEqual(['answer 1', 'answer 2', 'request 1', 'request 2']);
  expect(order.indexOf('request 2')).toBeLessThan(order.indexOf('answer 1'));
  expect(order.at(-1)).toBe('answer 1');
  expect(handshakes).toHaveLength(2);
});
