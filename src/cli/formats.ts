/**
 * `pull`'s output formats. Each one reads back to exactly the stored values:
 *
 * - `env`: a .env file for dotenv's `parse` and for `node --env-file`. Neither has a general
 *   escape, so the quote is chosen per value, from what both parsers agree on:
 *     unquoted      plain words only (letters, digits, `_ . / : @ % + = , ~ -`)
 *     '...'         anything without `'` (newlines are written as they are)
 *     "..."         no `"`, and no `\n` or `\r` two-character sequence (both parsers expand them)
 *     `...`         no backtick
 *   and in every quoted form the value must not end with a backslash (dotenv would read
 *   `\'` as part of the value and run on into the next line). Node drops every carriage
 *   return from the file, so a value holding one cannot be written at all; nor can a NUL,
 *   which no environment variable holds. Such a value is an error that names its key.
 * - `shell`: `export NAME='...'` lines for POSIX sh, with `'` written as `'\''`.
 * - `json`: one object of name to value.
 */

import { InvalidValueError } from '../errors.js';

export type Format = 'env' | 'json' | 'shell';
export const FORMATS: readonly Format[] = ['env', 'json', 'shell'];

/** A value the chosen format cannot carry (`ERR_INVALID_VALUE`); the message names the key, never the value. */
function cannotCarry(name: string, why: string): InvalidValueError {
  return new InvalidValueError([name], `${name} ${why}`);
}

const PLAIN = /^[A-Za-z0-9_./:@%+=,~-]+$/;

/** One `.env` line, quoted so that dotenv and `node --env-file` both read `value` back. */
export function envLine(name: string, value: string): string {
  if (value.includes('\0')) throw cannotCarry(name, 'holds a NUL character, which no environment variable can carry');
  if (value.includes('\r')) {
    throw cannotCarry(name, 'holds a carriage return, which node --env-file drops from any .env file: use --format json or --format shell');
  }
  if (PLAIN.test(value)) return `${name}=${value}`;
  const endsWithBackslash = value.endsWith('\\');
  if (!endsWithBackslash) {
    if (!value.includes("'")) return `${name}='${value}'`;
    if (!value.includes('"') && !/\\[nr]/.test(value)) return `${name}="${value}"`;
    if (!value.includes('`')) return `${name}=\`${value}\``;
  }
  throw cannotCarry(
    name,
    endsWithBackslash
      ? 'ends with a backslash and needs quotes, which dotenv cannot read back: use --format json or --format shell'
      : 'holds all three quote characters, which no .env quoting can carry: use --format json or --format shell',
  );
}

/** A .env file of every entry; throws `ERR_INVALID_VALUE` for the first value it cannot carry. */
export function formatEnv(entries: ReadonlyArray<readonly [string, string]>): string {
  return entries.map(([name, value]) => `${envLine(name, value)}\n`).join('');
}

/** POSIX single quotes: everything is literal inside, and `'` is closed, escaped, reopened. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

export function formatShell(entries: ReadonlyArray<readonly [string, string]>): string {
  return entries
    .map(([name, value]) => {
      if (value.includes('\0')) throw cannotCarry(name, 'holds a NUL character, which no shell variable can carry');
      return `export ${name}=${shellQuote(value)}\n`;
    })
    .join('');
}

export function formatJson(entries: ReadonlyArray<readonly [string, string]>): string {
  return `${JSON.stringify(Object.fromEntries(entries), null, 2)}\n`;
}

export function format(kind: Format, entries: ReadonlyArray<readonly [string, string]>): string {
  return kind === 'env' ? formatEnv(entries) : kind === 'shell' ? formatShell(entries) : formatJson(entries);
}
