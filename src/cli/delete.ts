/**
 * `clarifai-secrets delete ID... [--yes]`: asks on a terminal; without one, `--yes` is the
 * only way to say yes, so a script never deletes by accident.
 */
import { isatty } from 'node:tty';
import { MAX_PER_PAGE } from '../api/client.js';
import { requireToken } from '../settings/config.js';
import { ConfigError, NotFoundError } from '../errors.js';
import { nearest, oneOf } from '../settings/nearest.js';
import { quoted } from '../settings/printable.js';
import { idProblem } from '../ids.js';
import { CONNECTION_HELP, CONNECTION_OPTIONS, type Spec, UsageError, parseCommand } from './args.js';
import { commandClient } from './client.js';
import { declareCommand } from './command.js';
import { Cancelled, confirm } from './input.js';

const usage = `Usage: clarifai-secrets delete ID... [--yes]

Deletes secrets. Checks first that every ID exists: when one does not, it is named and
nothing is deleted. Asks for confirmation on a terminal; elsewhere (scripts, CI) it refuses
unless --yes is given.

Options:
  --yes, -y         delete without asking
${CONNECTION_HELP}
`;

const SPEC = { ...CONNECTION_OPTIONS, yes: { type: 'boolean', short: 'y' } } as const satisfies Spec;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, SPEC);
  if (positionals.length === 0) throw new UsageError('delete needs at least one secret id');
  if (positionals.includes('')) throw new UsageError('delete needs non-empty secret ids');
  const ids = [...new Set(positionals)];
  for (const id of ids) {
    const problem = idProblem(id);
    if (problem) throw new ConfigError(`delete: secret ${quoted(id)} is not an id the API could mean (${problem})`);
  }
  const { config, client } = commandClient(values);
  requireToken(config);
  const what = ids.length === 1 ? `secret ${quoted(ids[0] as string)}` : `${ids.length} secrets (${ids.map((id) => quoted(id)).join(', ')})`;
  // Before any request: a script without --yes learns that at once. A missing flag, like
  // any other, is a usage error (exit 2), not a failure of the delete.
  if (!values.yes && !isatty(0)) {
    throw new UsageError(`refusing to delete ${what} without --yes: there is no terminal to confirm on`);
  }

  // Every id must exist before anything is deleted: one typo must not leave half a batch gone.
  const existing = new Set<string>();
  for await (const secret of client.listAll()) existing.add(secret.id);
  const missing = ids.filter((id) => !existing.has(id));
  if (missing.length > 0) {
    const near = missing.length === 1 ? nearest(missing[0] as string, existing, { loose: true }) : [];
    throw new NotFoundError(
      `${missing.length === 1 ? 'secret' : 'secrets'} ${missing.map((id) => quoted(id)).join(', ')} ` +
        `${missing.length === 1 ? 'does' : 'do'} not exist for user "${client.userId}"` +
        `${near.length > 0 ? ` (did you mean ${oneOf(near)}?)` : ''}, so nothing was deleted: check the ids with clarifai-secrets list`,
    );
  }

  if (!values.yes) {
    let yes: boolean;
    try {
      yes = await confirm(`Delete ${what} of user "${client.userId}"? This cannot be undone. [y/N] `);
    } catch (error) {
      if (!(error instanceof Cancelled)) throw error;
      process.stderr.write('clarifai-secrets: delete cancelled, nothing deleted\n');
      return 130;
    }
    if (!yes) {
      // Not an error line (no code): the user said no, or took the default. Exit 1 still, so
      // a script that typed into it does not take the delete for done.
      process.stderr.write('clarifai-secrets: delete not confirmed (only y or yes deletes): nothing deleted\n');
      return 1;
    }
  }
  for (let i = 0; i < ids.length; i += MAX_PER_PAGE) await client.delete(ids.slice(i, i + MAX_PER_PAGE));
  process.stderr.write(`clarifai-secrets: deleted ${what}\n`);
  return 0;
}

export const remove = declareCommand('delete', { usage, options: SPEC, main });
