/**
 * `npm test` runs the preload's e2e tests on the Node that runs it, and on the others only
 * when CLARIFAI_SECRETS_TEST_NODES names them (.ci/run installs 22 and 24). A run that
 * tested one Node must say so after it passes, and how to test the others.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/package-link.js';
import { run } from '../support/spawn.js';

const NOTE = join(REPO_ROOT, 'test', 'support', 'other-nodes.mjs');

describe('the other Node versions', () => {
  it('npm test ends, once it has passed, with the note', () => {
    const { scripts } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(scripts['posttest']).toBe('node test/support/other-nodes.mjs');
  });

  it('with no other Node named, says which one was tested and the commands that test 22 and 24', async () => {
    const ran = await run(process.execPath, [NOTE], { env: { PATH: process.env['PATH'] } });
    expect(ran.code).toBe(0);
    expect(ran.stderr).toContain(`tested on Node ${process.version} only`);
    expect(ran.stderr).toMatch(/npm install --prefix \S+ --no-save node-linux-(x64|arm64)@22\n/);
    expect(ran.stderr).toMatch(/npm install --prefix \S+ --no-save node-linux-(x64|arm64)@24\n/);
    expect(ran.stderr).toMatch(/CLARIFAI_SECRETS_TEST_NODES=\S+\/bin\/node:\S+\/bin\/node npx vitest run test\/e2e\n/);
  });

  it('with them named, lists every version tested and nothing more', async () => {
    const ran = await run(process.execPath, [NOTE], { env: { PATH: process.env['PATH'], CLARIFAI_SECRETS_TEST_NODES: process.execPath } });
    expect(ran).toMatchObject({ code: 0, stderr: `clarifai-secrets tests: the preload's e2e tests ran on Node ${process.version}, ${process.version}\n` });
  });
});
