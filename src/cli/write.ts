/**
 * `clarifai-secrets create ID` and `clarifai-secrets update ID`: the value comes from stdin
 * (to its end, one trailing newline stripped) or `--value-file F` (as is).
 */
import type { SecretsClient } from '../api/client.js';
import { requireToken } from '../settings/config.js';
import { ConflictError, NotFoundError, isSecretsError } from '../errors.js';
import type { Secret, SecretInput, SecretPatch } from '../api/wire.js';
import { isatty } from 'node:tty';
import { CONNECTION_HELP, CONNECTION_OPTIONS, type Spec, UsageError, oneId, parseCommand } from './args.js';
import { commandClient } from './client.js';
import { type Command, declareCommand } from './command.js';
import { Cancelled, readValue } from './input.js';
import { envNameFor, envUnfit, requireNameable } from '../settings/selection.js';

const SPEC = {
  ...CONNECTION_OPTIONS,
  description: { type: 'string' },
  'value-file': { type: 'string' },
} as const satisfies Spec;
const UPDATE_SPEC = { ...SPEC, 'keep-value': { type: 'boolean' } } as const satisfies Spec;

function usageOf(verb: 'create' | 'update'): string {
  if (verb === 'create') {
    return `Usage: clarifai-secrets create ID [--description D] [--value-file F]

Creates secret ID (an error if it exists: use update).
The value is read from stdin to its end, with one trailing newline removed, or from
--value-file F as is. On a terminal it is asked for, without echo. Never from the command line.

  printf %s "$VALUE" | clarifai-secrets create OPENAI_API_KEY
  clarifai-secrets create TLS_KEY --value-file key.pem

Options:
  --description D   a description to store with it
  --value-file F    read the value from file F instead of stdin
${CONNECTION_HELP}
`;
  }
  return `Usage: clarifai-secrets update ID [--description D] [--value-file F | --keep-value]

Changes the value, the description, or both, of secret ID (an error if it does not exist:
use create). The value is read from stdin to its end, with one trailing newline removed, or
from --value-file F as is; never from the command line. On a terminal, with --description
and no --value-file, only the description changes (no value is asked for); without
--description, the value is asked for without echo.

  printf %s "$VALUE" | clarifai-secrets update OPENAI_API_KEY
  clarifai-secrets update TLS_KEY --value-file key.pem
  clarifai-secrets update OPENAI_API_KEY --description "rotated monthly" --keep-value

Options:
  --description D   a new description (it cannot be emptied: Clarifai's API does not tell an
                    empty description from none)
  --value-file F    read the value from file F instead of stdin
  --keep-value      change only the description; read no value (for scripts, where stdin
                    is not a terminal)
${CONNECTION_HELP}
`;
}

/** update's flags that cannot go together, refused before anything is read or sent. */
function checkUpdateFlags(description: string | undefined, keepValue: boolean, valueFile: string | undefined): void {
  if (description === '') {
    throw new UsageError("--description cannot be empty: Clarifai's API does not tell an empty description from none, so it would change nothing");
  }
  if (keepValue && description === undefined) throw new UsageError('--keep-value needs --description D: there is nothing else to change');
  if (keepValue && valueFile !== undefined) throw new UsageError('--keep-value and --value-file contradict each other: give one of them');
}

/** Stored, but no environment variable can hold it: said now rather than at the first load. */
function noteUnfit(id: string, value: string): void {
  const why = envUnfit(envNameFor(id), value);
  if (typeof why !== 'number') return;
  process.stderr.write(
    `clarifai-secrets: note: secret "${id}" is ${Math.ceil(why / 1024)} KiB with its name, more than the 128 KiB an environment variable can hold: ` +
      `a load that names it fails and * skips it; read it from a file instead (clarifai-secrets get ${id} > FILE)\n`,
  );
}

/** One create, or one update of what was given (`value` undefined: the value stays). */
async function save(
  client: SecretsClient,
  verb: 'create' | 'update',
  id: string,
  value: string | undefined,
  description: string | undefined,
): Promise<Secret | undefined> {
  if (verb === 'create') {
    const input: SecretInput = { id, value: value as string };
    if (description !== undefined) input.description = description;
    return (await client.create([input]))[0];
  }
  const patch: SecretPatch = { id };
  if (value !== undefined) patch.value = value;
  if (description !== undefined) patch.description = description;
  return (await client.update([patch]))[0];
}

function command(verb: 'create' | 'update'): Command {
  const options = verb === 'create' ? SPEC : UPDATE_SPEC;
  return declareCommand(verb, {
    usage: usageOf(verb),
    options,
    async main(argv) {
      const { values, positionals } = parseCommand(argv, options);
      const id = oneId(positionals, verb, true);
      const keepValue = 'keep-value' in values && values['keep-value'] === true;
      const description = values.description;
      if (verb === 'update') checkUpdateFlags(description, keepValue, values['value-file']);
      // Only the description: said by --keep-value, or by --description alone on a terminal,
      // where asking for a value the user did not mention would surprise.
      const descriptionOnly =
        verb === 'update' && description !== undefined && (keepValue || (values['value-file'] === undefined && isatty(0)));
      // The id, settings and token first: no one should type a value only to learn one is wrong.
      if (verb === 'create') requireNameable(id);
      const { config, client } = commandClient(values);
      requireToken(config);
      let value: string | undefined;
      if (!descriptionOnly) {
        try {
          value = await readValue(id, values['value-file']);
        } catch (error) {
          if (!(error instanceof Cancelled)) throw error;
          process.stderr.write(`clarifai-secrets: ${verb} cancelled, nothing changed\n`);
          return 130;
        }
      }
      try {
        const saved = await save(client, verb, id, value, description);
        const version = saved ? ` (version ${saved.version})` : '';
        const what = descriptionOnly ? 'updated the description of' : verb === 'create' ? 'created' : 'updated';
        process.stderr.write(`clarifai-secrets: ${what} secret "${id}"${version}${descriptionOnly ? '; value unchanged' : ''}\n`);
        if (value !== undefined) noteUnfit(id, value);
        return 0;
      } catch (error) {
        if (verb === 'create' && isSecretsError(error, 'ERR_CONFLICT')) {
          throw new ConflictError(`secret "${id}" already exists: change its value with clarifai-secrets update ${id}`, error);
        }
        if (verb === 'update' && isSecretsError(error, 'ERR_NOT_FOUND')) {
          throw new NotFoundError(`secret "${id}" does not exist for user "${client.userId}": create it with clarifai-secrets create ${id}`, error);
        }
        throw error;
      }
    },
  });
}

export const create = command('create');
export const update = command('update');
