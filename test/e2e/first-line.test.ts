/**
 * Loading from inside the app instead of with a flag: the forms the README recommends see the
 * secrets in every module, and the one it warns against (`import 'clarifai-secrets/register'`
 * as an ES module's first line) really does leave the modules imported after it without them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { expectNoLeak } from '../support/leaks.js';
import { type Project, REPO_ROOT, makeProject } from '../support/package-link.js';
import { baseEnv, runNode } from '../support/spawn.js';

const PAT = 'pat-FIRSTLINE-7b2e90';
const VALUE = 'sk-FIRSTLINE-value-4c1d';
// The README's block, verbatim: the app loads, then imports the rest of itself.
const RECOMMENDED = `import { loadSecrets } from 'clarifai-secrets';

await loadSecrets();
await import('./server.js'); // imported after the load: its imports see the secrets
`;

let emulator: Emulator;
let project: Project;

beforeAll(async () => {
  emulator = await startEmulator({ pats: { [PAT]: 'u' }, users: { u: [{ id: 'OPENAI_API_KEY', value: VALUE }] } });
  project = makeProject();
  project.write('package.json', '{ "type": "module" }\n');
  // Reads the environment at import time, as config modules do.
  project.write('server.js', `console.log(JSON.stringify({ seen: process.env.OPENAI_API_KEY === ${JSON.stringify(VALUE)} }));\n`);
  project.write('server.cjs', `console.log(JSON.stringify({ seen: process.env.OPENAI_API_KEY === ${JSON.stringify(VALUE)} }));\n`);
  project.write('recommended.js', RECOMMENDED);
  project.write('required.cjs', "require('clarifai-secrets/register');\nrequire('./server.cjs');\n");
  project.write('first-line.js', "import 'clarifai-secrets/register';\nimport './server.js';\n");
});
afterAll(async () => {
  await emulator.close();
  project.remove();
});
beforeEach(() => emulator.clearRequests());

async function start(file: string): Promise<unknown> {
  const ran = await runNode([file], {
    cwd: project.dir,
    env: baseEnv({ CLARIFAI_PAT: PAT, CLARIFAI_API_BASE: emulator.url, CLARIFAI_SECRETS_CACHE_DIR: 'off' }),
  });
  expectNoLeak(ran.stderr, { PAT, VALUE }, 'stderr');
  expect(ran.code).toBe(0);
  return JSON.parse(ran.stdout.trim().split('\n').at(-1) ?? 'null');
}

describe('loading from inside the app', () => {
  it('the README shows the recommended ESM form as tested here', () => {
    expect(readFileSync(join(REPO_ROOT, 'README.md'), 'utf8')).toContain(RECOMMENDED);
  });

  it('await loadSecrets() then await import(): the imported modules see the secrets', async () => {
    expect(await start('recommended.js')).toEqual({ seen: true });
  });

  it("require('clarifai-secrets/register') first in a CommonJS entry: later requires see them", async () => {
    expect(await start('required.cjs')).toEqual({ seen: true });
  });

  it("import 'clarifai-secrets/register' as an ES module's first line does not run first (the README's warning)", async () => {
    expect(await start('first-line.js')).toEqual({ seen: false });
  });
});
