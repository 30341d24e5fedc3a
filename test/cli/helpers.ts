/**
 * The CLI as users run it: the built bin, linked into a scratch project's
 * node_modules/.bin (exactly what `npx clarifai-secrets` runs), against the emulator on
 * loopback. Every call is checked for leaks: no planted value and no token may appear in
 * what the CLI itself prints, except where a test says the output is the value (get, pull,
 * or a child of `run` that prints its own environment).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { expectNoLeak, expectNoLeakInFolder } from '../support/leaks.js';
import { type Project, makeProject } from '../support/package-link.js';
import { type Ran, type RunOptions, baseEnv } from '../support/spawn.js';

/**
 * Like support/spawn's `run`, but a child that exits without reading its stdin is not an
 * error (EPIPE on the pipe we write to), and with no input the child's stdin is empty.
 */
export function exec(command: string, args: readonly string[], options: RunOptions = {}): Promise<Ran> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], { cwd: options.cwd, env: options.env ?? baseEnv(), stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = options.killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), options.killAfterMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? '');
  });
}

export const PAT = 'pat-CLI-E2E-5d1e9b72c4';
export const USER = 'cli-user';

/** Distinctive values, so a leak check cannot match by accident. */
export const VALUES = {
  OPENAI_API_KEY: 'sk-CLI-openai-VALUE-7f3a91',
  'db-url': 'postgres://CLI-db-VALUE-22c8@db/app',
  STRIPE_KEY: 'sk_CLI_stripe_VALUE_e41d',
};

export interface CliOptions {
  env?: Record<string, string | undefined>;
  input?: string;
  cwd?: string;
  /** Output that is allowed to hold values: `get`'s and `pull`'s stdout, a child's own output. */
  valuesOn?: 'stdout' | 'both';
  killAfterMs?: number;
}

export interface CliWorld {
  emulator: Emulator;
  project: Project;
  cacheDir: string;
  bin: string;
  /** Planted strings that no CLI message may contain. */
  planted: Record<string, string>;
  env(extra?: Record<string, string | undefined>): Record<string, string | undefined>;
  cli(args: readonly string[], options?: CliOptions): Promise<Ran>;
  /** Starts the bin without waiting, for signal tests. */
  start(args: readonly string[], options?: CliOptions): Started;
  /** Requests the emulator received, as `METHOD path` lines (for counting). */
  calls(): string[];
  reset(seed?: Record<string, string>): void;
  close(): Promise<void>;
}

export interface Started {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout contains `text`. */
  waitFor(text: string, ms?: number): Promise<void>;
  done: Promise<Ran>;
}

