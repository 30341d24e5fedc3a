/**
 * The provisioning commands end to end: the built bin against the emulator, checked both
 * by what it prints and by what the emulator received.
 */
import { chmodSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'dotenv';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expectNoLeak } from '../support/leaks.js';
import { type CliWorld, USER, VALUES, exec, makeCliWorld, onTerminal } from './helpers.js';

const NEW_VALUE = 'sk-CLI-created-VALUE-90ab';
const ROTATED = 'sk-CLI-rotated-VALUE-12cd\n';
let w: CliWorld;
beforeAll(async () => {
  w = await makeCliWorld({ NEW_VALUE, ROTATED: ROTATED.trim() });
});
afterAll(() => w.close());
beforeEach(() => w.reset());

const stored = (id: string) => w.emulator.snapshot(USER).find((s) => s.id === id);

describe('create, get, update, list, delete', () => {
  it('round-trips a secret: stdin in (one newline stripped), get out, list without values', async () => {
    const created = await w.cli(['create', 'NEW_KEY', '--description', 'made by the test'], { input: `${NEW_VALUE}\n` });
    expect(created).toMatchObject({ code: 0, stdout: '', stderr: 'clarifai-secrets: created secret "NEW_KEY" (version 1)\n' });
    expect(stored('NEW_KEY')).toMatchObject({ value: NEW_VALUE, description: 'made by the test' });
    const post = w.emulator.requests.find((r) => r.method === 'POST');
    expect(post?.body).toEqual({ secrets: [{ id: 'NEW_KEY', value: NEW_VALUE, description: 'made by the test' }] });

    const got = await w.cli(['get', 'NEW_KEY'], { valuesOn: 'stdout' });
    expect(got).toMatchObject({ code: 0, stdout: `${NEW_VALUE}\n`, stderr: '' });
    const viaShell = await exec('sh', ['-c', 'printf "[%s]" "$("$0" get NEW_KEY)"', w.bin], { cwd: w.project.dir, env: w.env() });
    expect(viaShell.stdout).toBe(`[${NEW_VALUE}]`);
    const record = await w.cli(['get', 'NEW_KEY', '--json'], { valuesOn: 'stdout' });
    expect(JSON.parse(record.stdout)).toMatchObject({ id: 'NEW_KEY', value: NEW_VALUE, version: 1, description: 'made by the test', userId: USER });

    const listed = await w.cli(['list']);
    expect(listed.code).toBe(0);
    expect(listed.stdout.split('\n')[0]).toMatch(/^ID\s+VERSION\s+MODIFIED\s+DESCRIPTION$/);
    expect(listed.stdout).toMatch(/\nNEW_KEY\s+1\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\s+made by the test\n/);
    expect(listed.stdout).toMatch(/\nOPENAI_API_KEY\s+1\s+/);
    const json = JSON.parse((await w.cli(['list', '--json'])).stdout) as Array<Record<string, unknown>>;
    expect(json.map((s) => s['id'])).toEqual(['NEW_KEY', 'OPENAI_API_KEY', 'STRIPE_KEY', 'db-url']);
    expect(json.every((s) => !('value' in s))).toBe(true);
  });

  it('update sends PATCH with the singular "secret" key and action overwrite; --value-file is stored as is', async () => {
    const file = w.project.write('rotated.txt', ROTATED);
    const updated = await w.cli(['update', 'STRIPE_KEY', '--value-file', file]);
    expect(updated.code).toBe(0);
    expect(updated.stderr).toMatch(/^clarifai-secrets: updated secret "STRIPE_KEY"/);
    const patch = w.emulator.requests.find((r) => r.method === 'PATCH');
    expect(patch?.body).toEqual({ secret: [{ id: 'STRIPE_KEY', value: ROTATED }], action: 'overwrite' });
    expect(stored('STRIPE_KEY')?.value).toBe(ROTATED);
    expect((await w.cli(['get', 'STRIPE_KEY'], { valuesOn: 'stdout' })).stdout).toBe(`${ROTATED}\n`);
  });

  it('a value with a NUL byte is refused by create, update and push before anything is sent', async () => {
    const created = await w.cli(['create', 'NUL_KEY'], { input: 'sk-CLI-nul\0VALUE' });
    expect(created.code).toBe(1);
    expect(created.stderr).toMatch(/^clarifai-secrets: the value of secret NUL_KEY holds a NUL byte, .*nothing was sent .*\[ERR_INVALID_VALUE\]\n$/);
    const file = w.project.write('nul.txt', 'sk-CLI-nul\0VALUE');
    const updated = await w.cli(['update', 'STRIPE_KEY', '--value-file', file]);
    expect(updated.code).toBe(1);
    expect(updated.stderr).toMatch(/NUL byte.*\[ERR_INVALID_VALUE\]/);
    const env = w.project.write('nul.env', 'GOOD_KEY=fine-CLI-VALUE\nBAD_KEY="sk-CLI-nul\0VALUE"\n');
    const pushed = await w.cli(['push', env]);
    expect(pushed.code).toBe(1);
    expect(pushed.stderr).toMatch(/^clarifai-secrets: BAD_KEY in .*nul\.env holds a NUL byte, .*nothing was pushed \[ERR_INVALID_VALUE\]\n$/);
    expect(w.calls()).toEqual([]);
    expect(stored('STRIPE_KEY')?.value).toBe(VALUES.STRIPE_KEY);
  });

  it('update --description D --keep-value changes only the description; an empty one is refused', async () => {
    const ran = await w.cli(['update', 'STRIPE_KEY', '--description', 'rotated monthly', '--keep-value']);
    expect(ran.code).toBe(0);
    expect(ran.stderr).toMatch(/^clarifai-secrets: updated the description of secret "STRIPE_KEY".*; value unchanged\n$/);
    expect(w.emulator.requests.find((r) => r.method === 'PATCH')?.body).toEqual({ secret: [{ id: 'STRIPE_KEY', description: 'rotated monthly' }], action: 'overwrite' });
    expect(stored('STRIPE_KEY')).toMatchObject({ value: VALUES.STRIPE_KEY, description: 'rotated monthly' });
    const empty = await w.cli(['update', 'STRIPE_KEY', '--description', '', '--keep-value']);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/^clarifai-secrets: --description cannot be empty: /);
  });

  it('update --description D on a terminal asks for no value and changes only the description', async () => {
    const ran = await onTerminal(`"${w.bin}" update STRIPE_KEY --description "from a terminal"; echo "exit=$?"`, [], { cwd: w.project.dir, env: w.env() });
    if (!ran) return;
    expect(ran.stdout).not.toContain('Value for');
    expect(ran.stdout).toContain('exit=0');
    expect(stored('STRIPE_KEY')).toMatchObject({ value: VALUES.STRIPE_KEY, description: 'from a terminal' });
  });

  it('create of an existing id points to update; update of a missing one points to create', async () => {
    const again = await w.cli(['create', 'STRIPE_KEY'], { input: NEW_VALUE });
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(
      'clarifai-secrets: secret "STRIPE_KEY" already exists: change its value with clarifai-secrets update STRIPE_KEY [ERR_CONFLICT]\n',
    );
    expect(stored('STRIPE_KEY')?.value).toBe(VALUES.STRIPE_KEY);
    const missing = await w.cli(['update', 'NOPE'], { input: NEW_VALUE });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^clarifai-secrets: secret "NOPE" does not exist .*create it with clarifai-secrets create NOPE \[ERR_NOT_FOUND\]\n$/);
  });

  it('refuses an empty value, and a value given on the command line (usage error, not echoed)', async () => {
    const empty = await w.cli(['create', 'EMPTY'], { input: '\n' });
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/^clarifai-secrets: the value for EMPTY is empty/);
    const argv = await w.cli(['create', 'ARGV_KEY', NEW_VALUE]);
    expect(argv.code).toBe(2);
    expect(argv.stderr).toMatch(/never from the command line/);
    expect(w.calls().filter((c) => !c.startsWith('GET'))).toEqual([]);
  });

  it.each(['..', 'bad id', 'a/b', 'a,b', 'wild*', 'x=y', '@file', 'maybe?', '50%'])(
    'create %j is refused before a value is read or anything is sent: no selection could load it',
    async (id) => {
      const ran = await w.cli(['create', id], { input: `${NEW_VALUE}\n` });
      expect(ran.code).toBe(1);
      expect(ran.stderr).toMatch(/cannot be named by any selection|could not mean/);
      expect(ran.stderr.trim().split('\n')).toHaveLength(1);
      expect(w.calls().filter((c) => !c.startsWith('GET'))).toEqual([]);
    },
  );

  it.each([['get', '..'], ['get', 'a/b'], ['delete', '..']])('%s %j is refused before any request', async (verb, id) => {
    const ran = await w.cli([verb, id, ...(verb === 'delete' ? ['--yes'] : [])]);
    expect(ran.code).toBe(1);
    expect(ran.stderr).toMatch(/is not an id the API could mean/);
    expect(w.calls()).toEqual([]);
  });

  it('create and update say so when they store a value no environment variable can hold', async () => {
    const big = 'B'.repeat(200 * 1024);
    const created = await w.cli(['create', 'BIG_BLOB'], { input: big });
    expect(created.code).toBe(0);
    expect(created.stderr).toMatch(/note: secret "BIG_BLOB" is 201 KiB with its name, more than the 128 KiB an environment variable can hold/);
    expect(stored('BIG_BLOB')?.value).toBe(big);
    const updated = await w.cli(['update', 'BIG_BLOB'], { input: `${big}x` });
    expect(updated.stderr).toMatch(/note: secret "BIG_BLOB" is 201 KiB/);
    const small = await w.cli(['update', 'BIG_BLOB'], { input: 'small' });
    expect(small.stderr).not.toMatch(/note:/);
  });

  it('get of a missing secret: exit 1, one line', async () => {
    const ran = await w.cli(['get', 'NOPE']);
    expect(ran).toMatchObject({ code: 1, stdout: '', stderr: 'clarifai-secrets: secret "NOPE" does not exist for user "me" [ERR_NOT_FOUND]\n' });
  });

  it('get of a missing secret names the nearest existing ids, as loads and delete do', async () => {
    const ran = await w.cli(['get', 'db_url']);
    expect(ran).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'clarifai-secrets: secret "db_url" does not exist for user "me" (did you mean db-url?) [ERR_NOT_FOUND]\n',
    });
    // The hint's one list walk: a page, then the empty page that ends it.
    expect(w.calls()).toEqual(['GET /v2/users/me/secrets/db_url', 'GET /v2/users/me/secrets', 'GET /v2/users/me/secrets']);
  });

  it('delete refuses without --yes when stdin is not a terminal, and deletes in one request with it', async () => {
    const refused = await w.cli(['delete', 'STRIPE_KEY', 'OPENAI_API_KEY']);
    // A usage error, as every other missing flag is: exit 2 and a pointer to the command's help.
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(
      'clarifai-secrets: refusing to delete 2 secrets ("STRIPE_KEY", "OPENAI_API_KEY") without --yes: there is no terminal to confirm on ' +
        '(see clarifai-secrets delete --help)\n',
    );
    expect(w.calls()).toEqual([]);
    expect(stored('STRIPE_KEY')).toBeDefined();

    const deleted = await w.cli(['delete', 'STRIPE_KEY', 'OPENAI_API_KEY', '--yes']);
    expect(deleted).toMatchObject({ code: 0, stderr: 'clarifai-secrets: deleted 2 secrets ("STRIPE_KEY", "OPENAI_API_KEY")\n' });
    expect(w.emulator.requests.filter((r) => r.method !== 'GET').map((r) => [r.method, r.body])).toEqual([['DELETE', { ids: ['STRIPE_KEY', 'OPENAI_API_KEY'] }]]);
    expect(w.emulator.snapshot(USER).map((s) => s.id)).toEqual(['db-url']);
  });

  it('delete checks every id first: one missing is named, with the nearest existing id, and nothing is deleted', async () => {
    const ran = await w.cli(['delete', 'STRIPE_KEY', 'db_url', '--yes']);
    expect(ran.code).toBe(1);
    expect(ran.stderr).toBe(
      'clarifai-secrets: secret "db_url" does not exist for user "me" (did you mean db-url?), so nothing was deleted: check the ids with clarifai-secrets list [ERR_NOT_FOUND]\n',
    );
    expect(w.emulator.requests.map((r) => r.method)).not.toContain('DELETE');
    expect(stored('STRIPE_KEY')).toBeDefined();
  });

  it('delete asks on a terminal and deletes only after "y"', async () => {
    const answer = (reply: string) =>
      onTerminal(`"${w.bin}" delete STRIPE_KEY`, [{ after: '[y/N]', send: `${reply}\r` }], { cwd: w.project.dir, env: w.env() });
    const no = await answer('n');
    if (!no) return;
    expect(no.stdout).toContain('Delete secret "STRIPE_KEY" of user "me"? This cannot be undone. [y/N]');
    expect(no.stdout).toContain('nothing deleted');
    expect(stored('STRIPE_KEY')).toBeDefined();
    const yes = await answer('y');
    expect(yes?.stdout).toContain('deleted secret "STRIPE_KEY"');
    expect(stored('STRIPE_KEY')).toBeUndefined();
  });

  it('Ctrl-C at the delete confirmation deletes nothing and exits 130, as create does', async () => {
    const ran = await onTerminal(`"${w.bin}" delete STRIPE_KEY; echo "exit=$?"`, [{ after: '[y/N]', send: '\x03' }], { cwd: w.project.dir, env: w.env() });
    if (!ran) return;
    expect(ran.stdout).toContain('clarifai-secrets: delete cancelled, nothing deleted');
    expect(ran.stdout).not.toMatch(/internal error|Aborted/);
    expect(ran.stdout).toContain('exit=130');
    expect(stored('STRIPE_KEY')).toBeDefined();
  });

  it('create asks for the value on a terminal without echoing it', async () => {
    const ran = await onTerminal(`"${w.bin}" create TYPED_KEY`, [{ after: 'Enter to finish', send: `${NEW_VALUE}\r` }], {
      cwd: w.project.dir,
      env: w.env(),
    });
    if (!ran) return;
    expect(ran.stdout).toContain('Value for TYPED_KEY (typing is hidden; Enter to finish):');
    expect(ran.stdout).toContain('created secret "TYPED_KEY"');
    expectNoLeak(ran.stdout, { NEW_VALUE }, 'the terminal');
    expect(stored('TYPED_KEY')?.value).toBe(NEW_VALUE);
  });

  it.each([
    ['Enter', '\r'],
    ['Ctrl-D', '\x04'],
  ])('%s at the hidden prompt with nothing typed asks again, saying how to cancel', async (_key, send) => {
    const ran = await onTerminal(
      `"${w.bin}" create TYPED_AGAIN; echo "exit=$?"`,
      [
        { after: 'Enter to finish', send },
        { after: 'Ctrl-C to cancel', send: `${NEW_VALUE}\r` },
      ],
      { cwd: w.project.dir, env: w.env() },
    );
    if (!ran) return;
    expect(ran.stdout).toContain('nothing typed: type the value and press Enter, or press Ctrl-C to cancel');
    expect(ran.stdout).not.toContain('pipe it on stdin');
    expect(ran.stdout).toContain('created secret "TYPED_AGAIN"');
    expect(ran.stdout).toContain('exit=0');
    expectNoLeak(ran.stdout, { NEW_VALUE }, 'the terminal');
    expect(stored('TYPED_AGAIN')?.value).toBe(NEW_VALUE);
  });

  it('a value of several lines pasted on a terminal that marks pastes is stored whole', async () => {
    const lines = ['PASTED-LINE-ONE-7f3a', 'PASTED-LINE-TWO-7f3a'];
    // What a terminal in bracketed-paste mode sends for a paste ending in a line break, then Enter.
    const paste = `\x1b[200~${lines.join('\r')}\r\x1b[201~\r`;
    const ran = await onTerminal(`"${w.bin}" create PASTED_PEM; echo "exit=$?"`, [{ after: 'Enter to finish', send: paste }], { cwd: w.project.dir, env: w.env() });
    if (!ran) return;
    expect(ran.stdout).toContain('exit=0');
    // The mode is asked for with the prompt and given back after it.
    expect(ran.stdout.indexOf('\x1b[?2004h')).toBeLessThan(ran.stdout.indexOf('Value for PASTED_PEM'));
    expect(ran.stdout).toContain('\x1b[?2004l');
    expect(stored('PASTED_PEM')?.value).toBe(lines.join('\n'));
    expectNoLeak(ran.stdout, Object.fromEntries(lines.map((line, i) => [`line ${i}`, line])), 'the terminal');
  });

  it.each([
    ['in one burst', ['UNMARKED-FIRST-LINE-9c1d\rUNMARKED-SECOND-LINE-9c1d\r']],
    ['in two writes', ['UNMARKED-FIRST-LINE-9c1d\r', 'UNMARKED-SECOND-LINE-9c1d\r']],
  ])('lines pasted %s on a terminal that does not mark pastes: refused whole, none of them left for the shell', async (_how, parts) => {
    const ran = await onTerminal(
      `"${w.bin}" create UNMARKED_PEM; echo "exit=$?"; read -r rest; echo "shell read [$rest]"`,
      [...parts.map((send) => ({ after: 'Enter to finish', send })), { after: 'exit=', send: 'typed-later\r' }],
      { cwd: w.project.dir, env: w.env() },
    );
    if (!ran) return;
    expect(ran.stdout).toContain('more input came after Enter');
    expect(ran.stdout).toContain('use --value-file FILE, or pipe it on stdin');
    expect(ran.stdout).toContain('exit=1');
    expect(ran.stdout).toContain('shell read [typed-later]');
    expect(stored('UNMARKED_PEM')).toBeUndefined();
    expectNoLeak(ran.stdout, { first: 'UNMARKED-FIRST-LINE-9c1d', second: 'UNMARKED-SECOND-LINE-9c1d' }, 'the terminal');
  });

  it('Enter at the [y/N] confirmation is a clear "not confirmed": nothing deleted, exit 1, no error line', async () => {
    const ran = await onTerminal(`"${w.bin}" delete STRIPE_KEY; echo "exit=$?"`, [{ after: '[y/N]', send: '\r' }], { cwd: w.project.dir, env: w.env() });
    if (!ran) return;
    expect(ran.stdout).toContain('clarifai-secrets: delete not confirmed (only y or yes deletes): nothing deleted');
    expect(ran.stdout).not.toMatch(/\[ERR_/);
    expect(ran.stdout).toContain('exit=1');
    expect(stored('STRIPE_KEY')).toBeDefined();
  });
});

