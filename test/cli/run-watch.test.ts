/**
 * `clarifai-secrets run --watch` end to end: the built bin, real child processes restarted
 * on a change, real signals, the emulator on loopback (the CLI's shortest interval, 2 s).
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SecretsClient } from '../../src/api/client.js';
import { type CliWorld, PAT, USER, VALUES, makeCliWorld, onTerminal } from './helpers.js';

const ROTATED = 'sk-CLI-openai-ROTATED-9b3e';
const APP = { APP_A: 'app-CLI-a-VALUE-1c', APP_B: 'app-CLI-b-VALUE-2d', APP_C: 'app-CLI-c-VALUE-3e' };
const INTERVAL_S = 2;
const SLOW_EXIT_MS = 2 * INTERVAL_S * 1100 + 1000;
/** Two intervals with their jitter, and a process start. */
const TWO_INTERVALS_MS = 2 * INTERVAL_S * 1100 + 2000;

let w: CliWorld;
beforeAll(async () => {
  w = await makeCliWorld({ ROTATED, ...APP });
  // A long-running child: says which key it has (a hash) and which APP_* names it sees.
  w.project.write(
    'serve.mjs',
    `import { createHash } from 'node:crypto';
const key = process.env.OPENAI_API_KEY ?? '';
const hash = createHash('sha256').update(key).digest('hex').slice(0, 12);
const apps = Object.keys(process.env).filter((n) => n.startsWith('APP_')).sort().join(',');
const ignoreTerm = process.argv.includes('--ignore-term');
process.on('SIGTERM', () => {
  if (ignoreTerm) return void console.log('ignoring SIGTERM');
  console.log('stopped ' + hash);
  process.exit(0);
});
process.on('SIGINT', () => {
  console.log('got SIGINT');
  // --slow-exit: takes its time to shut down, as a server draining its connections does.
  setTimeout(() => process.exit(0), process.argv.includes('--slow-exit') ? ${SLOW_EXIT_MS} : 0);
});
console.log('start ' + hash + ' apps=' + apps);
if (process.argv.includes('--print-key')) console.log('key: ' + key);
if (process.env.EXIT_ON === hash) process.exit(5);
setInterval(() => {}, 1000);\n`,
  );
});
afterAll(() => w.close());
beforeEach(() => w.reset(APP));

const hash = (value: string): string => createHash('sha256').update(value).digest('hex').slice(0, 12);
const OLD = hash(VALUES.OPENAI_API_KEY);
const NEW = hash(ROTATED);
const WATCH = ['run', '--watch', '--watch-interval', String(INTERVAL_S)];

function rotate(): void {
  w.emulator.seed(USER, [{ id: 'OPENAI_API_KEY', value: ROTATED }]);
}

function lines(text: string): string[] {
  return text.split('\n').filter((line) => line !== '');
}

