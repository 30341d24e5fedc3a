/**
 * `clarifai-secrets run [options] -- CMD [ARGS...]`: loads the selection with the same
 * resolver and rules as the preload, into a copy of the environment that only the child
 * gets, then runs CMD (see supervise.ts). A failed load never starts the command.
 */
import { type Config, type LoadOptions, failOpenRequested, resolveConfig } from '../settings/config.js';
import { loadResolved } from '../load/loader.js';
import { describeReport, reportFailure, say } from '../startup/output.js';
import { CONNECTION_HELP, CONNECTION_OPTIONS, type Spec, UsageError, connectionOptions, parseCommand } from './args.js';
import { supervise } from './supervise.js';

export const usage = `Usage: clarifai-secrets run [options] [--] CMD [ARGS...]

Loads your Clarifai secrets and runs CMD (without a shell) with them in its environment.
The secrets go to CMD's environment only: never to its arguments, never to a file.
Exits with CMD's exit code, or dies of the signal that killed it.

Options (before CMD):
  --secrets LIST    which secrets: ID, NAME=ID, ID? (optional), PREFIX*, * (default:
                    CLARIFAI_SECRETS, else all)
  --override        secrets replace variables that are already set
  --mask            replace every secret value in CMD's output with <concealed>
  --keep-pat        leave CLARIFAI_PAT and CLARIFAI_SESSION_TOKEN in CMD's environment
${CONNECTION_HELP}

Examples:
  clarifai-secrets run -- node server.js
  clarifai-secrets run --secrets OPENAI_API_KEY,DB_URL -- npm start
  clarifai-secrets run --mask -- sh -c 'echo "key is $OPENAI_API_KEY"'
`;

const SPEC = {
  ...CONNECTION_OPTIONS,
  secrets: { type: 'string' },
  override: { type: 'boolean' },
  mask: { type: 'boolean' },
  'keep-pat': { type: 'boolean' },
} as const satisfies Spec;

/** The settings a nested preload compares its marker against, by the flag that set them. */
const FLAG_ENV = [
  ['api-base', 'CLARIFAI_API_BASE'],
  ['user-id', 'CLARIFAI_USER_ID'],
  ['secrets', 'CLARIFAI_SECRETS'],
] as const;

/**
 * Splits run's options from the command: the command starts after `--`, or at the first
 * word that is not an option, so `run node --inspect app.js` hands `--inspect` to node.
 */
export function splitCommand(argv: readonly string[], spec: Spec): { options: string[]; command: string[] } {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') return { options: argv.slice(0, i), command: argv.slice(i + 1) };
    if (!arg.startsWith('-') || arg === '-') return { options: argv.slice(0, i), command: argv.slice(i) };
    if (arg.startsWith('--') && !arg.includes('=') && spec[arg.slice(2)]?.type === 'string') i++;
  }
  return { options: [...argv], command: [] };
}

export async function main(argv: string[]): Promise<number> {
  const { options, command } = splitCommand(argv, SPEC);
  const { values } = parseCommand(options, SPEC);
  const [file, ...args] = command;
  if (file === undefined || file === '') throw new UsageError('run needs a command: clarifai-secrets run [options] -- CMD [ARGS...]');

  const loadOptions: LoadOptions = connectionOptions(values);
  if (values.secrets !== undefined) loadOptions.secrets = values.secrets;
  if (values.override) loadOptions.override = true;

  const env: NodeJS.ProcessEnv = { ...process.env };
  const concealed: string[] = [];
  let config: Config | undefined;
  try {
    config = resolveConfig(loadOptions);
    const report = await loadResolved(config, { env });
    if (config.debug) say(describeReport(report));
    for (const name of report.set) concealed.push(env[name] as string);
  } catch (error) {
    // The preload's line and fail-open rule.
    if (!reportFailure(error, config ? config.failOpen : failOpenRequested(loadOptions))) return 1;
  }

  // A nested preload (NODE_OPTIONS, a child's own --import) resolves its settings from the
  // environment: give it the ones set by flags, so its marker matches and it does not refetch.
  for (const [flag, name] of FLAG_ENV) {
    const value = values[flag];
    if (value !== undefined) env[name] = value;
  }
  if (values['env-file'] !== undefined) env['CLARIFAI_SECRETS_ENV_FILE'] = process.getBuiltinModule('node:path').resolve(values['env-file']);

  if (values['keep-pat']) {
    if (config?.pat) concealed.push(config.pat);
    if (config?.sessionToken) concealed.push(config.sessionToken);
  } else {
    delete env['CLARIFAI_PAT'];
    delete env['CLARIFAI_SESSION_TOKEN'];
  }

  let maskers;
  if (values.mask) {
    const { Masker } = await import('./mask.js');
    maskers = { stdout: new Masker(concealed), stderr: new Masker(concealed) };
  }
  return supervise({ command: file, args, env, maskers, say });
}