describe('push', () => {
  const ENV_FILE = [
    `OPENAI_API_KEY=${VALUES.OPENAI_API_KEY}`, // unchanged
    'STRIPE_KEY="sk_CLI_stripe_CHANGED_VALUE"', // changed
    `NEW_ONE='${NEW_VALUE}'`, // new
    'CLARIFAI_PAT=pat-CLI-in-dotenv-not-pushed', // our own setting: skipped
    'BLANK=', // empty: skipped
    '',
  ].join('\n');

  it('--dry-run prints the plan by name only and writes nothing: one list walk, no other request', async () => {
    w.project.write('push.env', ENV_FILE);
    const ran = await w.cli(['push', 'push.env', '--dry-run']);
    expect(ran.code).toBe(0);
    expect(ran.stdout).toBe('= OPENAI_API_KEY\n~ STRIPE_KEY\n+ NEW_ONE\n');
    expect(ran.stderr).toContain('not pushed (clarifai-secrets settings): CLARIFAI_PAT');
    expect(ran.stderr).toContain('not pushed (empty value): BLANK');
    expect(ran.stderr).toContain('dry run: 1 to create, 1 to update, 1 unchanged; nothing written');
    expectNoLeak(ran.stdout + ran.stderr, { changed: 'sk_CLI_stripe_CHANGED_VALUE', dotenvPat: 'pat-CLI-in-dotenv-not-pushed' }, 'push output');
    expect(w.calls().every((c) => c === 'GET /v2/users/me/secrets')).toBe(true);
    expect(w.emulator.snapshot(USER).map((s) => s.id)).toEqual(['OPENAI_API_KEY', 'db-url', 'STRIPE_KEY']);
  });

  it('applies the plan with one create batch and one update batch, then finds nothing to do', async () => {
    w.project.write('.env', ENV_FILE); // the default file
    const ran = await w.cli(['push']);
    expect(ran.code).toBe(0);
    expect(ran.stdout).toBe('= OPENAI_API_KEY\n~ STRIPE_KEY\n+ NEW_ONE\n');
    expect(w.emulator.requests.filter((r) => r.method !== 'GET').map((r) => [r.method, r.body])).toEqual([
      ['POST', { secrets: [{ id: 'NEW_ONE', value: NEW_VALUE }] }],
      ['PATCH', { secret: [{ id: 'STRIPE_KEY', value: 'sk_CLI_stripe_CHANGED_VALUE' }], action: 'overwrite' }],
    ]);
    expect(stored('CLARIFAI_PAT')).toBeUndefined();
    w.emulator.clearRequests();
    const again = await w.cli(['push']);
    expect(again.stdout).toBe('= OPENAI_API_KEY\n= STRIPE_KEY\n= NEW_ONE\n');
    expect(w.calls().every((c) => c.startsWith('GET'))).toBe(true);
  });

  it('cuts batches at 1000 secrets a request', async () => {
    const lines = Array.from({ length: 1001 }, (_, i) => `BULK_${i}=value-${i}`);
    w.project.write('bulk.env', `${lines.join('\n')}\n`);
    const ran = await w.cli(['push', 'bulk.env']);
    expect(ran.code).toBe(0);
    const posts = w.emulator.requests.filter((r) => r.method === 'POST');
    expect(posts.map((r) => (r.body as { secrets: unknown[] }).secrets.length)).toEqual([1000, 1]);
    expect(w.emulator.snapshot(USER)).toHaveLength(1004);
  });

  it('a missing file: exit 1, one line', async () => {
    const ran = await w.cli(['push', 'nope.env']);
    expect(ran).toMatchObject({ code: 1, stdout: '' });
    expect(ran.stderr).toMatch(/^clarifai-secrets: cannot read nope.env \(ENOENT\).*\[ERR_CONFIG\]\n$/);
  });
});

