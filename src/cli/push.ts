/**
 * `clarifai-secrets push [FILE] [--dry-run]`: makes the stored secrets match a .env file.
 * One list walk finds what exists; then one create batch and one update batch (each cut at
 * the API's 1000 a request). The plan names keys only: `+ NEW`, `~ CHANGED`, `= SAME`.
 */
import { readFileSync } from 'node:fs';
import { MAX_PER_PAGE } from '../api/client.js';
import { requireToken } from '../settings/config.js';
import { ConfigError, InvalidValueError } from '../errors.js';
import { lazyRequire } from '../lazy-require.js';
import type { SecretInput } from '../api/wire.js';
import { CONNECTION_HELP, CONNECTION_OPTIONS, type Spec, UsageError, parseCommand } from './args.js';
import { commandClient } from './client.js';
import { declareCommand } from './command.js';

const usage = `Usage: clarifai-secrets push [FILE] [--dry-run]

Reads FILE (default .env) with dotenv's parser, creates the secrets that do not exist and
updates those whose value differs. Prints one line per key, never a value:
  + ID   will be created        ~ ID   will be updated        = ID   unchanged
Keys starting with CLARIFAI_ are this tool's settings and are not pushed; nor are empty values.

Options:
  --dry-run         print the plan and change nothing
${CONNECTION_HELP}
`;

const SPEC = { ...CONNECTION_OPTIONS, 'dry-run': { type: 'boolean' } } as const satisfies Spec;

function readDotenv(file: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'}): name the .env file to push`);
  }
  return lazyRequire<typeof import('dotenv')>('dotenv').parse(text);
}

async function inBatches<T>(items: readonly T[], send: (batch: T[]) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += MAX_PER_PAGE) await send(items.slice(i, i + MAX_PER_PAGE));
}

/** The file's keys: settings of ours and empty values are not pushed, the rest are. */
function sortKeys(parsed: Record<string, string>): { settings: string[]; empty: string[]; wanted: Array<[string, string]> } {
  const settings: string[] = [];
  const empty: string[] = [];
  const wanted: Array<[string, string]> = [];
  for (const [key, value] of Object.entries(parsed)) {
    if (key.toUpperCase().startsWith('CLARIFAI_')) settings.push(key);
    else if (value === '') empty.push(key);
    else wanted.push([key, value]);
  }
  return { settings, empty, wanted };
}

/** What to create and update, and one line per key (`+` new, `~` changed, `=` unchanged): names only. */
function plan(wanted: ReadonlyArray<[string, string]>, stored: ReadonlyMap<string, string>): { creates: SecretInput[]; updates: SecretInput[]; lines: string[] } {
  const creates: SecretInput[] = [];
  const updates: SecretInput[] = [];
  const lines: string[] = [];
  for (const [id, value] of wanted) {
    const current = stored.get(id);
    if (current === undefined) {
      creates.push({ id, value });
      lines.push(`+ ${id}`);
    } else if (current !== value) {
      updates.push({ id, value });
      lines.push(`~ ${id}`);
    } else {
      lines.push(`= ${id}`);
    }
  }
  return { creates, updates, lines };
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, SPEC);
  if (positionals.length > 1) throw new UsageError(`push takes one file, got ${positionals.length} arguments`);
  const file = positionals[0] ?? '.env';
  const { config, client } = commandClient(values);
  requireToken(config);
  const parsed = readDotenv(file);

  const { settings, empty, wanted } = sortKeys(parsed);

  // All or nothing: a value no load could use stops the push before the first request.
  const nul = wanted.filter(([, value]) => value.includes('\0')).map(([key]) => key);
  if (nul.length > 0) {
    throw new InvalidValueError(nul, `${nul.join(', ')} in ${file} ${nul.length === 1 ? 'holds' : 'hold'} a NUL byte, which no environment variable can carry: nothing was pushed`);
  }

  const ids = new Set(wanted.map(([key]) => key));
  // Only the values of keys in the file are kept, and only to compare.
  const stored = new Map<string, string>();
  if (wanted.length > 0) {
    for await (const secret of client.listAll()) if (ids.has(secret.id)) stored.set(secret.id, secret.value);
  }

  const { creates, updates, lines } = plan(wanted, stored);
  stored.clear();
  if (lines.length > 0) process.stdout.write(`${lines.join('\n')}\n`);
  if (settings.length > 0) process.stderr.write(`clarifai-secrets: not pushed (clarifai-secrets settings): ${settings.join(', ')}\n`);
  if (empty.length > 0) process.stderr.write(`clarifai-secrets: not pushed (empty value): ${empty.join(', ')}\n`);

  const counts = `${creates.length} to create, ${updates.length} to update, ${wanted.length - creates.length - updates.length} unchanged`;
  if (values['dry-run']) {
    process.stderr.write(`clarifai-secrets: dry run: ${counts}; nothing written\n`);
    return 0;
  }
  await inBatches(creates, (batch) => client.create(batch));
  await inBatches(updates, (batch) => client.update(batch));
  process.stderr.write(
    `clarifai-secrets: pushed ${file}: ${creates.length} created, ${updates.length} updated, ${wanted.length - creates.length - updates.length} unchanged\n`,
  );
  return 0;
}

export const push = declareCommand('push', { usage, options: SPEC, main });
