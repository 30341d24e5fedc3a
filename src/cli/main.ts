#!/usr/bin/env node
/**
 * The `clarifai-secrets` bin: picks the command and loads only its module, so that
 * `run`'s startup pays for nothing the other commands need. Exit codes: 0 success, 1 a
 * failure the one-line message explains, 2 a usage error, and the child's for `run`.
 */
import { connectEarly } from '../startup/connect-early.js';
import { failureMessage } from '../startup/output.js';
import { VERSION } from '../version.js';
import { nearest, oneOf } from '../settings/nearest.js';
import { COMMANDS, type Command, type CommandName, GLOBAL_FLAGS_HELP, commandList } from './command.js';

// Two bundles behind the bin (tsup.config.ts): `run`, which starts apps and so is on their
// startup path, and every other command. The table of names and summaries is all this file
// holds of them.
function load(name: CommandName): Promise<Command> {
  return name === 'run' ? import('./run.js').then((m) => m.run) : import('./tools.js').then((m) => m.commands[name]);
}

/**
 * Whether `run` with these flags is sure to ask the API as it starts, at the host the
 * environment names: then its connections are opened while its bundle compiles
 * (startup/connect-early.ts). Not with `--api-base` (another host), `--env-file` (which may
 * name one), `--help`, or a cache TTL (a fresh copy needs no request).
 */
function fetchesAtOnce(argv: readonly string[]): boolean {
  const own = argv.includes('--') ? argv.slice(0, argv.indexOf('--')) : argv;
  if (own.some((arg) => arg.startsWith('--api-base') || arg.startsWith('--env-file') || arg === '--help' || arg === '-h')) return false;
  return !(Number(process.env['CLARIFAI_SECRETS_CACHE_TTL']) > 0);
}

function isCommand(word: string): word is CommandName {
  return COMMANDS.some((command) => command.name === word);
}

const USAGE = `Usage: clarifai-secrets <command> [options]

Puts your Clarifai secrets into a program's environment, and provisions them.

Commands:
${commandList()}

Global options:
${GLOBAL_FLAGS_HELP}
  --help, -h        show help (also: clarifai-secrets <command> --help)
  --version         print the version

The token is read from CLARIFAI_PAT (or a .env file), never from the command line.
`;

const PREFIX = 'clarifai-secrets';

function say(stream: NodeJS.WriteStream, text: string): void {
  stream.write(text.endsWith('\n') ? text : `${text}\n`);
}

function usageError(message: string, command?: string): number {
  const help = command ? `${PREFIX} ${command} --help` : `${PREFIX} --help`;
  say(process.stderr, `${PREFIX}: ${message} (see ${help})`);
  return 2;
}

/** A command word is echoed back only when it looks like one: a stray token could be a secret. */
function shown(word: string): string {
  return /^[a-z][a-z-]{0,11}$/.test(word) ? ` "${word}"` : '';
}

/** Words other tools use for our commands: a suggestion only, never run as an alias. */
const SYNONYMS: Record<string, CommandName> = {
  rm: 'delete',
  remove: 'delete',
  del: 'delete',
  ls: 'list',
  show: 'get',
  cat: 'get',
  read: 'get',
  set: 'create',
  add: 'create',
  new: 'create',
  edit: 'update',
  exec: 'run',
  download: 'pull',
  export: 'pull',
  upload: 'push',
  import: 'push',
  check: 'doctor',
  serve: 'emulator',
};

function unknownCommand(word: string): number {
  const lower = word.toLowerCase();
  const near = Object.hasOwn(SYNONYMS, lower) ? [SYNONYMS[lower] as CommandName] : nearest(lower, COMMANDS.map((command) => command.name));
  return usageError(`unknown command${shown(word)}${near.length > 0 ? `: did you mean ${oneOf(near)}?` : ''}`);
}

async function main(argv: string[]): Promise<number> {
  // Global flags may come before the command; they are handed to it.
  const globals: string[] = [];
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--version') {
      say(process.stdout, VERSION);
      return 0;
    }
    if (arg === '--help' || arg === '-h') {
      say(process.stdout, USAGE);
      return 0;
    }
    if (arg === '--api-base' || arg === '--user-id') {
      const value = argv[i + 1];
      if (value === undefined || value.startsWith('-')) return usageError(`option ${arg} needs a value`);
      globals.push(`${arg}=${value}`);
      i++;
      continue;
    }
    if (arg.startsWith('--api-base=') || arg.startsWith('--user-id=')) {
      globals.push(arg);
      continue;
    }
    if (arg.startsWith('-')) {
      const flag = arg.split('=')[0] as string;
      const near = nearest(flag, ['--api-base', '--user-id', '--help', '--version']);
      return usageError(`unknown option ${flag} before the command${near.length > 0 ? `: did you mean ${oneOf(near)}?` : ''}`);
    }
    break;
  }
  const name = argv[i];
  const rest = argv.slice(i + 1);
  if (name === undefined) {
    say(process.stderr, USAGE);
    return 2;
  }
  if (name === 'help') {
    const topic = rest[0];
    if (topic === undefined) {
      say(process.stdout, USAGE);
      return 0;
    }
    if (!isCommand(topic)) return unknownCommand(topic);
    return runCommand(await load(topic), ['--help']);
  }
  if (!isCommand(name)) return unknownCommand(name);
  if (name === 'run' && fetchesAtOnce([...globals, ...rest])) connectEarly();
  const command = await load(name);
  // Global flags go only to a command that parses them (not the emulator: it is the API).
  if (globals.length > 0 && !Object.hasOwn(command.options, 'api-base')) return usageError(`${name} takes no --api-base or --user-id`, name);

  return runCommand(command, [...globals, ...rest]);
}

async function runCommand(command: Command, argv: string[]): Promise<number> {
  try {
    return await command.main(argv);
  } catch (error) {
    // By name: the command's bundle has its own copy of the class.
    if (error instanceof Error && error.name === 'HelpRequested') {
      say(process.stdout, command.usage);
      return 0;
    }
    if (error instanceof Error && error.name === 'UsageError') return usageError(error.message, command.name);
    // One line, no stack, the code in brackets: the preload's failure line. Messages never
    // hold values or tokens.
    say(process.stderr, `${PREFIX}: ${failureMessage(error)}`);
    return 1;
  }
}

// No top-level await: the bin is CommonJS, which starts without Node's ESM loader.
// Exit once the output is flushed rather than when the event loop empties: a DNS lookup the
// deadline gave up on still holds libuv's thread pool, and would keep the process alive
// until the system resolver's own timeout.
void main(process.argv.slice(2)).then((code) => {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
});