/** Resolves once `stderr()` holds `count` lines matching `pattern`. */
async function stderrLines(started: { stderr(): string }, pattern: RegExp, count: number, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (lines(started.stderr()).filter((line) => pattern.test(line)).length < count) {
    if (Date.now() > end) throw new Error(`no ${count} stderr lines matching ${pattern} within ${ms} ms; stderr: ${started.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('run --watch', () => {
  it('restarts the child within two intervals of a change, with the new value, masked; the child ending ends run with its status', async () => {
    const started = w.start([...WATCH, '--mask', '--', 'node', 'serve.mjs', '--print-key'], {
      env: w.env({ EXIT_ON: NEW }),
    });
    await started.waitFor(`start ${OLD}`);
    rotate();
    await started.waitFor(`start ${NEW}`, TWO_INTERVALS_MS);
    const ran = await started.done;
    expect(ran.code).toBe(5);
    expect(lines(ran.stdout)).toEqual([
      `start ${OLD} apps=APP_A,APP_B,APP_C`,
      'key: <concealed>',
      `stopped ${OLD}`,
      `start ${NEW} apps=APP_A,APP_B,APP_C`,
      'key: <concealed>',
    ]);
    expect(lines(ran.stderr)).toEqual(['clarifai-secrets: secrets changed: OPENAI_API_KEY changed; restarting node']);
  });

  it('reports a secret that joins a PREFIX* selection and one that leaves it, by name', async () => {
    const started = w.start([...WATCH, '--secrets', 'APP_*', '--', 'node', 'serve.mjs']);
    await started.waitFor('apps=APP_A,APP_B,APP_C');
    const client = new SecretsClient({ pat: PAT, baseUrl: w.emulator.url, envFile: false });
    await client.delete(['APP_A']);
    await client.create([{ id: 'APP_D', value: 'app-CLI-d-VALUE-4f' }]);
    await started.waitFor('apps=APP_B,APP_C,APP_D', 2 * TWO_INTERVALS_MS);
    started.child.kill('SIGTERM');
    const ran = await started.done;
    expect(ran.code).toBe(0);
    const said = lines(ran.stderr).join('\n');
    expect(said).toMatch(/APP_A removed/);
    expect(said).toMatch(/APP_D added/);
    expect(said).not.toMatch(/APP_B|APP_C/);
  });

  it('after SIGTERM is ignored, kills the child once --watch-grace has passed, and starts it again', async () => {
    const started = w.start([...WATCH, '--watch-grace', '1', '--', 'node', 'serve.mjs', '--ignore-term']);
    await started.waitFor(`start ${OLD}`);
    rotate();
    await started.waitFor(`start ${NEW}`, TWO_INTERVALS_MS + 1000);
    expect(started.stdout()).toMatch(/ignoring SIGTERM/);
    started.child.kill('SIGINT');
    const ran = await started.done;
    expect(ran.code).toBe(0);
    expect(lines(ran.stdout).filter((line) => line.startsWith('start '))).toHaveLength(2);
  });

  it('an outage leaves the child running, warns once, and notes the recovery once', async () => {
    const started = w.start([...WATCH, '--', 'node', 'serve.mjs'], { env: w.env({ CLARIFAI_SECRETS_TIMEOUT: '1000' }) });
    await started.waitFor(`start ${OLD}`);
    w.emulator.clearRequests();
    w.emulator.inject({ kind: 'error', status: 503, code: 98004 }, { times: Infinity });
    const polls = (): number => w.emulator.requests.filter((r) => r.query['page'] === '1').length;
    // Two failed polls (with retries inside each), the second after a longer wait.
    await stderrLines(started, /warning: cannot refresh secrets/, 1, TWO_INTERVALS_MS);
    const firstPolls = polls();
    while (polls() === firstPolls) await new Promise((resolve) => setTimeout(resolve, 50));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    w.emulator.clearFaults();
    await stderrLines(started, /works again/, 1, 20_000);
    started.child.kill('SIGTERM');
    const ran = await started.done;
    expect(ran.code).toBe(0);
    expect(lines(ran.stdout)).toEqual([`start ${OLD} apps=APP_A,APP_B,APP_C`, `stopped ${OLD}`]);
    const said = lines(ran.stderr);
    expect(said).toHaveLength(2);
    expect(said[0]).toMatch(/^clarifai-secrets: warning: cannot refresh secrets: .*keeping the values loaded before/);
    expect(said[1]).toMatch(/^clarifai-secrets: warning: refreshing secrets works again after 2 failed polls$/);
  }, 60_000);

  it('a revoked token warns once and the child keeps running', async () => {
    const started = w.start([...WATCH, '--', 'node', 'serve.mjs']);
    await started.waitFor(`start ${OLD}`);
    w.emulator.clearRequests();
    w.emulator.inject({ kind: 'error', status: 401, code: 11008 }, { times: Infinity });
    const polls = (): number => w.emulator.requests.filter((r) => r.query['page'] === '1').length;
    await stderrLines(started, /warning: cannot refresh secrets/, 1, TWO_INTERVALS_MS);
    // Refused polls go on at the interval.
    while (polls() < 3) await new Promise((resolve) => setTimeout(resolve, 50));
    started.child.kill('SIGTERM');
    const ran = await started.done;
    expect(ran.code).toBe(0);
    expect(lines(ran.stdout)).toEqual([`start ${OLD} apps=APP_A,APP_B,APP_C`, `stopped ${OLD}`]);
    expect(lines(ran.stderr)).toHaveLength(1);
    expect(ran.stderr).toMatch(/^clarifai-secrets: warning: cannot refresh secrets: .*(token|PAT)/);
  }, 40_000);

  it('SIGINT stops everything once: the child gets it once, and run ends with its status', async () => {
    const started = w.start([...WATCH, '--', 'node', 'serve.mjs']);
    await started.waitFor(`start ${OLD}`);
    started.child.kill('SIGINT');
    const ran = await started.done;
    expect(ran.code).toBe(0);
    expect(lines(ran.stdout)).toEqual([`start ${OLD} apps=APP_A,APP_B,APP_C`, 'got SIGINT']);
    expect(ran.stderr).toBe('');
  });

  it('after SIGINT, a change starts nothing again: the line says so, and run ends with the child', async () => {
    const started = w.start([...WATCH, '--', 'node', 'serve.mjs', '--slow-exit']);
    await started.waitFor(`start ${OLD}`);
    started.child.kill('SIGINT');
    await started.waitFor('got SIGINT');
    rotate();
    await stderrLines(started, /not restarting/, 1, TWO_INTERVALS_MS);
    const ran = await started.done;
    expect(ran.code).toBe(0);
    expect(lines(ran.stdout)).toEqual([`start ${OLD} apps=APP_A,APP_B,APP_C`, 'got SIGINT']);
    expect(lines(ran.stderr)).toEqual(['clarifai-secrets: secrets changed: OPENAI_API_KEY changed; not restarting: stopping']);
  });

  it('Ctrl-C on a terminal reaches the child once, and nothing starts again', async () => {
    const ran = await onTerminal(`exec "${w.bin}" run --watch --watch-interval 2 -- node serve.mjs`, [{ after: 'start ', send: '\x03' }], {
      cwd: w.project.dir,
      env: w.env(),
    });
    if (!ran) return;
    expect(ran.stdout.match(/got SIGINT/g)).toHaveLength(1);
    expect(ran.stdout.match(/start /g)).toHaveLength(1);
  });

  it('refuses an interval under 2 s, and the watch flags without --watch', async () => {
    const short = await w.cli(['run', '--watch', '--watch-interval', '1', '--', 'node', 'serve.mjs']);
    expect(short.code).toBe(2);
    expect(short.stderr).toMatch(/--watch-interval needs a number of seconds from 2 to 86400 \(got "1"\)/);
    const alone = await w.cli(['run', '--watch-interval', '5', '--', 'node', 'serve.mjs']);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toMatch(/--watch-interval and --watch-grace need --watch/);
    expect(w.calls()).toEqual([]);
  });
});
