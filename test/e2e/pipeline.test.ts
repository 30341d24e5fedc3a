/**
 * One load pipeline: a preload whose cache-hit start finds only a stale copy hands its start
 * on, so the full preload reads the `.env` file and decrypts the copy no second time. A probe
 * preloaded first counts what the process opens.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { type Project, makeProject } from '../support/package-link.js';
import { baseEnv, runNode } from '../support/spawn.js';

const PAT = 'pat-PIPELINE-e2e-1f0c7a3e';
const USER = 'pipeline-user';

let emulator: Emulator;
let project: Project;

beforeAll(async () => {
  emulator = await startEmulator({ pats: { [PAT]: USER }, users: { [USER]: [{ id: 'PL_KEY', value: 'pl-value-5b2e' }] } });
  project = makeProject('cs-pipeline-');
  project.write('.env', 'CLARIFAI_SECRETS=PL_KEY\n');
  project.write('app.cjs', 'console.log(process.env.PL_KEY ?? "unset");\n');
  // Counts the opens of the .env file and of the cache folder's files, printed at exit.
  project.write(
    'probe.cjs',
    `const fs = require('node:fs');
const counts = { env: 0, copy: 0 };
const count = (path) => {
  const p = String(path);
  if (p.endsWith('/.env')) counts.env++;
  else if (p.startsWith(process.env.CLARIFAI_SECRETS_CACHE_DIR + '/') && !p.endsWith('.tmp')) counts.copy++;
};
for (const name of ['openSync', 'readFileSync']) {
  const original = fs[name];
  fs[name] = function (path, ...rest) { if (typeof path === 'string') count(path); return original.call(this, path, ...rest); };
}
process.on('exit', () => process.stderr.write('probe ' + JSON.stringify(counts) + '\\n'));
`,
  );
});
afterAll(async () => {
  await emulator.close();
  project.remove();
});

describe('a preload with a TTL and only a stale copy', () => {
  it.each([['--import'], ['-r']])('reads the .env file and the copy once (%s)', async (flag) => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'cs-pipeline-cache-'));
    const env = baseEnv({ CLARIFAI_PAT: PAT, CLARIFAI_API_BASE: emulator.url, CLARIFAI_SECRETS_CACHE_DIR: cacheDir, CLARIFAI_SECRETS_CACHE_TTL: '1' });
    const first = await runNode([flag, 'clarifai-secrets/register', 'app.cjs'], { cwd: project.dir, env });
    expect(first.stdout, first.stderr).toBe('pl-value-5b2e\n');
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    emulator.clearRequests();
    const ran = await runNode(['-r', './probe.cjs', flag, 'clarifai-secrets/register', 'app.cjs'], { cwd: project.dir, env });
    expect(ran.stdout, ran.stderr).toBe('pl-value-5b2e\n');
    // The copy was stale: the API was asked, once.
    expect(emulator.requests).toHaveLength(1);
    const counts = JSON.parse(/probe (\{.*\})/.exec(ran.stderr)?.[1] ?? '{}') as { env: number; copy: number };
    expect(counts).toEqual({ env: 1, copy: 1 });
  });
});

describe('watchSecrets', () => {
  it('reads the .env file and the copy once for its first load', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'cs-pipeline-cache-'));
    const env = baseEnv({ CLARIFAI_PAT: PAT, CLARIFAI_API_BASE: emulator.url, CLARIFAI_SECRETS_CACHE_DIR: cacheDir });
    project.write(
      'watch.mjs',
      `import { watchSecrets } from 'clarifai-secrets';
const watcher = await watchSecrets({ intervalMs: 60_000 });
console.log(process.env.PL_KEY ?? 'unset', watcher.report.source);
watcher.close();
`,
    );
    const ran = await runNode(['-r', './probe.cjs', 'watch.mjs'], { cwd: project.dir, env });
    expect(ran.stdout, ran.stderr).toBe('pl-value-5b2e api\n');
    const counts = JSON.parse(/probe (\{.*\})/.exec(ran.stderr)?.[1] ?? '{}') as { env: number; copy: number };
    // One .env read for the settings; the copy is read once by the watcher to know what is on disk.
    expect(counts.env).toBe(1);
  });
});
