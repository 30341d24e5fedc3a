/**
 * `pull --format github` and examples/github-actions: what a workflow's later steps get
 * (the GITHUB_ENV file read back with the runner's rules) and what its logs hide (masks).
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { githubEnvText, maskCommands } from '../../src/cli/github.js';
import { expectNoLeak } from '../support/leaks.js';
import { maskedStrings, parseGithubEnv } from '../support/github-env.js';
import { REPO_ROOT } from '../support/package-link.js';
import { type CliWorld, PAT, exec, makeCliWorld } from './helpers.js';

const TRICKY = {
  'tls-ca': '-----BEGIN CERTIFICATE-----\nMIIB-GITHUB-line-one\nMIIB-GITHUB-line-two\n-----END CERTIFICATE-----\n',
  'openai-key': 'sk-GITHUB-openai-%0A-100%-VALUE',
  'database-url': 'postgres://GITHUB:p@ss=word@db/app?ssl=true',
  odd: 'GITHUB-first\nEOF\n\nGITHUB-after-blank\r\nGITHUB-crlf "quoted" \'single\' $HOME `tick`',
};

describe('the GITHUB_ENV text and the masks', () => {
  const entries = Object.entries(TRICKY).map(([id, value]) => [id.replace(/-/g, '_'), value] as const);

  it('reads back to exactly the values with the runner rules', () => {
    const text = githubEnvText(entries);
    expect(parseGithubEnv(text)).toEqual(Object.fromEntries(entries));
    expect(text).toMatch(/^tls_ca<<ghadelimiter_[0-9a-f-]{36}\n/);
  });

  it('never uses a delimiter that a value contains', () => {
    const tries = ['GITHUB-after-blank', 'EOF', 'D-ok'];
    const text = githubEnvText(entries, () => tries.shift() as string);
    expect(tries).toEqual([]);
    expect(text).toContain('odd<<D-ok\n');
    expect(parseGithubEnv(text)).toEqual(Object.fromEntries(entries));
  });

  it('masks every non-empty line of every value, escaped as workflow commands are', () => {
    const masked = maskedStrings(maskCommands(entries));
    for (const [, value] of entries) {
      for (const line of value.split(/\r\n|\n/)) if (line !== '') expect(masked).toContain(line);
    }
    expect(masked).not.toContain('');
    expect(maskCommands([['K', '100%\r']])).toBe('::add-mask::100%25\n');
  });
});

let w: CliWorld;
beforeAll(async () => {
  w = await makeCliWorld(TRICKY);
});
afterAll(() => w.close());
beforeEach(() => w.reset(TRICKY));

function githubEnvFile(initial = ''): string {
  const file = join(mkdtempSync(join(tmpdir(), 'cs-github-')), 'github_env');
  writeFileSync(file, initial);
  return file;
}

describe('pull --format github', () => {
  it('appends every selected secret to GITHUB_ENV and prints only masks on stdout', async () => {
    const file = githubEnvFile('EXISTING=kept\n');
    const ran = await w.cli(['pull', '--format', 'github', '--secrets', 'TLS_CA=tls-ca, openai-key, odd'], {
      env: w.env({ GITHUB_ENV: file }),
      valuesOn: 'stdout',
    });
    expect(ran.code).toBe(0);
    expect(ran.stderr).toBe('clarifai-secrets: added to GITHUB_ENV for the next steps: TLS_CA, odd, openai_key\n');
    const stdout = ran.stdout.split('\n').filter(Boolean);
    expect(stdout.every((line) => line.startsWith('::add-mask::'))).toBe(true);
    expect(parseGithubEnv(readFileSync(file, 'utf8'))).toEqual({
      EXISTING: 'kept',
      TLS_CA: TRICKY['tls-ca'],
      openai_key: TRICKY['openai-key'],
      odd: TRICKY.odd,
    });
  });

  it("never writes the runner's own names, even mapped on purpose, and writes nothing then", async () => {
    for (const name of ['ACTIONS_ALLOW_UNSECURE_COMMANDS', 'RUNNER_TEMP', 'GITHUB_PATH']) {
      const file = githubEnvFile('EXISTING=kept\n');
      const ran = await w.cli(['pull', '--format', 'github', '--secrets', `${name}=odd, openai-key`], { env: w.env({ GITHUB_ENV: file }) });
      expect(ran.code, name).toBe(1);
      expect(ran.stderr).toMatch(new RegExp(`never writes the runner's own names .*: ${name};`));
      expect(ran.stdout).toBe('');
      expect(readFileSync(file, 'utf8')).toBe('EXISTING=kept\n');
    }
    // Under a wildcard they are not selected at all: the exec-hook guard skips them.
  });

  it('outside GitHub Actions: one ERR_CONFIG line, exit 1, no request', async () => {
    const ran = await w.cli(['pull', '--format', 'github'], { env: w.env({ GITHUB_ENV: '' }) });
    expect(ran.code).toBe(1);
    expect(ran.stdout).toBe('');
    expect(ran.stderr).toMatch(/^clarifai-secrets: --format github works inside GitHub Actions only \(GITHUB_ENV is not set\).*\[ERR_CONFIG\]\n$/);
    expect(w.calls()).toEqual([]);
  });

  it('creates a missing GITHUB_ENV file private to its owner', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cs-github-')), 'new_env');
    const ran = await w.cli(['pull', '--format', 'github', '--secrets', 'openai-key'], { env: w.env({ GITHUB_ENV: file }), valuesOn: 'stdout' });
    expect(ran.code).toBe(0);
    expect(existsSync(file)).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });
});

interface Step {
  name?: string;
  run?: string;
  uses?: string;
  env?: Record<string, string>;
}

describe('examples/github-actions', () => {
  it("runs the workflow's steps as the runner would: the test step gets every secret, the logs none", async () => {
    const workflow = parseYaml(readFileSync(join(REPO_ROOT, 'examples', 'github-actions', 'workflow.yml'), 'utf8')) as {
      jobs: Record<string, { steps: Step[] }>;
    };
    const steps = Object.values(workflow.jobs)[0]?.steps ?? [];
    cpSync(join(REPO_ROOT, 'examples', 'github-actions'), w.project.dir, { recursive: true });
    const project = w.project.dir;
    const jobEnv: Record<string, string | undefined> = {
      ...w.env({ PATH: `${join(project, 'node_modules', '.bin')}:${process.env['PATH']}` }),
      CLARIFAI_PAT: undefined,
      GITHUB_ACTIONS: 'true',
    };
    const masks: string[] = [];
    const logs: string[] = [];
    const ran: string[] = [];
    for (const step of steps) {
      // `uses:` steps and `npm ci` set up what the test project already has.
      if (step.run === undefined || step.run.trim() === 'npm ci') continue;
      const file = githubEnvFile();
      const stepEnv = Object.fromEntries(
        Object.entries(step.env ?? {}).map(([name, value]) => [name, String(value).replaceAll('${{ secrets.CLARIFAI_PAT }}', PAT)]),
      );
      const result = await exec('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run], {
        cwd: project,
        env: { ...jobEnv, ...stepEnv, GITHUB_ENV: file },
      });
      expect(result.code, `step "${step.name ?? step.run}": ${result.stderr}`).toBe(0);
      masks.push(...maskedStrings(result.stdout));
      logs.push(result.stdout.split('\n').filter((line) => !line.startsWith('::add-mask::')).join('\n'), result.stderr);
      Object.assign(jobEnv, parseGithubEnv(readFileSync(file, 'utf8')));
      ran.push(step.name ?? step.run);
    }
    expect(ran).toEqual(['Load secrets from Clarifai', 'Test']);
    // Later steps have the secrets exactly, and not the token.
    expect(jobEnv).toMatchObject({
      OPENAI_API_KEY: TRICKY['openai-key'],
      DATABASE_URL: TRICKY['database-url'],
      TLS_CA: TRICKY['tls-ca'],
    });
    expect(jobEnv['SENTRY_DSN']).toBeUndefined();
    expect(logs.at(-2)).toBe(
      `OPENAI_API_KEY: set (${TRICKY['openai-key'].length} chars)\nDATABASE_URL: set (${TRICKY['database-url'].length} chars)\n` +
        `TLS_CA: set (${TRICKY['tls-ca'].length} chars, 5 lines)\nSENTRY_DSN: not set\nCLARIFAI_PAT: not set\n`,
    );
    // Every line of every value was masked before any later step ran.
    for (const id of ['openai-key', 'database-url', 'tls-ca'] as const) {
      for (const line of TRICKY[id].split('\n')) if (line) expect(masks).toContain(line);
    }
    for (const log of logs) expectNoLeak(log, { PAT, ...TRICKY }, 'the workflow log');
  });
});