export async function makeCliWorld(extraPlanted: Record<string, string> = {}): Promise<CliWorld> {
  const emulator = await startEmulator({ pats: { [PAT]: USER }, users: { [USER]: [] } });
  const project = makeProject('cs-cli-');
  const cacheDir = mkdtempSync(join(tmpdir(), 'cs-cli-cache-'));
  const bin = join(project.dir, 'node_modules', '.bin', 'clarifai-secrets');
  const planted = { PAT, ...VALUES, ...extraPlanted };

  const env = (extra: Record<string, string | undefined> = {}): Record<string, string | undefined> =>
    baseEnv({
      CLARIFAI_PAT: PAT,
      CLARIFAI_API_BASE: emulator.url,
      CLARIFAI_SECRETS_CACHE_DIR: cacheDir,
      CLARIFAI_SECRETS_TIMEOUT: '5000',
      ...extra,
    });

  const check = (ran: { stdout: string; stderr: string }, options: CliOptions, what: string): void => {
    if (options.valuesOn !== 'stdout' && options.valuesOn !== 'both') expectNoLeak(ran.stdout, planted, `stdout of ${what}`);
    if (options.valuesOn !== 'both') expectNoLeak(ran.stderr, planted, `stderr of ${what}`);
    else expectNoLeak(ran.stderr, { PAT }, `stderr of ${what}`);
  };

  return {
    emulator,
    project,
    cacheDir,
    bin,
    planted,
    env,
    async cli(args, options = {}) {
      const ran = await exec(bin, [...args], {
        cwd: options.cwd ?? project.dir,
        env: options.env ?? env(),
        input: options.input ?? '',
        ...(options.killAfterMs !== undefined ? { killAfterMs: options.killAfterMs } : {}),
      });
      check(ran, options, `clarifai-secrets ${args[0] ?? ''}`);
      return ran;
    },
    start(args, options = {}) {
      return watch(bin, args, { cwd: project.dir, env: env(), ...options }, (ran) => check(ran, options, `clarifai-secrets ${args[0] ?? ''}`));
    },
    calls() {
      return emulator.requests.map((r) => `${r.method} ${r.path}`);
    },
    reset(seed = {}) {
      emulator.reset();
      const secrets = Object.entries({ ...VALUES, ...seed }).map(([id, value]) => ({ id, value }));
      emulator.seed(USER, secrets);
      emulator.clearRequests();
      expectNoLeakInFolder(cacheDir, planted);
      rmSync(cacheDir, { recursive: true, force: true });
    },
    async close() {
      expectNoLeakInFolder(cacheDir, planted);
      await emulator.close();
      project.remove();
      rmSync(cacheDir, { recursive: true, force: true });
    },
  };
}

/** Starts a process without waiting for it, and lets a test wait for what it prints. */
export function watch(
  command: string,
  args: readonly string[],
  options: CliOptions = {},
  check: (ran: Ran) => void = () => {},
): Started {
  const started = Date.now();
  const child = spawn(command, [...args], { cwd: options.cwd, env: options.env ?? baseEnv(), stdio: 'pipe' });
  let stdout = '';
  let stderr = '';
  const waiters: Array<{ text: string; resolve: () => void }> = [];
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    for (const waiter of waiters.splice(0)) {
      if (stdout.includes(waiter.text)) waiter.resolve();
      else waiters.push(waiter);
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin.on('error', () => {});
  child.stdin.end(options.input ?? '');
  const done = new Promise<Ran>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const ran = { code, signal, stdout, stderr, ms: Date.now() - started };
      check(ran);
      resolve(ran);
    });
  });
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    done,
    waitFor(text, ms = 10_000) {
      if (stdout.includes(text)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no "${text}" on stdout within ${ms} ms; stderr: ${stderr}`)), ms);
        waiters.push({
          text,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      });
    },
  };
}

/**
 * Runs `commandLine` (sh syntax) on a real pseudo-terminal through util-linux `script`, and
 * types each `send` once the output holds its `after`. Undefined when `script` is missing.
 * Keys typed on the terminal are the line discipline's: `\x03` is a real Ctrl-C (SIGINT to
 * the foreground process group), `\r` is Enter.
 */
export async function onTerminal(
  commandLine: string,
  steps: ReadonlyArray<{ after: string; send: string }>,
  options: { cwd: string; env: Record<string, string | undefined> },
): Promise<Ran | undefined> {
  const probe = await exec('sh', ['-c', 'command -v script'], { env: options.env });
  if (probe.code !== 0) return undefined;
  const driver = `
    const { spawn } = require('node:child_process');
    const steps = JSON.parse(process.argv[2]);
    const p = spawn('script', ['-qec', process.argv[1], '/dev/null'], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, SHELL: '/bin/sh' } });
    let out = '';
    let next = 0;
    p.stdout.on('data', (d) => {
      out += d;
      while (next < steps.length && out.includes(steps[next].after)) p.stdin.write(steps[next++].send);
    });
    p.on('close', (code) => { process.stdout.write(out); process.exit(code ?? 1); });
    setTimeout(() => p.kill('SIGKILL'), 8000);`;
  return exec(process.execPath, ['-e', driver, commandLine, JSON.stringify(steps)], options);
}
