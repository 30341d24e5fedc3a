/**
 * `clarifai-secrets get ID [--json]`: the value alone and one newline, so that
 * `$(clarifai-secrets get ID)` is the value; `--json` prints the whole record.
 */
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
  const secret = await commandClient(values).client.get(id);
  process.stdout.write(values.json ? `${JSON.stringify(secret, null, 2)}\n` : `${secret.value}\n`);
  return 0;
}

export const get = declareCommand('get', { usage, options: SPEC, main });
