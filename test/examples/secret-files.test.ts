/** examples/secret-files: a Google service-account key loaded as a file, as its README says. */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { expectNoLeak } from '../support/leaks.js';
import { CLI, REPO_ROOT } from '../support/package-link.js';
import { baseEnv, runNode } from '../support/spawn.js';

const PAT = 'pat-EXAMPLE-FILES-5e0b';
const KEY = JSON.stringify({ type: 'service_account', client_email: 'app@example-project.iam.gserviceaccount.com', private_key: 'EXAMPLE-FILES-private-7d21' });
const DIR = join(REPO_ROOT, 'examples', 'secret-files');

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ pats: { [PAT]: 'ex' }, users: { ex: [{ id: 'gcp-service-account', value: KEY }] } });
});
afterAll(() => emulator.close());

const env = (extra: Record<string, string> = {}) =>
  baseEnv({ CLARIFAI_PAT: PAT, CLARIFAI_API_BASE: emulator.url, CLARIFAI_SECRETS_CACHE_DIR: 'off', ...extra });
const SEEN = 'credentials: app@example-project.iam.gserviceaccount.com (a file of mode 600)\n';

describe('examples/secret-files', () => {
  it('node --import with GOOGLE_APPLICATION_CREDENTIALS=@gcp-service-account', async () => {
    const ran = await runNode(['--import', 'clarifai-secrets/register', 'app.mjs'], {
      cwd: DIR,
      env: env({ CLARIFAI_SECRETS: 'GOOGLE_APPLICATION_CREDENTIALS=@gcp-service-account' }),
    });
    expect(ran).toMatchObject({ code: 0, stdout: SEEN, stderr: '' });
  });

  it('run --secrets, and the reference form', async () => {
    const viaRun = await runNode([CLI, 'run', '--secrets', 'GOOGLE_APPLICATION_CREDENTIALS=@gcp-service-account', '--', process.execPath, 'app.mjs'], { cwd: DIR, env: env() });
    expect(viaRun).toMatchObject({ code: 0, stdout: SEEN, stderr: '' });
    const viaReference = await runNode(['-r', 'clarifai-secrets/register', 'app.mjs'], {
      cwd: DIR,
      env: env({ GOOGLE_APPLICATION_CREDENTIALS: 'clarifai://secrets/@gcp-service-account' }),
    });
    expect(viaReference).toMatchObject({ code: 0, stdout: SEEN, stderr: '' });
    expectNoLeak(viaRun.stdout + viaRun.stderr + viaReference.stdout + viaReference.stderr, { PAT, KEY: 'EXAMPLE-FILES-private-7d21' }, 'the example output');
  });
});
