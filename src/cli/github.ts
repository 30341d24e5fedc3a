/**
 * `pull --format github`: hands secrets to the later steps of a GitHub Actions job.
 *
 * Every line of every value is first registered as a mask (`::add-mask::` on stdout), so the
 * runner hides it in all later log output; then each secret is appended to the file named
 * by GITHUB_ENV in GitHub's multiline form, which carries any value exactly:
 *
 *   NAME<<DELIMITER
 *   value, as many lines as it has
 *   DELIMITER
 *
 * The runner ends a value at the first line equal to the delimiter, so the delimiter is
 * random and checked against every value (and name) before use.
 */
import { ConfigError } from '../errors.js';
import { isCiRunnerName } from '../settings/exec-hooks.js';

type Entries = ReadonlyArray<readonly [name: string, value: string]>;

/** The file to append to; outside GitHub Actions there is none, and nothing is fetched. */
export function githubEnvFile(env: Record<string, string | undefined> = process.env): string {
  const file = env['GITHUB_ENV'];
  if (!file) {
    throw new ConfigError(
      '--format github works inside GitHub Actions only (GITHUB_ENV is not set): use --format env, shell or json elsewhere',
    );
  }
  return file;
}

/** Workflow command data is percent-escaped: the runner unescapes `%25`, `%0D` and `%0A`. */
function escapeData(text: string): string {
  return text.replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A');
}

/** `::add-mask::LINE` for every non-empty line of every value. */
export function maskCommands(entries: Entries): string {
  const lines = new Set<string>();
  for (const [, value] of entries) {
    for (const line of value.split(/\r\n|\r|\n/)) if (line !== '') lines.add(line);
  }
  return [...lines].map((line) => `::add-mask::${escapeData(line)}\n`).join('');
}

function randomDelimiter(): string {
  return `ghadelimiter_${process.getBuiltinModule('node:crypto').randomUUID()}`;
}

/** The GITHUB_ENV text for `entries`, with a delimiter that no value or name contains. */
export function githubEnvText(entries: Entries, makeDelimiter: () => string = randomDelimiter): string {
  let delimiter = makeDelimiter();
  for (let tries = 1; entries.some(([name, value]) => name.includes(delimiter) || value.includes(delimiter)); tries++) {
    if (tries >= 10) throw new ConfigError('cannot find a GITHUB_ENV delimiter that no value contains');
    delimiter = makeDelimiter();
  }
  return entries.map(([name, value]) => `${name}<<${delimiter}\n${value}\n${delimiter}\n`).join('');
}

/**
 * Masks on stdout first, then one append to GITHUB_ENV (created 0600 if it is not there). The
 * runner's own names are refused even when mapped on purpose: it reads GITHUB_ENV for every
 * later step and blocks only NODE_OPTIONS there, so ACTIONS_ALLOW_UNSECURE_COMMANDS=true
 * would re-enable `::set-env` for the rest of the job, and GITHUB_* names its own files.
 */
export function writeGithub(file: string, entries: Entries): void {
  const runner = entries.map(([name]) => name).filter(isCiRunnerName);
  if (runner.length > 0) {
    throw new ConfigError(
      `--format github never writes the runner's own names (ACTIONS_*, RUNNER_*, GITHUB_*) into GITHUB_ENV: ${runner.join(', ')}; ` +
        'map them to other names (MY_TOKEN=ID), or use --format env; nothing was written',
    );
  }
  const text = githubEnvText(entries);
  process.stdout.write(maskCommands(entries));
  try {
    process.getBuiltinModule('node:fs').appendFileSync(file, text, { mode: 0o600 });
  } catch (error) {
    throw new ConfigError(`cannot append to the GITHUB_ENV file (${(error as NodeJS.ErrnoException).code ?? 'error'}): the later steps will not have the secrets`);
  }
}
