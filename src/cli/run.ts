/**
 * `clarifai-secrets run [options] -- CMD [ARGS...]`: loads the selection with the same
 * resolver and rules as the preload, into a copy of the environment that only the child
 * gets, then runs CMD (see supervise.ts). A failed load never starts the command. With
 * `--watch`, the load is a watcher's first, and each change restarts CMD.
 */
import { type Config, type LoadOptions, failOpenRequested, resolveConfig } from '../settings/config.js';
import type { LoadReport } from '../load/load-job.js';
import { loadResolved } from '../load/loader.js';
import { reportFailure, say } from '../startup/output.js';
import { succeed, warnMisspelt } from '../startup/begin.js';
import type { SecretsChange, SecretsWatcher } from '../watch/watcher.js';
import { CONNECTION_HELP, CONNECTION_OPTIONS, type Spec, UsageError, type Values, connectionOptions, parseCommand } from './args.js';
import { declareCommand } from './command.js';
import { type SuperviseOptions, supervise } from './supervise.js';
import { removeSecretFiles, valueBehind } from '../files/secret-files.js';
import { MOUNT_FORMATS, type Mount, type MountFormat, mountPipe } from './mount.js';

const usage = `Usage: clarifai-secrets run [options] [--] CMD [ARGS...]

Loads your Clarifai secrets and runs CMD (without a shell) with them in its environment.
The secrets go to CMD's environment only: never to its arguments, and to a file only
when asked (NAME=@ID, --mount), removed when CMD ends.
Exits with CMD's exit code, or dies of the signal that killed it.

Options (before CMD):
  --secrets LIST    which secrets: ID, NAME=ID, ID? (optional), PREFIX*, * (default:
                    CLARIFAI_SECRETS, else all); NAME=@ID puts the value in a file
                    of its own and NAME holds its path
  --override        secrets replace variables that are already set
  --mask            replace every secret value in CMD's output with <concealed> (values
                    shorter than 4 characters stay visible, and are named once)
  --keep-pat        leave CLARIFAI_PAT, CLARIFAI_PAT_FILE and CLARIFAI_SESSION_TOKEN in CMD's environment
  --watch           ask the API again every interval; when a secret changes, appears or
                    disappears, say which (names only) and restart CMD with the new values
  --watch-interval SECONDS
                    seconds between two checks, at least 2 (default 60, with jitter)
  --watch-grace SECONDS
                    on a restart, seconds from SIGTERM to SIGKILL (default 10)
  --mount PATH      also give CMD every loaded secret as one file at PATH, a named pipe
                    (nothing written to disk) that each reader reads whole; PATH must
                    not exist, and is removed when CMD ends
  --mount-format env|json
                    what --mount's file holds: .env lines (default) or one JSON object
${CONNECTION_HELP}

Examples:
  clarifai-secrets run -- node server.js
  clarifai-secrets run --secrets OPENAI_API_KEY,DB_URL -- npm start
  clarifai-secrets run --mask -- sh -c 'echo "key is $OPENAI_API_KEY"'
  clarifai-secrets run --watch --watch-interval 300 -- node server.js
  clarifai-secrets run --secrets GOOGLE_APPLICATION_CREDENTIALS=@gcp-key -- node app.js
  clarifai-secrets run --mount ./secrets.env -- docker compose --env-file ./secrets.env up
`;

