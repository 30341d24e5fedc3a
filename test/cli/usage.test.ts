/**
 * The command line itself: help for every command, the version, and every usage error
 * (exit 2, one line, never echoing what could be a value). Then `doctor`.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/package-link.js';
import { type CliWorld, PAT, exec, makeCliWorld } from './helpers.js';

let w: CliWorld;
beforeAll(async () => {
  w = await makeCliWorld();
});
afterAll(() => w.close());
beforeEach(() => w.reset());

const COMMANDS = ['run', 'get', 'list', 'create', 'update', 'delete', 'push', 'pull', 'types', 'doctor', 'emulator'];

describe('help and version', () => {
  it('--version prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(await w.cli(['--version'])).toMatchObject({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('--help lists every command; no command at all is a usage error with the same text', async () => {
    const help = await w.cli(['--help']);
    expect(help.code).toBe(0);
    for (const command of COMMANDS) expect(help.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    const none = await w.cli([]);
    expect(none).toMatchObject({ code: 2, stdout: '', stderr: help.stdout });
  });

  it.each(COMMANDS)('%s --help prints its usage and touches nothing', async (command) => {
    const ran = await w.cli([command, '--help']);
    expect(ran).toMatchObject({ code: 0, stderr: '' });
    expect(ran.stdout).toMatch(new RegExp(`^Usage: clarifai-secrets ${command}`));
    expect((await w.cli(['help', command])).stdout).toBe(ran.stdout);
    expect(w.emulator.requests).toEqual([]);
  });
});

describe('usage errors: exit 2, one line pointing to --help', () => {
  const cases: Array<[string[], RegExp]> = [
    [['frobnicate'], /^unknown command "frobnicate" \(see clarifai-secrets --help\)$/],
    [['lsit'], /^unknown command "lsit": did you mean list\? \(see clarifai-secrets --help\)$/],
    [['pul'], /^unknown command "pul": did you mean pull\? \(see/],
    [['del'], /^unknown command "del": did you mean delete\? \(see/],
    [['rm'], /^unknown command "rm": did you mean delete\? \(see/],
    [['creat'], /^unknown command "creat": did you mean create\? \(see/],
    [['p'], /^unknown command "p" \(see/],
    [['push', '--dryrun'], /^unknown option --dryrun: did you mean --dry-run\? \(see clarifai-secrets push --help\)$/],
    [['list', '--jsn'], /^unknown option --jsn: did you mean --json\? \(see clarifai-secrets list --help\)$/],
    [['--usr-id', 'x', 'list'], /^unknown option --usr-id before the command: did you mean --user-id\?/],
    [['pull', '--json', '--format', 'env'], /^--json means --format json: give --json or --format, not both/],
    [['sk-CLI-typo-VALUE-aa'], /^unknown command \(see clarifai-secrets --help\)$/],
    [['--pat', 'x', 'list'], /^unknown option --pat before the command/],
    [['list', '--pat=pat-CLI-argv-VALUE'], /^unknown option --pat \(see clarifai-secrets list --help\)$/],
    [['list', '--bogus'], /^unknown option --bogus \(see clarifai-secrets list --help\)$/],
    [['list', 'extra'], /^list takes no arguments/],
    [['list', '--json=yes'], /^option --json takes no value/],
    [['--api-base'], /^option --api-base needs a value/],
    [['get'], /^get needs a secret id \(see clarifai-secrets get --help\)$/],
    [['get', 'A', 'B'], /^get takes one secret id, got 2 arguments/],
    [['create'], /^create needs a secret id/],
    [['create', 'ID', 'sk-CLI-argv-VALUE-bb'], /^create takes one secret id; the value comes from stdin or --value-file, never from the command line/],
    [['update', 'ID', '--value', 'sk-CLI-argv-VALUE-cc'], /^unknown option --value: did you mean --value-file\? \(see clarifai-secrets update --help\)$/],
    [['update', 'ID', '--value-file'], /^option --value-file needs a value/],
    [['update', 'ID', '--description', '--yes'], /^option --description needs a value \(write --description=VALUE/],
    [['update', 'ID', '--keep-value'], /^--keep-value needs --description D/],
    [['create', 'ID', '--keep-value'], /^unknown option --keep-value/],
    [['delete'], /^delete needs at least one secret id/],
    [['push', 'a.env', 'b.env'], /^push takes one file, got 2 arguments/],
    [['pull', '--format', 'yaml'], /^--format must be one of env, json, shell/],
    [['pull', 'OPENAI_API_KEY'], /^pull takes no arguments; choose secrets with --secrets LIST/],
    [['doctor', 'now'], /^doctor takes no arguments/],
    [['run'], /^run needs a command: clarifai-secrets run \[options\] -- CMD \[ARGS\.\.\.\]/],
    [['run', '--mask'], /^run needs a command/],
    [['run', '--secrets'], /^option --secrets needs a value/],
    [['run', '--frob', '--', 'true'], /^unknown option --frob \(see clarifai-secrets run --help\)$/],
    [['emulator', '--port', 'many'], /^--port must be a number/],
    // The emulator parses with the shared parser: the same suggestions, never an echoed value.
    [['emulator', '--alow-host', 'x'], /^unknown option --alow-host: did you mean --allow-host\? \(see clarifai-secrets emulator --help\)$/],
    [['emulator', '--tokn=pat-CLI-argv-VALUE'], /^unknown option --tokn \(see clarifai-secrets emulator --help\)$/],
    [['--user-id', 'x', 'emulator'], /^emulator takes no --api-base or --user-id \(see clarifai-secrets emulator --help\)$/],
  ];

  it.each(cases)('%j', async (args, message) => {
    const ran = await w.cli(args);
    expect(ran.code).toBe(2);
    expect(ran.stdout).toBe('');
    const lines = ran.stderr.split('\n');
    expect(lines).toHaveLength(2);
    expect((lines[0] as string).replace(/^clarifai-secrets( emulator)?: /, '')).toMatch(message);
    expect(ran.stderr).not.toMatch(/argv-VALUE|\n\s+at /);
    expect(w.emulator.requests).toEqual([]);
  });
});

describe('a missing --env-file', () => {
  it('is stopped by Node before any code of ours (help and README say so); the variable form gets our line', async () => {
    const flag = await w.cli(['list', '--env-file', 'nope.env']);
    expect(flag.code).toBe(9);
    expect(flag.stderr).toMatch(/nope\.env: not found/);
    const variable = await w.cli(['list'], { env: w.env({ CLARIFAI_SECRETS_ENV_FILE: 'nope.env' }) });
    expect(variable.code).toBe(1);
    expect(variable.stderr).toMatch(/^clarifai-secrets: cannot read the env file .*nope\.env \(ENOENT\).*\[ERR_CONFIG\]\n$/);
    const help = await w.cli(['list', '--help']);
    expect(help.stdout).toMatch(/Node stops\s+with "node: F: not found" when F is missing: CLARIFAI_SECRETS_ENV_FILE=F/);
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    expect(readme).toContain('`CLARIFAI_SECRETS_ENV_FILE=F clarifai-secrets ...`');
  });
});

describe('doctor', () => {
  it('all well: exit 0, every check named, the token never shown', async () => {
    const ran = await w.cli(['doctor']);
    expect(ran.code).toBe(0);
    expect(ran.stdout).toMatch(/^clarifai-secrets doctor\n/);
    expect(ran.stdout).toMatch(/^ {2}ok {4}Node\.js \d+\.\d+\.\d+ \(needs 20\.19 or later\)$/m);
    expect(ran.stdout).toMatch(/^ {2}ok {4}token: set \(CLARIFAI_PAT, from the environment\)$/m);
    expect(ran.stdout).toMatch(/^ {2}ok {4}API: 127\.0\.0\.1:\d+ accepted the token for user "me" \(one list request, \d+ ms\)$/m);
    expect(ran.stdout).toMatch(/^ {2}ok {4}cache: /m);
    expect(ran.stdout).toMatch(/\nall good\n$/);
    expect(w.calls()).toEqual(['GET /v2/users/me/secrets']);
  });

  it('a refused token, a missing token, an unreachable API: exit 1 with what to fix', async () => {
    const refused = await w.cli(['doctor'], { env: w.env({ CLARIFAI_PAT: 'pat-CLI-wrong-0000' }) });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/^ {2}FAIL {2}API: Clarifai refused the token .*\n {8}fix: create a new personal access token/m);
    expect(refused.stdout).not.toContain('pat-CLI-wrong-0000');

    const missing = await w.cli(['doctor'], { env: w.env({ CLARIFAI_PAT: undefined }) });
    expect(missing.code).toBe(1);
    expect(missing.stdout).toMatch(/^ {2}FAIL {2}token: CLARIFAI_PAT is not set\n {8}fix: /m);
    // doctor and the failure line of every other command send the user to the same page.
    const page = 'https://clarifai.com/settings/security';
    expect(missing.stdout).toMatch(new RegExp(`^ {8}fix: create a personal access token at ${page} and export CLARIFAI_PAT`, 'm'));
    expect(refused.stdout).toMatch(new RegExp(`^ {8}fix: create a new personal access token at ${page} and set CLARIFAI_PAT to it`, 'm'));
    const listed = await w.cli(['list'], { env: w.env({ CLARIFAI_PAT: undefined }) });
    expect(listed.stderr).toContain(`create a personal access token at ${page} and export CLARIFAI_PAT`);

    const down = await w.cli(['doctor', '--api-base', 'http://127.0.0.1:9'], { env: w.env({ CLARIFAI_SECRETS_TIMEOUT: '1500' }) });
    expect(down.code).toBe(1);
    expect(down.stdout).toMatch(/^ {2}FAIL {2}API: .*127\.0\.0\.1:9.*\n {8}fix: /m);
    expect(down.stdout).toMatch(/problems? to fix/);
  });

  it('a broken setting is a failure that names the variable', async () => {
    const ran = await w.cli(['doctor'], { env: w.env({ CLARIFAI_SECRETS_TIMEOUT: 'soon' }) });
    expect(ran.code).toBe(1);
    expect(ran.stdout).toMatch(/^ {2}FAIL {2}settings: CLARIFAI_SECRETS_TIMEOUT must be a whole number/m);
    const selection = await w.cli(['doctor'], { env: w.env({ CLARIFAI_SECRETS: 'A=B=C' }) });
    expect(selection.code).toBe(1);
    expect(selection.stdout).toMatch(/^ {2}FAIL {2}settings: CLARIFAI_SECRETS entry "A=B=C" /m);
  });

  it('fails when a required secret of the selection does not exist, naming the nearest ids', async () => {
    const ran = await w.cli(['doctor'], { env: w.env({ CLARIFAI_SECRETS: 'stripe_key, OPENAI_API_KEY, MAYBE?' }) });
    expect(ran.code).toBe(1);
    expect(ran.stdout).toMatch(/^ {2}FAIL {2}selection: secret not found: stripe_key \(did you mean STRIPE_KEY\?\); .*\n {8}fix: create it/m);
    const good = await w.cli(['doctor'], { env: w.env({ CLARIFAI_SECRETS: 'STRIPE_KEY, OPENAI_API_KEY, MAYBE?' }) });
    expect(good.code).toBe(0);
    expect(good.stdout).toMatch(/^ {2}ok {4}selection: the 2 required secrets exist$/m);
  });

  it('names misspelt settings, in the environment and in the .env file, never their values', async () => {
    w.project.write('.env', 'CLARIFAI_USERID=someone-MISSPELT-VALUE\n');
    try {
      const ran = await w.cli(['doctor'], { env: w.env({ CLARIFAI_SECRET: 'STRIPE-misspelt-VALUE-62' }) });
      expect(ran.stdout).toMatch(/^ {2}warn {2}settings: a variable that looks like a misspelt setting is in the environment and ignored: CLARIFAI_SECRET \(did you mean CLARIFAI_SECRETS\?\)$/m);
      expect(ran.stdout).toMatch(/^ {2}warn {2}settings: .* in .*\.env and ignored: CLARIFAI_USERID \(did you mean CLARIFAI_USER_ID\?\)$/m);
      expect(ran.stdout).not.toMatch(/MISSPELT-VALUE|misspelt-VALUE/);
      expect(ran.stdout).toMatch(/usable, with 2 warnings\n$/);
    } finally {
      rmSync(join(w.project.dir, '.env'), { force: true });
    }
  });

  it('reports the cached copy of this selection after a load', async () => {
    await w.cli(['run', '--', 'true']);
    const ran = await w.cli(['doctor']);
    expect(ran.stdout).toMatch(/cache: .* \(1 cached copy in the folder; this selection's copy is \d+ s old\)/);
  });
});

describe('npx', () => {
  it('npx clarifai-secrets resolves the installed bin and runs it', async () => {
    const ran = await exec('npx', ['--no-install', 'clarifai-secrets', 'run', '--', 'sh', '-c', 'echo "${#OPENAI_API_KEY} chars"'], {
      cwd: w.project.dir,
      env: w.env({ npm_config_update_notifier: 'false' }),
    });
    expect(ran).toMatchObject({ code: 0, stdout: '26 chars\n' });
    expect(ran.stderr + ran.stdout).not.toContain(PAT);
  });
});
