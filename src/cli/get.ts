/**
 * `clarifai-secrets get ID [--json]`: the value alone and one newline, so that
 * `$(clarifai-secrets get ID)` is the value; `--json` prints the whole record.
 */
import type { SecretsClient } from '../api/client.js';
import type { Secret } from '../api/wire.js';
import { NotFoundError, type SecretsError, isSecretsError } from '../errors.js';
import { nearest, oneOf } from '../settings/nearest.js';
import { commandClient } from './client.js';
import { CONNECTION_HELP, CONNECTION_OPTIONS, type Spec, oneId, parseCommand } from './args.js';
import { declareCommand } from './command.js';

const usage = `Usage: clarifai-secrets get ID [--json]

Prints the value of secret ID followed by one newline:  export KEY="$(clarifai-secrets get KEY)"

Options:
  --json            print the whole record (id, value, version, description, dates) as JSON
${CONNECTION_HELP}
`;

const SPEC = { ...CONNECTION_OPTIONS, json: { type: 'boolean' } } as const satisfies Spec;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, SPEC);
  const id = oneId(positionals, 'get');
  const { client } = commandClient(values);
  let secret: Secret;
  try {
    secret = await client.get(id);
  } catch (error) {
    throw isSecretsError(error, 'ERR_NOT_FOUND') ? await withNearest(client, id, error) : error;
  }
  process.stdout.write(values.json ? `${JSON.stringify(secret, null, 2)}\n` : `${secret.value}\n`);
  return 0;
}

/**
 * A missing id with the nearest existing ones, as loads and `delete` give it (`openai_api_key`
 * for `openai-api-key`): ids only, from one list walk on this failure path. The hint's own
 * failure leaves the error as it was.
 */
async function withNearest(client: SecretsClient, id: string, error: SecretsError): Promise<SecretsError> {
  const existing = new Set<string>();
  try {
    for await (const secret of client.listAll()) existing.add(secret.id);
  } catch {
    return error;
  }
  const near = nearest(id, existing, { loose: true });
  return near.length === 0 ? error : new NotFoundError(`${error.message} (did you mean ${oneOf(near)}?)`, error);
}

export const get = declareCommand('get', { usage, options: SPEC, main });
