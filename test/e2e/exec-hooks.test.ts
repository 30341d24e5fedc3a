/**
 * The exec-hook guard against the real tools: for each family, the hook is first shown to
 * run code when set by hand (where the tool is on this machine), then a secret of that name
 * is offered to `run` under the default `*`, and to the preload and `run` through a `.env`
 * file's selection and references, and the hook never runs.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { CLI, type Project, makeProject } from '../support/package-link.js';
import { type Ran, baseEnv, run, runNode } from '../support/spawn.js';
import { expectNoLeak } from '../support/leaks.js';

const PAT = 'pat-HOOKS-e2e-6b1d93f0';
const USER = 'hooks-user';

let emulator: Emulator;
let work: string;

beforeAll(async () => {
  emulator = await startEmulator({ pats: { [PAT]: USER }, users: { [USER]: [] } });
  work = mkdtempSync(join(tmpdir(), 'cs-hooks-'));
});
afterAll(async () => {
  await emulator.close();
  rmSync(work, { recursive: true, force: true });
});
beforeEach(() => emulator.reset());

function has(tool: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A folder of its own per case, with a script `mark` that leaves `ran` behind when run. */
function caseDir(name: string): { dir: string; mark: string; ran: string } {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  const ran = join(dir, 'ran');
  const mark = join(dir, 'mark');
  // Passes its arguments on, so it can stand in for a compiler, a shell or a wrapper.
  writeFileSync(mark, `#!/bin/sh\ntouch '${ran}'\n[ $# -gt 0 ] && exec "$@"\nexit 0\n`);
  chmodSync(mark, 0o755);
  return { dir, mark, ran };
}

interface HookCase {
  family: string;
  tool: string;
  /** The variables that run `mark` (all of one family). */
  hook(c: { dir: string; mark: string }): Record<string, string>;
  /** The command that runs them, in `dir`. */
  command(c: { dir: string }): [string, ...string[]];
  setup?(c: { dir: string; mark: string }): void;
  /** What else the tool needs in its environment, set by hand in both runs. */
  env?: Record<string, string>;
}

