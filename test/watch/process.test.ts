/**
 * watchSecrets in real processes on the built package: it updates process.env, reports names
 * only, and never keeps a process alive, whether the app closes it or forgets it.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { watch } from '../cli/helpers.js';
import { expectNoLeak } from '../support/leaks.js';
import { type Project, makeProject } from '../support/package-link.js';
import { baseEnv, runNode } from '../support/spawn.js';

const PAT = 'pat-WATCHPROC-3e7a1c';
const VALUE = 'sk-WATCHPROC-openai-VALUE-6f';
const ROTATED = 'sk-WATCHPROC-openai-ROTATED-value-77';
const PLANTED = { PAT, VALUE, ROTATED };

let emulator: Emulator;
let project: Project;
beforeAll(async () => {
  emulator = await startEmulator({ pats: { [PAT]: 'proc' }, users: { proc: [] } });
  project = makeProject('cs-watch-proc-');
  // A service: a server keeps it alive until the key rotates, then it closes both and ends.
  project.write(
    'service.mjs',
    `import { createServer } from 'node:http';
import { watchSecrets } from 'clarifai-secrets';
const server = createServer((req, res) => res.end('ok')).listen(0, '127.0.0.1');
const watcher = await watchSecrets({
  intervalMs: 100,
  onChange(change) {
    console.log('change ' + JSON.stringify(change) + ' length ' + process.env.OPENAI_API_KEY.length);
    watcher.close();
    server.close();
  },
});
console.log('loaded ' + watcher.report.set.join(','));\n`,
  );
  // A script that starts a watcher and never closes it: it must still end when its work is done.
  project.write(
    'forget.cjs',
    `const { watchSecrets } = require('clarifai-secrets');
watchSecrets({ intervalMs: 50 }).then((watcher) => console.log('loaded ' + watcher.report.set.join(',')));\n`,
  );
});
afterAll(async () => {
  await emulator.close();
  project.remove();
});
beforeEach(() => {
  emulator.reset();
  emulator.seed('proc', [{ id: 'OPENAI_API_KEY', value: VALUE }]);
});

const env = () => baseEnv({ CLARIFAI_PAT: PAT, CLARIFAI_API_BASE: emulator.url, CLARIFAI_SECRETS_CACHE_DIR: 'off' });

describe('watchSecrets in a process', () => {
  it('updates process.env, reports names only, and the process ends once it closes the watcher', async () => {
    const started = watch(process.execPath, ['service.mjs'], { cwd: project.dir, env: env() });
    await started.waitFor('loaded OPENAI_API_KEY');
    emulator.seed('proc', [{ id: 'OPENAI_API_KEY', value: ROTATED }]);
    const ran = await started.done;
    expect(ran.code).toBe(0);
    expect(ran.stdout).toBe(
      `loaded OPENAI_API_KEY\nchange {"changed":["OPENAI_API_KEY"],"added":[],"removed":[]} length ${ROTATED.length}\n`,
    );
    expect(ran.stderr).toBe('');
    expectNoLeak(ran.stdout + ran.stderr, PLANTED, 'the service output');
  });

  it('a watcher that is never closed does not keep the process alive (CommonJS)', async () => {
    const ran = await runNode(['forget.cjs'], { cwd: project.dir, env: env(), killAfterMs: 20_000 });
    expect(ran).toMatchObject({ code: 0, signal: null, stdout: 'loaded OPENAI_API_KEY\n', stderr: '' });
  });
});
