/**
 * The CLI examples, each copied into a project where `clarifai-secrets` is installed (as a
 * user would have it) and run against the emulator.
 */
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expectNoLeak } from '../support/leaks.js';
import { type Project, REPO_ROOT, makeProject } from '../support/package-link.js';
import { type CliWorld, USER, exec, makeCliWorld, watch } from './helpers.js';

const DATABASE_URL = 'postgres://CLI-examples-VALUE-77@db/app';
let w: CliWorld;
const projects: Project[] = [];
beforeAll(async () => {
  w = await makeCliWorld({ DATABASE_URL });
});
afterAll(async () => {
  for (const project of projects) project.remove();
  await w.close();
});
beforeEach(() => w.reset({ 'database-url': DATABASE_URL }));

/** A fresh project with the example's files, and the env `npm run` would give its scripts. */
function install(example: string): { dir: string; env: Record<string, string | undefined> } {
  const project = makeProject(`cs-example-${example}-`);
  projects.push(project);
  cpSync(join(REPO_ROOT, 'examples', example), project.dir, { recursive: true });
  return { dir: project.dir, env: w.env({ PATH: `${join(project.dir, 'node_modules', '.bin')}:${process.env['PATH']}` }) };
}

describe('examples/run-wrapper', () => {
  it('run.sh: a Node app and sh get the secrets, not the PAT; --mask hides; the exit status passes through', async () => {
    // The demo's secret under the env name a user expects (the provisioning example pushes its own).
    w.reset({ DATABASE_URL });
    const { dir, env } = install('run-wrapper');
    const ran = await exec('sh', ['run.sh'], { cwd: dir, env });
    expect(ran.stderr).toBe('');
    expect(ran.code).toBe(0);
    expect(ran.stdout).toBe(
      [
        '== a Node app',
        'OPENAI_API_KEY: set (26 chars)',
        'STRIPE_KEY: set (24 chars)',
        `DATABASE_URL: set (${DATABASE_URL.length} chars)`,
        'CLARIFAI_PAT: not passed on',
        '== any program: sh here, with one secret under a name of its choosing',
        'sh sees API_KEY (26 chars); CLARIFAI_PAT is not passed on',
        '== --mask: a value the program prints by mistake is hidden',
        'debug: key is <concealed>',
        "== the exit status is the program's",
        'exit status: 3',
        '',
      ].join('\n'),
    );
    expectNoLeak(ran.stdout, w.planted, 'run-wrapper output');
  });
});

describe('examples/provision', () => {
  it('provision.sh: push, create, list, pull on the first run; unchanged push and a rotation on the second', async () => {
    const { dir, env } = install('provision');
    const first = await exec('sh', ['provision.sh'], { cwd: dir, env });
    expect(first.stderr).toContain('clarifai-secrets: pushed team.env: 3 created, 0 updated, 0 unchanged');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('== push: the plan first (names only), then apply it\n+ DATABASE_URL\n+ FEATURE_FLAGS\n+ SMTP_PASSWORD\n+ DATABASE_URL\n');
    expect(first.stderr).toContain('created secret "SESSION_SECRET"');
    expect(first.stdout).toMatch(/\nSESSION_SECRET\s+1\s+\S+\s+signs session cookies\n/);
    expect(first.stdout).toContain(
      'FEATURE_FLAGS, read back by node --env-file: {"beta": true, "banner": "it\\"s # not a comment"}\n',
    );
    const session = w.emulator.snapshot(USER).find((s) => s.id === 'SESSION_SECRET')?.value as string;
    expect(session).toMatch(/^[\w-]{32}$/);
    const stored = Object.fromEntries(w.emulator.snapshot(USER).map((s) => [s.id, s.value]));
    expect(stored['SMTP_PASSWORD']).toBe("change me, with spaces and a ' quote");

    w.emulator.clearRequests();
    const second = await exec('sh', ['provision.sh'], { cwd: dir, env });
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('= DATABASE_URL\n= FEATURE_FLAGS\n= SMTP_PASSWORD\n');
    expect(second.stderr).toContain('updated secret "SESSION_SECRET"');
    const rotated = w.emulator.snapshot(USER).find((s) => s.id === 'SESSION_SECRET')?.value as string;
    expect(rotated).not.toBe(session);
    expect(w.emulator.requests.filter((r) => r.method !== 'GET').map((r) => r.method)).toEqual(['PATCH']);

    const secrets = { ...w.planted, session, rotated, smtp: stored['SMTP_PASSWORD'] as string, db: 'change-me@db.internal' };
    for (const ran of [first, second]) expectNoLeak(ran.stdout + ran.stderr, secrets, 'provision output');
  });
});

describe('examples/container', () => {
  /** unshare gives the entrypoint PID 1 of a new PID namespace, as in a container. */
  async function pid1Prefix(): Promise<string[]> {
    for (const prefix of [['unshare', '--pid', '--fork'], ['unshare', '-r', '--pid', '--fork']]) {
      const probe = await exec(prefix[0] as string, [...prefix.slice(1), 'true']).catch(() => undefined);
      if (probe?.code === 0) return prefix;
    }
    return [];
  }

  it('entrypoint.sh as PID 1: the server gets its secret, SIGTERM closes it cleanly, status 0', async () => {
    const { dir, env } = install('container');
    const prefix = await pid1Prefix();
    const started = watch(prefix[0] ?? './entrypoint.sh', [...prefix.slice(1), ...(prefix.length ? ['./entrypoint.sh'] : [])], {
      cwd: dir,
      env: { ...env, PORT: '0' },
    });
    await started.waitFor('listening on port');
    const port = Number(/port (\d+)/.exec(started.stdout())?.[1]);
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('ready: OPENAI_API_KEY is set\n');
    let target = started.child.pid as number;
    if (prefix.length > 0) {
      // The server's parent is PID 1 inside the namespace: clarifai-secrets itself.
      expect(started.stdout()).toContain('parent pid 1;');
      const { readFileSync } = await import('node:fs');
      target = Number(readFileSync(`/proc/${target}/task/${target}/children`, 'utf8').trim().split(' ')[0]);
    }
    process.kill(target, 'SIGTERM'); // what `docker stop` does
    const ran = await started.done;
    expect(ran.stdout).toContain('SIGTERM: closing connections, then exiting\n');
    expect(ran).toMatchObject({ code: 0, stderr: '' });
    expectNoLeak(ran.stdout, w.planted, 'container output');
  });

  it('entrypoint.sh with a token the API refuses: one line, exit 1, the server never starts', async () => {
    const { dir, env } = install('container');
    const ran = await exec('./entrypoint.sh', [], { cwd: dir, env: { ...env, CLARIFAI_PAT: 'pat-CLI-wrong-0000', PORT: '0' } });
    expect(ran).toMatchObject({ code: 1, stdout: '' });
    expect(ran.stderr).toMatch(/^clarifai-secrets: Clarifai refused the token .*\[ERR_AUTH\]\n$/);
  });
});