const SPEC = {
  ...CONNECTION_OPTIONS,
  secrets: { type: 'string' },
  override: { type: 'boolean' },
  mask: { type: 'boolean' },
  'keep-pat': { type: 'boolean' },
  watch: { type: 'boolean' },
  'watch-interval': { type: 'string' },
  'watch-grace': { type: 'string' },
  mount: { type: 'string' },
  'mount-format': { type: 'string' },
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

/** A number of seconds from a flag, in [min, max]; the value is echoed only when it is short. */
function seconds(value: string, flag: string, min: number, max: number): number {
  const n = /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (Number.isFinite(n) && n >= min && n <= max) return n;
  const shown = value.length <= 12 ? ` (got "${value}")` : '';
  throw new UsageError(`${flag} needs a number of seconds from ${min} to ${max}${shown}`);
}

/** `--watch` and its flags, checked before anything is loaded. */
function watchSettings(values: Values<typeof SPEC>): { intervalMs: number; graceMs: number } | undefined {
  const interval = values['watch-interval'];
  const grace = values['watch-grace'];
  if (!values.watch) {
    if (interval !== undefined || grace !== undefined) throw new UsageError('--watch-interval and --watch-grace need --watch');
    return undefined;
  }
  return {
    intervalMs: seconds(interval ?? '60', '--watch-interval', 2, 86_400) * 1000,
    graceMs: seconds(grace ?? '10', '--watch-grace', 0, 3_600) * 1000,
  };
}

/** `--mount` and its format, checked before anything is loaded. */
function mountSettings(values: Values<typeof SPEC>): { path: string; format: MountFormat } | undefined {
  const format = values['mount-format'];
  if (values.mount === undefined) {
    if (format !== undefined) throw new UsageError('--mount-format needs --mount PATH');
    return undefined;
  }
  if (values.mount === '') throw new UsageError('--mount needs a path: --mount ./secrets.env');
  if (format !== undefined && !(MOUNT_FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`--mount-format takes ${MOUNT_FORMATS.join(' or ')}${format.length <= 12 ? ` (got "${format}")` : ''}`);
  }
  return { path: values.mount, format: (format as MountFormat | undefined) ?? 'env' };
}

/**
 * The text `--mount` answers with: the loaded names as the env holds them at that moment
 * (after a --watch change, the new values). Throws ERR_INVALID_VALUE for a value the
 * format cannot carry, naming it.
 */
async function mountText(format: MountFormat, names: ReadonlySet<string>, env: NodeJS.ProcessEnv): Promise<() => string> {
  const { formatEnv, formatJson } = await import('./formats.js');
  return () => {
    const entries = [...names].sort().flatMap((name): Array<[string, string]> => (env[name] === undefined ? [] : [[name, env[name]]]));
    return format === 'env' ? formatEnv(entries) : formatJson(entries);
  };
}

/** One line naming what changed, names only; `command` is undefined when nothing restarts (run is ending). */
export function describeChange(change: SecretsChange, command: string | undefined): string {
  const parts = [
    ...change.changed.map((name) => `${name} changed`),
    ...change.added.map((name) => `${name} added`),
    ...change.removed.map((name) => `${name} removed`),
  ];
  return `secrets changed: ${parts.join(', ')}; ${command === undefined ? 'not restarting: stopping' : `restarting ${command}`}`;
}

/** What the load left for the child: the env names --mask conceals, and the watcher, if any. */
interface Loaded {
  config: Config | undefined;
  /** The env names whose values --mask conceals: those the load set, then as the watcher changes them. */
  names: Set<string>;
  watcher: SecretsWatcher | undefined;
}

/**
 * Loads into `env` (once, or as a watcher's first load). Undefined when the load failed and
 * the command must not start (the line is already printed).
 */
async function load(
  loadOptions: LoadOptions,
  env: NodeJS.ProcessEnv,
  watching: { intervalMs: number } | undefined,
  onChange: (change: SecretsChange) => void,
): Promise<Loaded | undefined> {
  const loaded: Loaded = { config: undefined, names: new Set(), watcher: undefined };
  try {
    const config = (loaded.config = resolveConfig(loadOptions));
    warnMisspelt(config);
    let report: LoadReport;
    if (watching) {
      // Loaded only with --watch: a plain run starts without the watcher's code.
      const { watchSecrets } = await import('../watch/watcher.js');
      loaded.watcher = await watchSecrets({
        ...loadOptions,
        env,
        intervalMs: watching.intervalMs,
        onChange: (change) => {
          for (const name of [...change.changed, ...change.added]) loaded.names.add(name);
          for (const name of change.removed) loaded.names.delete(name);
          onChange(change);
        },
      });
      report = loaded.watcher.report;
    } else {
      report = await loadResolved(config, { env, deferCopy: true });
    }
    succeed(config, report);
    for (const name of report.set) loaded.names.add(name);
  } catch (error) {
    // The preload's line and fail-open rule (with fail-open, nothing is watched).
    if (!reportFailure(error, loaded.config ? loaded.config.failOpen : failOpenRequested(loadOptions))) return undefined;
  }
  return loaded;
}

/**
 * `--mask`: the child's output passes through maskers of the token (with --keep-pat) and of
 * every value loaded, as the env holds it when the child starts (a restart gets new maskers),
 * each in the escaped and line-by-line forms a program prints it in (formsToConceal).
 */
async function maskersFor(names: ReadonlySet<string>, env: NodeJS.ProcessEnv, tokens: readonly string[]): Promise<SuperviseOptions['maskers']> {
  const { Masker, MIN_MASKED_LENGTH, formsToConceal } = await import('./mask.js');
  const named = new Set<string>();
  return () => {
    const concealed = tokens.flatMap(formsToConceal);
    const short: string[] = [];
    for (const name of names) {
      // A secret loaded as a file: what the child may print is the file's text, not its path.
      const value = env[name] === undefined ? undefined : valueBehind(env[name]);
      if (value === undefined) continue;
      // Masking `ok` or `1` would garble every line that happens to hold those letters.
      if ([...value].length >= MIN_MASKED_LENGTH) {
        for (const form of formsToConceal(value)) concealed.push(form);
      } else if (!named.has(name)) short.push(name);
    }
    for (const name of short) named.add(name);
    if (short.length > 0) {
      say(`--mask leaves values shorter than ${MIN_MASKED_LENGTH} characters visible (masking them would garble ordinary output): ${short.join(', ')}`);
    }
    return { stdout: new Masker(concealed), stderr: new Masker(concealed) };
  };
}

/**
 * The tokens --mask conceals: those left in the child's env with --keep-pat. Without it, the
 * token and where it came from are removed from the child's env, and there is none to conceal.
 */
function tokensFor(keep: boolean, config: Config | undefined, env: NodeJS.ProcessEnv): string[] {
  if (!keep) {
    delete env['CLARIFAI_PAT'];
    delete env['CLARIFAI_PAT_FILE'];
    delete env['CLARIFAI_SESSION_TOKEN'];
    return [];
  }
  return [config?.pat, config?.sessionToken].filter((token): token is string => token !== undefined && token !== '');
}

/** `--mount`: the pipe, answering with the loaded names as the env holds them at each read. */
async function startMount(mounting: { path: string; format: MountFormat }, names: ReadonlySet<string>, env: NodeJS.ProcessEnv): Promise<Mount> {
  const text = await mountText(mounting.format, names, env);
  // Once now, so a value the format cannot carry is one line before CMD starts.
  text();
  const answer = (): string => {
    try {
      return text();
    } catch (error) {
      say(`--mount ${mounting.path}: ${(error as Error).message}`);
      return '';
    }
  };
  return mountPipe(mounting.path, answer, say);
}

async function main(argv: string[]): Promise<number> {
  const { options, command } = splitCommand(argv, SPEC);
  const { values } = parseCommand(options, SPEC);
  const [file, ...args] = command;
  if (file === undefined || file === '') throw new UsageError('run needs a command: clarifai-secrets run [options] -- CMD [ARGS...]');
  const watching = watchSettings(values);
  const mounting = mountSettings(values);

  const loadOptions: LoadOptions = connectionOptions(values);
  if (values.secrets !== undefined) loadOptions.secrets = values.secrets;
  if (values.override) loadOptions.override = true;

  const env: NodeJS.ProcessEnv = { ...process.env };
  let restart: (() => boolean) | undefined;
  const loaded = await load(loadOptions, env, watching, (change) => {
    say(describeChange(change, restart?.() === false ? undefined : file));
  });
  if (!loaded) return 1;
  const { config, names, watcher } = loaded;

  // A nested preload (NODE_OPTIONS, a child's own --import) resolves its settings from the
  // environment: give it the ones set by flags, so its marker matches and it does not refetch.
  for (const [flag, name] of FLAG_ENV) {
    const value = values[flag];
    if (value !== undefined) env[name] = value;
  }
  if (values['env-file'] !== undefined) env['CLARIFAI_SECRETS_ENV_FILE'] = process.getBuiltinModule('node:path').resolve(values['env-file']);

  const tokens = tokensFor(values['keep-pat'] === true, config, env);
  const maskers = values.mask ? await maskersFor(names, env, tokens) : undefined;
  const restarts = watcher && { graceMs: watching?.graceMs ?? 0, subscribe: (r: () => boolean) => (restart = r) };
  let mount: Mount | undefined;
  // The child has ended: so has everything made for it.
  const onEnded = async (): Promise<void> => {
    watcher?.close();
    await mount?.close();
    removeSecretFiles();
  };
  try {
    if (mounting) mount = await startMount(mounting, names, env);
    return await supervise({ command: file, args, env, maskers, say, restarts, onEnded });
  } finally {
    await onEnded();
  }
}

export const run = declareCommand('run', { usage, options: SPEC, main });
