/**
 * `clarifai-secrets delete ID... [--yes]`: asks on a terminal; without one, `--yes` is the
 * only way to say yes, so a script never deletes by accident.
 */
import { isatty } from 'node:tty';
import { MAX_PER_PAGE, SecretsClient } from '../api/client.js';
import { requireToken, resolveConfig } from '../settings/config.js';
import { ConfigError, NotFoundError, isSecretsError } from '../errors.js';
import { CONNECTION_HELP, CONNECTION_OPTIONS, type Spec, UsageError, connectionOptions, parseCommand } from './args.js';
import { confirm } from './input.js';

export const usage = `Usage: clarifai-secrets delete ID... [--yes]

Deletes secrets. Asks for confirmation on a terminal; elsewhere (scripts, CI) it refuses
unless --yes is given.

Options:
  --yes, -y         delete without asking
${CONNECTION_HELP}
`;

const SPEC = { ...CONNECTION_OPTIONS, yes: { type: 'boolean', short: 'y' } } as const satisfies Spec;

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, SPEC);
  if (positionals.length === 0) throw new UsageError('delete needs at least one secret id');
  if (positionals.includes('')) throw new UsageError('delete needs non-empty secret ids');
  const ids = [...new Set(positionals)];
  const config = resolveConfig(connectionOptions(values));
  requireToken(config);
  const client = new SecretsClient({}, { config });
  const what = ids.length === 1 ? `secret "${ids[0]}"` : `${ids.length} secrets (${ids.join(', ')})`;

  if (!values.yes) {
    if (!isatty(0)) {
      throw new ConfigError(`refusing to delete ${what} without --yes: there is no terminal to confirm on`);
    }
    if (!(await confirm(`Delete ${what} of user "${client.userId}"? This cannot be undone. [y/N] `))) {
      process.stderr.write('clarifai-secrets: nothing deleted\n');
      return 1;
    }
  }
  try {
    for (let i = 0; i < ids.length; i += MAX_PER_PAGE) await client.delete(ids.slice(i, i + MAX_PER_PAGE));
  } catch (error) {
    if (ids.length > 1 && isSecretsError(error, 'ERR_NOT_FOUND')) {
      throw new NotFoundError(
        `some of these secrets do not exist for user "${client.userId}", so none of that batch was deleted: check the ids with clarifai-secrets list`,
        error,
      );
    }
    throw error;
  }
  process.stderr.write(`clarifai-secrets: deleted ${what}\n`);
  return 0;
}
