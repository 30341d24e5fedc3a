/**
 * `clarifai-secrets list [--json]`: ids, versions, descriptions and dates. Values are
 * dropped as soon as each page arrives and never printed.
 */
import { commandClient } from './client.js';
import { escapeControls, quoted } from '../settings/printable.js';
import { CONNECTION_HELP, CONNECTION_OPTIONS, type Spec, UsageError, parseCommand } from './args.js';
import { declareCommand } from './command.js';

const usage = `Usage: clarifai-secrets list [--json]

Lists the secrets of the user: id, version, last change and description. Never values.
Control, bidi and line-separator characters in ids and descriptions are shown as \\uXXXX
(in --json too, where JSON.parse reads them back as they are).

Options:
  --json            print a JSON array of {id, version, description, createdAt, modifiedAt, expiresAt}
${CONNECTION_HELP}
`;

const SPEC = { ...CONNECTION_OPTIONS, json: { type: 'boolean' } } as const satisfies Spec;

interface Row {
  id: string;
  version: number;
  description?: string;
  createdAt: Date;
  modifiedAt: Date;
  expiresAt?: Date;
}

/**
 * The records as JSON that is as safe to print as the table: JSON.stringify leaves U+2028,
 * U+2029, bidi overrides and C1 controls raw, so each is written as `\uXXXX`, which JSON.parse
 * reads back as the same character. Line by line, because the only raw controls in the text
 * are the newlines of its layout (inside strings JSON.stringify has escaped them all).
 */
function printableJson(rows: readonly Row[]): string {
  return JSON.stringify(rows, null, 2).split('\n').map(escapeControls).join('\n');
}

function isoSeconds(date: Date): string {
  return Number.isNaN(date.getTime()) ? '-' : date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function table(rows: readonly Row[]): string {
  const lines = [['ID', 'VERSION', 'MODIFIED', 'DESCRIPTION']];
  for (const row of rows) {
    // Ids and descriptions are the server's text: an ESC, a line separator or a bidi override
    // would let it redraw the terminal or disguise which id is which.
    lines.push([escapeControls(row.id), String(row.version), isoSeconds(row.modifiedAt), escapeControls(row.description ?? '')]);
  }
  const widths = [0, 1, 2].map((col) => Math.max(...lines.map((line) => (line[col] as string).length)));
  return lines
    .map((line) => line.map((cell, col) => (col < 3 ? cell.padEnd(widths[col] as number) : cell)).join('  ').trimEnd())
    .join('\n')
    .concat('\n');
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, SPEC);
  if (positionals.length > 0) throw new UsageError('list takes no arguments');
  const { client } = commandClient(values);
  const rows: Row[] = [];
  for await (const { id, version, description, createdAt, modifiedAt, expiresAt } of client.listAll()) {
    const row: Row = { id, version, createdAt, modifiedAt };
    if (description !== undefined) row.description = description;
    if (expiresAt !== undefined) row.expiresAt = expiresAt;
    rows.push(row);
  }
  rows.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  if (values.json) {
    process.stdout.write(`${printableJson(rows)}\n`);
    return 0;
  }
  if (rows.length === 0) {
    process.stderr.write(`clarifai-secrets: no secrets for user ${quoted(client.userId)}\n`);
    return 0;
  }
  process.stdout.write(table(rows));
  return 0;
}

export const list = declareCommand('list', { usage, options: SPEC, main });
