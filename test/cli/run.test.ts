/**
 * `clarifai-secrets run` end to end: the built bin, real child processes, real signals,
 * the emulator on loopback.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type CliWorld, PAT, VALUES, exec, makeCliWorld, onTerminal } from './helpers.js';

let w: CliWorld;
beforeAll(async () => {
  w = await makeCliWorld();
  // A child that prints what it sees of its environment and its argv, as JSON.
  w.project.write(
    'show-env.mjs',
    `const pick = (k) => process.env[k];
console.log(JSON.stringify({
  OPENAI_API_KEY: pick('OPENAI_API_KEY'), db_url: pick('db_url'), STRIPE_KEY: pick('STRIPE_KEY'),
  CLARIFAI_PAT: pick('CLARIFAI_PAT'), CLARIFAI_SESSION_TOKEN: pick('CLARIFAI_SESSION_TOKEN'),
  marker: pick('CLARIFAI_SECRETS_LOADED') !== undefined, argv: process.argv.slice(2) }));\n`,
  );
  // Traps the signals it is sent, reports each, and exits 0 once it got one (3 if none came).
  w.project.write(
    'trap.mjs',
    `let count = 0;
for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGUSR2']) process.on(s, () => {
  count++;
  console.log('got ' + s + ' #' + count);
  setTimeout(() => { console.log('count=' + count); process.exit(0); }, 300);
});
console.log('ready');
setTimeout(() => process.exit(3), 8000);\n`,
  );
  // A child that runs a grandchild and passes SIGTERM on to it, as npm and most supervisors do.
  w.project.write(
    'parent.mjs',
    `import { spawn } from 'node:child_process';
const child = spawn(process.execPath, ['grandchild.mjs'], { stdio: 'inherit' });
process.on('SIGTERM', () => child.kill('SIGTERM'));
child.on('exit', (code, signal) => process.exit(code ?? 99));\n`,
  );
  w.project.write(
    'grandchild.mjs',
    `process.on('SIGTERM', () => { console.log('grandchild got SIGTERM, key ' + (process.env.OPENAI_API_KEY ? 'present' : 'absent')); process.exit(42); });
console.log('ready');
setTimeout(() => process.exit(3), 8000);\n`,
  );
  // Writes each value one byte per write(2) call, with pauses, to stdout and stderr in turn.
  w.project.write(
    'drip.mjs',
    `import { writeSync } from 'node:fs';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const values = [process.env.OPENAI_API_KEY, process.env.db_url, process.env.STRIPE_KEY];
for (const [i, value] of values.entries()) {
  const fd = i % 2 === 0 ? 1 : 2;
  writeSync(fd, 'value ' + i + ': ');
  for (const byte of Buffer.from(value)) { writeSync(fd, Buffer.from([byte])); if (byte % 3 === 0) await sleep(2); }
  writeSync(fd, ' end\\n');
}
writeSync(1, 'plain ' + 'sk-CLI-openai' + ' prefix only\\n');
process.exit(Number(process.argv[2] ?? 0));\n`,
  );
});
afterAll(() => w.close());
beforeEach(() => w.reset());

function json(stdout: string): Record<string, unknown> {
  return JSON.parse(stdout.trim().split('\n').at(-1) as string) as Record<string, unknown>;
}

describe('the environment', () => {
  it('gives the child every secret, mapped names included, and takes the PAT and session token away', async () => {
    const ran = await w.cli(['run', '--', 'node', 'show-env.mjs', 'a b', '$HOME'], {
      env: w.env({ CLARIFAI_SESSION_TOKEN: 'sess-CLI-token-1234' }),
      valuesOn: 'stdout',
    });
    expect(ran.code).toBe(0);
    expect(ran.stderr).toBe('');
    expect(json(ran.stdout)).toEqual({
      OPENAI_API_KEY: VALUES.OPENAI_API_KEY,
      db_url: VALUES['db-url'],
      STRIPE_KEY: VALUES.STRIPE_KEY,
      marker: true,
      // No shell: arguments arrive exactly as given, nothing is expanded.
      argv: ['a b', '$HOME'],
    });
  });

  it('with CLARIFAI_SECRETS_DEBUG, prints the preload\'s report line: names, source, time', async () => {
    const ran = await w.cli(['run', '--', 'true'], { env: w.env({ CLARIFAI_SECRETS_DEBUG: 'true' }) });
    expect(ran.code).toBe(0);
    expect(ran.stderr).toMatch(/^clarifai-secrets: loaded 3 secrets from api in [\d.]+ ms: OPENAI_API_KEY, STRIPE_KEY, db_url\n$/);
  });

  it('--keep-pat leaves the token to the child', async () => {
    const ran = await w.cli(['run', '--keep-pat', '--secrets', 'OPENAI_API_KEY', '--', 'node', 'show-env.mjs'], { valuesOn: 'both' });
    expect(ran.code).toBe(0);
    expect(json(ran.stdout)).toEqual({ OPENAI_API_KEY: VALUES.OPENAI_API_KEY, CLARIFAI_PAT: PAT, marker: true, argv: [] });
  });

  it('keeps what is already set unless --override, and hands flags after the command to the command', async () => {
    const env = w.env({ STRIPE_KEY: 'mine' });
    const kept = await w.cli(['run', 'node', 'show-env.mjs', '--override', '--secrets'], { env, valuesOn: 'stdout' });
    expect(json(kept.stdout)).toMatchObject({ STRIPE_KEY: 'mine', argv: ['--override', '--secrets'] });
    const replaced = await w.cli(['run', '--override', '--', 'node', 'show-env.mjs'], { env, valuesOn: 'stdout' });
    expect(json(replaced.stdout)).toMatchObject({ STRIPE_KEY: VALUES.STRIPE_KEY });
  });

  it('runs a non-Node command, and a preload inside the child does not fetch again', async () => {
    const shell = await w.cli(['run', '--secrets', 'KEY=OPENAI_API_KEY', '--', 'sh', '-c', 'printf "%s|%s" "$KEY" "${CLARIFAI_PAT:-none}"'], {
      valuesOn: 'stdout',
    });
    expect(shell.stdout).toBe(`${VALUES.OPENAI_API_KEY}|none`);

    w.emulator.clearRequests();
    const nested = await w.cli(
      ['run', '--secrets', 'OPENAI_API_KEY', '--', 'node', '--import', 'clarifai-secrets/register', 'show-env.mjs'],
      { valuesOn: 'stdout' },
    );
    expect(nested.code).toBe(0);
    expect(json(nested.stdout)).toMatchObject({ OPENAI_API_KEY: VALUES.OPENAI_API_KEY });
    expect(w.calls()).toEqual(['GET /v2/users/me/secrets/OPENAI_API_KEY']);
  });

  it('--env-file supplies the settings, the token included, and the child gets neither the token nor the file contents', async () => {
    w.project.write('config/clarifai.env', `CLARIFAI_PAT=${PAT}\nCLARIFAI_SECRETS=OPENAI_API_KEY\nOTHER=not-injected\n`);
    const ran = await w.cli(['run', '--env-file', 'config/clarifai.env', '--', 'sh', '-c', 'printf "%s|%s|%s|%s" "${#OPENAI_API_KEY}" "${CLARIFAI_PAT:-none}" "${OTHER:-none}" "${STRIPE_KEY:-none}"; read line; printf "|stdin:%s" "$line"'], {
      env: w.env({ CLARIFAI_PAT: undefined }),
      input: 'typed\n',
    });
    expect(ran).toMatchObject({ code: 0, stderr: '', stdout: '26|none|none|none|stdin:typed' });
  });
});

describe('exit codes', () => {
  it('passes the child exit code through: 0 and 7', async () => {
    expect((await w.cli(['run', '--', 'node', '-e', 'process.exit(0)'])).code).toBe(0);
    const seven = await w.cli(['run', '--', 'node', '-e', 'process.exit(7)']);
    expect(seven.code).toBe(7);
    expect(seven.stderr).toBe('');
  });

  it('exits 1 with one line and never starts the command when the load fails', async () => {
    const marker = join(w.project.dir, 'started.txt');
    const ran = await w.cli(['run', '--secrets', 'OPENAI_API_KEY,NOT_THERE', '--', 'node', '-e', `require('fs').writeFileSync(${JSON.stringify(marker)}, 'x')`]);
    expect(ran.code).toBe(1);
    expect(ran.stderr).toMatch(/^clarifai-secrets: secret not found: NOT_THERE; .* \[ERR_MISSING_SECRETS\]\n$/);
    expect(ran.stderr.split('\n')).toHaveLength(2);
    expect(existsSync(marker)).toBe(false);

    const refused = await w.cli(['run', '--', 'node', '-e', `require('fs').writeFileSync(${JSON.stringify(marker)}, 'x')`], {
      env: w.env({ CLARIFAI_PAT: 'pat-CLI-wrong-0000' }),
    });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^clarifai-secrets: Clarifai refused the token .* \[ERR_AUTH\]\n$/);
    expect(existsSync(marker)).toBe(false);
  });

  it('with fail-open, warns once and runs the command without the secrets', async () => {
    const ran = await w.cli(['run', '--', 'node', 'show-env.mjs'], {
      env: w.env({ CLARIFAI_PAT: 'pat-CLI-wrong-0000', CLARIFAI_SECRETS_FAIL_OPEN: 'true' }),
    });
    expect(ran.code).toBe(0);
    expect(ran.stderr).toMatch(/^clarifai-secrets: warning: Clarifai refused the token .*\[ERR_AUTH\] \(CLARIFAI_SECRETS_FAIL_OPEN is on.*\n$/);
    // JSON drops what is undefined: no secret, no token, no marker.
    expect(json(ran.stdout)).toEqual({ marker: false, argv: [] });
  });

  it('says so when the command does not exist (127), like a shell', async () => {
    const ran = await w.cli(['run', '--', 'no-such-command-cs']);
    expect(ran.code).toBe(127);
    expect(ran.stderr).toBe('clarifai-secrets: command not found: no-such-command-cs\n');
  });

  it.each([
    ['KILL', 137, 'SIGKILL'],
    ['TERM', 143, 'SIGTERM'],
  ] as const)('a child killed by SIG%s: the wrapper dies of it too, a shell sees %i', async (sig, status, name) => {
    const direct = await w.cli(['run', '--', 'sh', '-c', `kill -${sig} $$`]);
    expect(direct.code).toBeNull();
    expect(direct.signal).toBe(name);
    const viaShell = await exec('sh', ['-c', `"$0" run -- sh -c 'kill -${sig} $$'; echo "status=$?"`, w.bin], {
      cwd: w.project.dir,
      env: w.env(),
    });
    expect(viaShell.stdout).toBe(`status=${status}\n`);
  });
});

describe('signals', () => {
  it.each(['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGUSR2'] as const)('forwards %s to a child that traps it, once, and exits with its code', async (signal) => {
    const started = w.start(['run', '--', 'node', 'trap.mjs']);
    await started.waitFor('ready');
    started.child.kill(signal);
    const ran = await started.done;
    expect(ran.stdout).toContain(`got ${signal} #1`);
    expect(ran.stdout).toContain('count=1');
    expect(ran.code).toBe(0);
  });

  it('reaches a child of the child through its parent, and returns the grandchild exit code', async () => {
    const started = w.start(['run', '--', 'node', 'parent.mjs'], { valuesOn: 'stdout' });
    await started.waitFor('ready');
    started.child.kill('SIGTERM');
    const ran = await started.done;
    expect(ran.stdout).toContain('grandchild got SIGTERM, key present');
    expect(ran.code).toBe(42);
  });

  // Without `script` there is no pseudo-terminal to type on: the test shows as skipped.
  const hasScript = spawnSync('sh', ['-c', 'command -v script'], { stdio: 'ignore' }).status === 0;
  it.skipIf(!hasScript)('a Ctrl-C typed on a terminal reaches the child once, not twice', async () => {
    // `script` gives the command a real pseudo-terminal; ^C on it is the line discipline's SIGINT
    // to the whole foreground process group, which holds both the wrapper and the child.
    // Two SIGINTs that arrive together merge into one, so the child's own count cannot tell
    // whether the wrapper sent a second one: the wrapper logs every signal it sends instead.
    const hook = w.project.write(
      'log-kills.cjs',
      `const { ChildProcess } = require('node:child_process');
const { appendFileSync } = require('node:fs');
const kill = ChildProcess.prototype.kill;
ChildProcess.prototype.kill = function (signal) {
  appendFileSync(process.env.KILL_LOG, String(signal ?? 'SIGTERM') + '\\n');
  return kill.call(this, signal);
};
const processKill = process.kill;
process.kill = function (pid, signal) {
  if (pid !== process.pid) appendFileSync(process.env.KILL_LOG, String(signal ?? 'SIGTERM') + '\\n');
  return processKill.call(this, pid, signal);
};\n`,
    );
    const killLog = join(w.project.dir, 'kills.log');
    const ran = await onTerminal(
      `exec "${process.execPath}" -r "${hook}" "${w.bin}" run -- node trap.mjs`,
      [{ after: 'ready', send: '\x03' }],
      { cwd: w.project.dir, env: { ...w.env(), KILL_LOG: killLog } },
    );
    expect(ran).toBeDefined();
    expect(ran?.stdout).toContain('got SIGINT #1');
    expect(ran?.stdout).toContain('count=1');
    // The terminal delivered it; the wrapper sent the child nothing.
    expect(existsSync(killLog) ? readFileSync(killLog, 'utf8') : '').toBe('');
  });
});

describe('--mask', () => {
  it('hides values written one byte at a time across chunks, on stdout and stderr, and keeps the exit code', async () => {
    const ran = await w.cli(['run', '--mask', '--', 'node', 'drip.mjs', '7']);
    expect(ran.code).toBe(7);
    expect(ran.stdout).toBe('value 0: <concealed> end\nvalue 2: <concealed> end\nplain sk-CLI-openai prefix only\n');
    expect(ran.stderr).toBe('value 1: <concealed> end\n');
  });

  it('hides the token too with --keep-pat, and still dies of the child signal', async () => {
    const shown = await w.cli(['run', '--mask', '--keep-pat', '--', 'sh', '-c', 'echo "t=$CLARIFAI_PAT k=$OPENAI_API_KEY"']);
    expect(shown.stdout).toBe('t=<concealed> k=<concealed>\n');
    const killed = await w.cli(['run', '--mask', '--', 'sh', '-c', 'echo "$STRIPE_KEY"; kill -TERM $$']);
    expect(killed.stdout).toBe('<concealed>\n');
    expect(killed.signal).toBe('SIGTERM');
  });

  it('leaves values shorter than 4 characters visible and names them once, so "build ok" stays readable', async () => {
    w.reset({ OK_FLAG: 'ok', REGION: 'eu1' });
    const ran = await w.cli(['run', '--mask', '--', 'sh', '-c', 'echo "build ok in $REGION with $STRIPE_KEY"']);
    expect(ran.code).toBe(0);
    expect(ran.stdout).toBe('build ok in eu1 with <concealed>\n');
    expect(ran.stderr).toBe('clarifai-secrets: --mask leaves values shorter than 4 characters visible (masking them would garble ordinary output): OK_FLAG, REGION\n');
  });
});
