/** examples/watch-rotation: the server rebuilds its client when the key rotates, and ends on SIGTERM. */
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { watch } from '../cli/helpers.js';
import { expectNoLeak } from '../support/leaks.js';
import { REPO_ROOT } from '../support/package-link.js';
import { baseEnv } from '../support/spawn.js';

const PAT = 'pat-ROTATION-4a9c';
const VALUE = 'sk-ROTATION-first-VALUE-01';
const ROTATED = 'sk-ROTATION-second-VALUE-0002';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ pats: { [PAT]: 'ex' }, users: { ex: [{ id: 'OPENAI_API_KEY', value: VALUE }] } });
});
afterAll(() => emulator.close());

async function ask(url: string): Promise<unknown> {
  return (await fetch(url)).json();
}

it('watch-rotation: a rotated key gets a new client, with no restart', async () => {
  const started = watch(process.execPath, ['server.mjs'], {
    cwd: join(REPO_ROOT, 'examples', 'watch-rotation'),
    env: baseEnv({
      CLARIFAI_PAT: PAT,
      CLARIFAI_API_BASE: emulator.url,
      CLARIFAI_SECRETS_CACHE_DIR: 'off',
      WATCH_INTERVAL_MS: '100',
      PORT: '0',
    }),
  });
  await started.waitFor('listening on ');
  const url = /listening on (\S+)/.exec(started.stdout())?.[1] as string;
  expect(await ask(url)).toEqual({ client: 1, keyLength: VALUE.length });
  emulator.seed('ex', [{ id: 'OPENAI_API_KEY', value: ROTATED }]);
  await started.waitFor('client #2 built');
  expect(await ask(url)).toEqual({ client: 2, keyLength: ROTATED.length });
  started.child.kill('SIGTERM');
  const ran = await started.done;
  expect(ran.code).toBe(0);
  expect(ran.stderr).toBe('');
  expect(ran.stdout).toMatch(/^listening on \S+\nOPENAI_API_KEY rotated: client #2 built\n$/);
  expectNoLeak(ran.stdout + ran.stderr, { PAT, VALUE, ROTATED }, 'the example output');
});
