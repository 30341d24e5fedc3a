/**
 * `clarifai-secrets create ID` and `clarifai-secrets update ID`: the value comes from stdin
 * (to its end, one trailing newline stripped) or `--value-file F` (as is).
 */
import { SecretsClient } from '../api/client.js';
import { requireToken, resolveConfig } from '../settings/config.js';
import { ConflictError, NotFoundError, isSecretsError } from '../errors.js';
import type { SecretInput } from '../api/wire.js';
import { CONNECTION_HELP, CONNECTION_OPTIONS, type Spec, connectionOptions, oneId, parseCommand } from './args.js';
import { Cancelled, readValue } from './input.js';

const SPEC = {
  ...CONNECTION_OPTIONS,
  description: { type: 'string' },
  'value-file': { type: 'string' },
} as const satisfies Spec;

function usageOf(verb: 'create' | 'update'): string {
  const what = verb === 'create' ? 'Creates secret ID (an error if it exists: use update)' : 'Changes the value of secret ID (an error if it does not exist: use create)';
  return `Usage: clarifai-secrets ${verb} ID [--description D] [--value-file F]

${what}.
The value is read from stdin to its end, with one trailing newline removed, or from
--value-file F as is. On a terminal it is asked for, without echo. Never from the command line.

  printf %s "$VALUE" | clarifai-secrets ${verb} OPENAI_API_KEY
  clarifai-secrets ${verb} TLS_KEY --value-file key.pem

Options:
  --description D   a description to store with it
  --value-file F    read the value from file F instead of stdin
${CONNECTION_HELP}
`;
}

function command(verb: 'create' | 'update'): { usage: string; main(argv: string[]): Promise<number> } {
  const usage = usageOf(verb);
  return {
    usage,
    async main(argv) {
      const { values, positionals } = parseCommand(argv, SPEC);
      const id = oneId(positionals, verb, true);
      // Settings and token first: no one should type a value only to learn the token is missing.
      const config = resolveConfig(connectionOptions(values));
      requireToken(config);
      const client = new SecretsClient({}, { config });
      let value: string;
      try {
        value = await readValue(id, values['value-file']);
      } catch (error) {
        if (!(error instanceof Cancelled)) throw error;
        process.stderr.write(`clarifai-secrets: ${verb} cancelled, nothing changed\n`);
        return 130;
      }
      const input: SecretInput = { id, value };
      if (values.description !== undefined) input.description = values.description;
      try {
        const [saved] = verb === 'create' ? await client.create([input]) : await client.update([input]);
        const version = saved ? ` (version ${saved.version})` : '';
        process.stderr.write(`clarifai-secrets: ${verb === 'create' ? 'created' : 'updated'} secret "${id}"${version}\n`);
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
  };
}

export const create = command('create');
export const update = command('update');
