/**
 * `clarifai-secrets pull`: prints the selection, under the env names `run` would give them,
 * as a .env file, shell exports or JSON. It loads exactly as `run` does (same resolver,
 * selection and skipping of unsafe names) into an empty object, so nothing is skipped for
 * being set already, and asks the API even when a cached copy is inside its TTL.
 */
import { type LoadOptions, resolveConfig } from '../settings/config.js';
import { isSecretsError } from '../errors.js';
import { loadResolved } from '../load/loader.js';
import { CONNECTION_HELP, CONNECTION_OPTIONS, type Spec, UsageError, connectionOptions, parseCommand } from './args.js';
import { declareCommand } from './command.js';
import { FORMATS, type Format, format } from './formats.js';
import { githubEnvFile, writeGithub } from './github.js';
import { writePrivateFile } from './private-file.js';

const usage = `Usage: clarifai-secrets pull [--secrets LIST] [--format env|json|shell|github] [--output F]

Prints secrets with their values, under the env names \`run\` would give them:
  env     a .env file that dotenv and node --env-file read back exactly (the default)
  shell   export NAME='...' lines for POSIX sh:  . ./secrets.sh
  json    one object of name to value
  github  inside GitHub Actions: appends each secret to $GITHUB_ENV for the later steps,
          and prints ::add-mask:: for every line of every value so logs never show them

Options:
  --secrets LIST    which secrets: ID, NAME=ID, ID?, PREFIX*, * (default: CLARIFAI_SECRETS, else all)
  --format F        env, json, shell or github (default env)
  --json            the same as --format json
  --output F, -o F  write to file F instead of stdout: created readable by you alone (0600)
                    from its first byte, and replaced whole when it exists
${CONNECTION_HELP}

The output holds secret values: write it only where they may be kept.
  clarifai-secrets pull --output .env.local
`;

const SPEC = {
  ...CONNECTION_OPTIONS,
  secrets: { type: 'string' },
  format: { type: 'string' },
  json: { type: 'boolean' },
  output: { type: 'string', short: 'o' },
} as const satisfies Spec;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, SPEC);
  if (positionals.length > 0) throw new UsageError('pull takes no arguments; choose secrets with --secrets LIST');
  if (values.json && values.format !== undefined && values.format !== 'json') {
    throw new UsageError('--json means --format json: give --json or --format, not both');
  }
  const kind = (values.format ?? (values.json ? 'json' : 'env')) as Format | 'github';
  if (kind !== 'github' && !FORMATS.includes(kind)) throw new UsageError(`--format must be one of ${[...FORMATS, 'github'].join(', ')}`);
  if (kind === 'github' && values.output !== undefined) throw new UsageError('--format github writes to $GITHUB_ENV: it takes no --output');
  if (values.output === '') throw new UsageError('--output needs a file name');
  // Outside GitHub Actions: one clear error before anything is fetched.
  const githubEnv = kind === 'github' ? githubEnvFile() : undefined;

  // Always the stored values: a cached copy inside its TTL could be older than an update.
  const options: LoadOptions = { ...connectionOptions(values), override: true, cacheTtl: 0 };
  if (values.secrets !== undefined) options.secrets = values.secrets;
  const config = resolveConfig(options);
  const target: Record<string, string | undefined> = {};
  const report = await loadResolved(config, { env: target });
  const entries = report.set.map((name) => [name, target[name] as string] as const);

  let text = '';
  try {
    if (githubEnv !== undefined) writeGithub(githubEnv, entries);
    else text = format(kind as Format, entries);
  } catch (error) {
    if (!isSecretsError(error, 'ERR_INVALID_VALUE')) throw error;
    process.stderr.write(`clarifai-secrets: cannot write --format ${kind}: ${error.message}\n`);
    return 1;
  }
  if (values.output !== undefined) writePrivateFile(values.output, text);
  else process.stdout.write(text);
  if (values.output !== undefined) {
    process.stderr.write(`clarifai-secrets: wrote ${entries.length} ${entries.length === 1 ? 'secret' : 'secrets'} to ${values.output} (mode 0600)\n`);
  }
  if (githubEnv !== undefined && entries.length > 0) {
    process.stderr.write(`clarifai-secrets: added to GITHUB_ENV for the next steps: ${entries.map(([name]) => name).join(', ')}\n`);
  }
  if (report.skipped.length > 0) {
    process.stderr.write(
      `clarifai-secrets: not printed (names that change how programs run; map one with NAME=ID to use it): ${report.skipped.join(', ')}\n`,
    );
  }
  if (report.missing.length > 0) process.stderr.write(`clarifai-secrets: missing optional: ${report.missing.join(', ')}\n`);
  if (entries.length === 0) process.stderr.write('clarifai-secrets: no secrets matched\n');
  return 0;
}

export const pull = declareCommand('pull', { usage, options: SPEC, main });