describe('pull', () => {
  // Quotes of every kind, $, #, backslashes, newlines, unicode, leading and trailing space.
  const TRICKY = {
    SINGLE: "it's $HOME and ${PATH} # not a comment",
    DOUBLE: 'say "hi" \\ back\\slash',
    MIXED: `'single' and "double" and a \\n that is not a newline`,
    LINES: 'line one\nline two\n\n  indented # hash\n',
    UNICODE: '  ünïcödé ✓ 😀 \u2028 \t tab  ',
    PLAIN: 'plain-value_1.2',
  };

  it('env: dotenv and node --env-file read back every value exactly', async () => {
    w.reset(TRICKY);
    const ran = await w.cli(['pull', '--secrets', Object.keys(TRICKY).join(',')], { valuesOn: 'stdout' });
    expect(ran).toMatchObject({ code: 0, stderr: '' });
    expect(parse(ran.stdout)).toEqual(TRICKY);
    const file = w.project.write('pulled.env', ran.stdout);
    const node = await exec(process.execPath, [`--env-file=${file}`, '-e', `process.stdout.write(JSON.stringify(Object.fromEntries(${JSON.stringify(Object.keys(TRICKY))}.map((k) => [k, process.env[k]]))))`], {
      env: { PATH: process.env['PATH'] },
    });
    expect(JSON.parse(node.stdout)).toEqual(TRICKY);
  });

  it('shell: sh sources it back exactly; json: one object', async () => {
    w.reset({ ...TRICKY, CR: 'carriage\rreturn' });
    const shell = await w.cli(['pull', '--format', 'shell', '--secrets', `${Object.keys(TRICKY).join(' ')} CR`], { valuesOn: 'stdout' });
    expect(shell.code).toBe(0);
    const file = w.project.write('pulled.sh', shell.stdout);
    const names = [...Object.keys(TRICKY), 'CR'];
    const sourced = await exec('sh', ['-c', `. "$1"; ${names.map((k) => `printf '%s\\0' "$${k}"`).join('; ')}`, 'sh', file], { env: { PATH: process.env['PATH'] } });
    expect(sourced.stdout.split('\0').slice(0, -1)).toEqual([...Object.values(TRICKY), 'carriage\rreturn']);

    const json = await w.cli(['pull', '--format', 'json', '--secrets', 'OPENAI_API_KEY KEY=db-url'], { valuesOn: 'stdout' });
    expect(JSON.parse(json.stdout)).toEqual({ OPENAI_API_KEY: VALUES.OPENAI_API_KEY, KEY: VALUES['db-url'] });
    // --json, as list and get spell it, is --format json.
    const short = await w.cli(['pull', '--json', '--secrets', 'OPENAI_API_KEY KEY=db-url'], { valuesOn: 'stdout' });
    expect(short).toMatchObject({ code: 0, stdout: json.stdout });
  });

  it('env: a value no .env quoting can carry is an error naming its key, not its value', async () => {
    w.reset({ CR_KEY: 'sk-CLI-cr\rVALUE' });
    const ran = await w.cli(['pull', '--secrets', 'CR_KEY'], { valuesOn: 'stdout' });
    expect(ran).toMatchObject({ code: 1, stdout: '' });
    expect(ran.stderr).toMatch(/^clarifai-secrets: cannot write --format env: CR_KEY holds a carriage return.*--format json or --format shell\n$/);
    expect(ran.stderr).not.toContain('VALUE');
  });

  it('skips names that change how programs run, and says which', async () => {
    w.reset({ NODE_OPTIONS: '--CLI-dangerous' });
    const ran = await w.cli(['pull', '--format', 'json'], { valuesOn: 'stdout' });
    expect(Object.keys(JSON.parse(ran.stdout))).toEqual(['OPENAI_API_KEY', 'STRIPE_KEY', 'db_url']);
    expect(ran.stderr).toMatch(/not printed .*: NODE_OPTIONS\n$/);
  });

  it('asks the API even inside the cache TTL, so a pull right after an update is current', async () => {
    const env = w.env({ CLARIFAI_SECRETS_CACHE_TTL: '3600' });
    await w.cli(['run', '--', 'true'], { env });
    await w.cli(['update', 'STRIPE_KEY'], { env, input: NEW_VALUE });
    // The same selection (all) as the run that cached it.
    const ran = await w.cli(['pull', '--format', 'json'], { env, valuesOn: 'stdout' });
    expect(JSON.parse(ran.stdout)).toMatchObject({ STRIPE_KEY: NEW_VALUE });
  });

  it('--output F writes the file 0600 from its creation (umask 000 too), and replaces one that exists', async () => {
    const file = join(w.project.dir, 'pulled.env.local');
    writeFileSync(file, 'OLD=stale\n', { mode: 0o644 });
    chmodSync(file, 0o644);
    const ran = await exec('sh', ['-c', 'umask 000; exec "$0" pull --secrets OPENAI_API_KEY --output pulled.env.local', w.bin], { cwd: w.project.dir, env: w.env() });
    expect(ran).toMatchObject({ code: 0, stdout: '', stderr: 'clarifai-secrets: wrote 1 secret to pulled.env.local (mode 0600)\n' });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(parse(readFileSync(file, 'utf8'))).toEqual({ OPENAI_API_KEY: VALUES.OPENAI_API_KEY });
    const fresh = await exec('sh', ['-c', 'umask 000; exec "$0" pull --json -o fresh.json', w.bin], { cwd: w.project.dir, env: w.env() });
    expect(fresh.code).toBe(0);
    expect(statSync(join(w.project.dir, 'fresh.json')).mode & 0o777).toBe(0o600);
    expect(readdirSync(w.project.dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    const nowhere = await w.cli(['pull', '--output', join(w.project.dir, 'no-such-folder', 'x.env')]);
    expect(nowhere.code).toBe(1);
    expect(nowhere.stderr).toMatch(/^clarifai-secrets: cannot write .*x\.env \(ENOENT\)/);
  });

  it('writes nothing of its own to stdout besides the values', async () => {
    const file = join(w.project.dir, 'out.env');
    const ran = await exec('sh', ['-c', `"$0" pull > ${file}`, w.bin], { cwd: w.project.dir, env: w.env() });
    expect(ran.code).toBe(0);
    expect(parse(readFileSync(file))).toEqual({ OPENAI_API_KEY: VALUES.OPENAI_API_KEY, STRIPE_KEY: VALUES.STRIPE_KEY, db_url: VALUES['db-url'] });
    writeFileSync(file, '');
  });
});
