/**
 * The one shape every command has, and the table of commands the top-level usage is made
 * from. The table needs no other code, so the dispatcher prints `--help` and suggests a command
 * without loading either bundle; each bundle's declarations take their name and summary from
 * it, so a command is listed the way it is declared.
 */
import type { Spec } from './args.js';

/** How the top-level usage lists a command. */
export interface Listing {
  readonly name: string;
  /** What follows the name in the list: the arguments and flags worth seeing first. */
  readonly synopsis: string;
  /** One line or a few, in the order shown. */
  readonly summary: readonly string[];
}

/** Every command, in the order the top-level usage lists them. */
export const COMMANDS = [
  { name: 'run', synopsis: '[options] -- CMD [ARGS...]', summary: ['run CMD with the secrets in its environment'] },
  { name: 'get', synopsis: 'ID [--json]', summary: ["print one secret's value"] },
  { name: 'list', synopsis: '[--json]', summary: ['list secrets (ids, versions, descriptions; never values)'] },
  { name: 'create', synopsis: 'ID', summary: ['create a secret; the value comes from stdin or --value-file'] },
  { name: 'update', synopsis: 'ID', summary: ["change a secret's value or description"] },
  { name: 'delete', synopsis: 'ID... [--yes]', summary: ['delete secrets'] },
  { name: 'push', synopsis: '[FILE] [--dry-run]', summary: ['create or update secrets from a .env file (default .env)'] },
  {
    name: 'pull',
    synopsis: '[--format env|json|shell|github]',
    summary: ['print secrets as a .env file, JSON or shell exports;', "github: add them to a GitHub Actions job's $GITHUB_ENV"],
  },
  { name: 'types', synopsis: '[--output FILE]', summary: ['a TypeScript .d.ts of the env names (never values)'] },
  { name: 'doctor', synopsis: '', summary: ['check the configuration, the token and the API'] },
  { name: 'emulator', synopsis: '[--port N]', summary: ['run a local Clarifai-compatible API for development and CI'] },
] as const satisfies readonly Listing[];

export type CommandName = (typeof COMMANDS)[number]['name'];

/** A command: its listing, its own help, the options it parses, and what it does (an exit code). */
export interface Command extends Listing {
  /** What `clarifai-secrets NAME --help` prints. */
  readonly usage: string;
  /** What `main` parses: the dispatcher hands global flags only to a command that takes them. */
  readonly options: Spec;
  /** Throws `UsageError` (exit 2) or `HelpRequested` (the usage, exit 0); both are matched by name. */
  main(argv: string[]): Promise<number>;
}

export function declareCommand(name: CommandName, parts: Pick<Command, 'usage' | 'options' | 'main'>): Command {
  const listing = COMMANDS.find((command) => command.name === name) as Listing;
  return { ...listing, ...parts };
}

/** The help of the two global flags, in the top-level usage and in every command that talks to the API. */
export const GLOBAL_FLAGS_HELP = `  --api-base URL    API base URL (default: CLARIFAI_API_BASE, else https://api.clarifai.com)
  --user-id ID      user whose secrets are used (default: CLARIFAI_USER_ID, else "me")`;

/** The summaries start in this column; a longer name and synopsis put them on the next line. */
const SUMMARY_COLUMN = 35;

/** The `Commands:` lines of the top-level usage. */
export function commandList(): string {
  const indent = ' '.repeat(SUMMARY_COLUMN);
  return COMMANDS.map(({ name, synopsis, summary }) => {
    const left = `  ${synopsis === '' ? name : `${name} ${synopsis}`}`;
    // Three spaces at least between the columns, or a synopsis would run into its summary.
    const first = left.length + 3 <= SUMMARY_COLUMN ? left.padEnd(SUMMARY_COLUMN) : `${left}\n${indent}`;
    return first + summary.join(`\n${indent}`);
  }).join('\n');
}