const CASES: HookCase[] = [
  { family: 'shell', tool: 'bash', hook: ({ mark }) => ({ BASH_ENV: mark }), command: () => ['bash', '-c', 'true'] },
  {
    family: 'dynamic loader and C library',
    tool: 'cc',
    setup: ({ dir }) => {
      writeFileSync(join(dir, 'hook.c'), `#include <stdio.h>\n__attribute__((constructor)) static void hook(void) { fclose(fopen("${join(dir, 'ran')}", "w")); }\n`);
      execFileSync('cc', ['-shared', '-fPIC', '-o', join(dir, 'hook.so'), join(dir, 'hook.c')]);
    },
    hook: ({ dir }) => ({ LD_PRELOAD: join(dir, 'hook.so') }),
    command: () => ['true'],
  },
  { family: 'editors', tool: 'vim', hook: ({ mark }) => ({ VIMINIT: `call system("${mark}")` }), command: () => ['vim', '-X', '-n', '-c', 'qa!'] },
  {
    family: 'editors',
    tool: 'git',
    setup: ({ dir }) => execFileSync('git', ['init', '-q', join(dir, 'repo')]),
    hook: ({ mark }) => ({ EDITOR: mark }),
    command: ({ dir }) => ['git', '-C', join(dir, 'repo'), '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '--allow-empty'],
  },
  {
    family: 'git',
    tool: 'git',
    setup: ({ dir }) => execFileSync('git', ['init', '-q', join(dir, 'repo')]),
    hook: ({ mark }) => ({ GIT_CONFIG_PARAMETERS: `'core.fsmonitor'='${mark}'` }),
    command: ({ dir }) => ['git', '-C', join(dir, 'repo'), 'status', '--short'],
  },
  {
    family: 'configuration homes',
    tool: 'git',
    setup: ({ dir, mark }) => {
      execFileSync('git', ['init', '-q', join(dir, 'repo')]);
      mkdirSync(join(dir, 'config', 'git'), { recursive: true });
      writeFileSync(join(dir, 'config', 'git', 'config'), `[core]\n\tfsmonitor = ${mark}\n`);
    },
    hook: ({ dir }) => ({ XDG_CONFIG_HOME: join(dir, 'config') }),
    command: ({ dir }) => ['git', '-C', join(dir, 'repo'), 'status', '--short'],
  },
  {
    family: 'make',
    tool: 'make',
    setup: ({ dir }) => writeFileSync(join(dir, 'Makefile'), 'all:\n\t@true\n'),
    hook: ({ mark }) => ({ GNUMAKEFLAGS: `--eval=$(shell ${mark})` }),
    // make parses its flags before it sets SHELL itself.
    env: { SHELL: '/bin/sh' },
    command: ({ dir }) => ['make', '-s', '-C', dir],
  },
  {
    family: 'compilers and C builds',
    tool: 'make',
    setup: ({ dir }) => writeFileSync(join(dir, 'hello.c'), 'int main(void) { return 0; }\n'),
    hook: ({ mark }) => ({ CC: mark }),
    command: ({ dir }) => ['make', '-s', '-C', dir, 'hello'],
  },
  {
    family: 'cargo and rustc',
    tool: 'cargo',
    setup: ({ dir }) => {
      mkdirSync(join(dir, 'crate', 'src'), { recursive: true });
      writeFileSync(join(dir, 'crate', 'Cargo.toml'), '[package]\nname = "hooked"\nversion = "0.1.0"\nedition = "2021"\n');
      writeFileSync(join(dir, 'crate', 'src', 'main.rs'), 'fn main() {}\n');
    },
    hook: ({ mark }) => ({ CARGO_BUILD_RUSTC_WRAPPER: mark }),
    command: ({ dir }) => ['cargo', 'check', '--offline', '-q', '--manifest-path', join(dir, 'crate', 'Cargo.toml'), '--target-dir', join(dir, 'target')],
  },
  {
    family: 'Node.js and its package managers',
    tool: 'node',
    setup: ({ dir }) => writeFileSync(join(dir, 'hook.cjs'), `require('node:fs').writeFileSync(${JSON.stringify(join(dir, 'ran'))}, '');\n`),
    hook: ({ dir }) => ({ NODE_OPTIONS: `--require ${join(dir, 'hook.cjs')}` }),
    command: () => [process.execPath, '-e', '0'],
  },
  {
    family: 'Node.js and its package managers',
    tool: 'npm',
    setup: ({ dir }) => writeFileSync(join(dir, 'package.json'), '{"name":"hooked","scripts":{"x":"true"}}\n'),
    hook: ({ mark }) => ({ npm_config_script_shell: mark }),
    command: ({ dir }) => ['npm', 'run', '-s', '--prefix', dir, 'x'],
  },
  {
    family: 'Python and its package managers',
    tool: 'python3',
    setup: ({ dir }) => writeFileSync(join(dir, 'sitecustomize.py'), `open(${JSON.stringify(join(dir, 'ran'))}, "w").close()\n`),
    hook: ({ dir }) => ({ PYTHONPATH: dir }),
    command: () => ['python3', '-c', 'pass'],
  },
  {
    family: 'Perl, Ruby, PHP, Lua, R, Tcl',
    tool: 'perl',
    setup: ({ dir }) => writeFileSync(join(dir, 'Hooked.pm'), `package Hooked; open(my $f, '>', ${JSON.stringify(join(dir, 'ran'))}); 1;\n`),
    hook: ({ dir }) => ({ PERL5LIB: dir, PERL5OPT: '-MHooked' }),
    command: () => ['perl', '-e', '1'],
  },
];

async function runWith(c: HookCase, dir: string, env: Record<string, string | undefined>): Promise<Ran> {
  const [command, ...args] = c.command({ dir });
  return run(command, args, { cwd: dir, env: baseEnv({ ...c.env, ...env }), killAfterMs: 60_000 });
}

describe.each(CASES.map((c, i) => [`${c.family} (${Object.keys(c.hook({ dir: '', mark: '' })).join(', ')} under ${c.tool})`, c, i] as const))(
  'the %s hook',
  (_title, c, index) => {
    const available = has(c.tool);
    let dirs: ReturnType<typeof caseDir>;
    beforeAll(() => {
      if (!available) return;
      dirs = caseDir(`case-${index}`);
      c.setup?.(dirs);
    });

    it.skipIf(!available)('runs code when set by hand', async () => {
      rmSync(dirs.ran, { force: true });
      await runWith(c, dirs.dir, c.hook(dirs));
      expect(existsSync(dirs.ran)).toBe(true);
    });

    it.skipIf(!available)('is never set by run from a secret of that name under the default *', async () => {
      rmSync(dirs.ran, { force: true });
      const hook = c.hook(dirs);
      emulator.seed(USER, [...Object.entries(hook).map(([id, value]) => ({ id, value })), { id: 'CANARY', value: 'canary-value' }]);
      const [command, ...args] = c.command({ dir: dirs.dir });
      const ran = await runNode([CLI, 'run', '--', command, ...args], {
        cwd: dirs.dir,
        env: baseEnv({ ...c.env, CLARIFAI_PAT: PAT, CLARIFAI_API_BASE: emulator.url, CLARIFAI_SECRETS_DEBUG: 'true', CLARIFAI_SECRETS_CACHE_DIR: 'off' }),
        killAfterMs: 60_000,
      });
      expect(ran.stderr).toMatch(/loaded 1 secret/);
      for (const name of Object.keys(hook)) expect(ran.stderr).toContain(name);
      expect(existsSync(dirs.ran)).toBe(false);
    });
  },
);

describe("a cloned repository's .env", () => {
  let folder: Project;
  const planted = { PAT, GITCFG: "'core.fsmonitor'='GITCFG-MARK'", NODEOPTS: '--require ./NODEOPTS-hook.cjs' };
  beforeAll(() => {
    folder = makeProject('cs-hooks-cloned-');
    folder.write('app.cjs', 'console.log(JSON.stringify({ g: process.env.GIT_CONFIG_PARAMETERS ?? null, n: process.env.NODE_OPTIONS ?? null, ok: process.env.OK ?? null }));\n');
  });
  afterAll(() => folder.remove());
  beforeEach(() => {
    emulator.seed(USER, [
      { id: 'gitcfg', value: planted.GITCFG },
      { id: 'nodeopts', value: planted.NODEOPTS },
      { id: 'ok', value: 'ok-value' },
    ]);
  });

  const dotEnv = (): string =>
    `CLARIFAI_PAT=${PAT}\nCLARIFAI_API_BASE=${emulator.url}\nCLARIFAI_SECRETS=GIT_CONFIG_PARAMETERS=gitcfg NODE_OPTIONS=nodeopts OK=ok\n`;
  const referencesEnv = (): string =>
    `CLARIFAI_PAT=${PAT}\nCLARIFAI_API_BASE=${emulator.url}\nGIT_CONFIG_PARAMETERS=clarifai://secrets/gitcfg\nNODE_OPTIONS=clarifai://secrets/nodeopts\nOK=clarifai://secrets/ok\n`;

  const shapes: Array<[string, string[]]> = [
    ['--import', ['--import', 'clarifai-secrets/register', 'app.cjs']],
    ['-r', ['-r', 'clarifai-secrets/register', 'app.cjs']],
    ['run', [CLI, 'run', '--', process.execPath, 'app.cjs']],
  ];

  it.each(shapes.flatMap(([shape, args]) => [[`${shape}, NAME=ID selection`, args, dotEnv] as const, [`${shape}, references`, args, referencesEnv] as const]))(
    'chooses values, never code, with no token exported (%s)',
    async (_title, args, text) => {
      folder.write('.env', text());
      const ran = await runNode(args, { cwd: folder.dir, env: baseEnv({ CLARIFAI_SECRETS_CACHE_DIR: 'off', CLARIFAI_SECRETS_DEBUG: 'true' }), killAfterMs: 20_000 });
      expect(ran.code, ran.stderr).toBe(0);
      expect(JSON.parse(ran.stdout.trim().split('\n').pop() ?? '')).toEqual({ g: null, n: null, ok: 'ok-value' });
      expect(ran.stderr).toMatch(/skipped \(already set or unsafe\): .*GIT_CONFIG_PARAMETERS/);
      expectNoLeak(ran.stdout + ran.stderr, planted, 'output');
    },
  );

  it.each(shapes)('an exported empty CLARIFAI_PAT is an error saying so, and nothing is fetched (%s)', async (_shape, args) => {
    folder.write('.env', dotEnv());
    const ran = await runNode(args, { cwd: folder.dir, env: baseEnv({ CLARIFAI_PAT: '', CLARIFAI_SECRETS_CACHE_DIR: 'off' }), killAfterMs: 20_000 });
    expect(ran.code).toBe(1);
    expect(ran.stderr).toMatch(/^clarifai-secrets: CLARIFAI_PAT is set but empty/m);
    expect(emulator.requests).toEqual([]);
    expectNoLeak(ran.stdout + ran.stderr, planted, 'output');
  });

  it.each(shapes)('a misspelt setting in the .env file gets the same one warning as one in the environment (%s)', async (_shape, args) => {
    const file = folder.write('.env', 'CLARIFAI_SECRET_DEBUG=true\nCLARIFAI_SECRETS=OK=ok\n');
    const ran = await runNode(args, { cwd: folder.dir, env: baseEnv({ CLARIFAI_PAT: PAT, CLARIFAI_API_BASE: emulator.url, CLARIFAI_SECRETS_CACHE_DIR: 'off' }), killAfterMs: 20_000 });
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stderr).toBe(
      `clarifai-secrets: warning: a variable that looks like a misspelt setting is in ${file} and ignored: CLARIFAI_SECRET_DEBUG (did you mean CLARIFAI_SECRETS_DEBUG?)\n`,
    );
  });

  it('a reference line fills in only names the environment does not set, without --env-file', async () => {
    folder.write('.env', `OK=clarifai://secrets/ok\nOTHER=clarifai://secrets/gitcfg\nPLAIN=not-injected\n`);
    folder.write('refs.cjs', 'console.log(JSON.stringify({ ok: process.env.OK ?? null, other: process.env.OTHER ?? null, plain: process.env.PLAIN ?? null }));\n');
    const ran = await runNode(['--import', 'clarifai-secrets/register', 'refs.cjs'], {
      cwd: folder.dir,
      env: baseEnv({ CLARIFAI_PAT: PAT, CLARIFAI_API_BASE: emulator.url, CLARIFAI_SECRETS_CACHE_DIR: 'off', OTHER: 'mine' }),
      killAfterMs: 20_000,
    });
    expect(ran.code, ran.stderr).toBe(0);
    expect(JSON.parse(ran.stdout)).toEqual({ ok: 'ok-value', other: 'mine', plain: null });
  });
});
