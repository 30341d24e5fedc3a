/**
 * Option parsing shared by every command: `node:util` parseArgs, with our own checks on
 * its tokens so that an error names the option and never echoes what was typed after it
 * (a value typed in the wrong place could be a secret).
 */
import { parseArgs } from 'node:util';
import { nearest, oneOf } from '../settings/nearest.js';
import { GLOBAL_FLAGS_HELP } from './command.js';

/** A usage error: exit code 2 and a pointer to `--help`. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** `--help` was given: the dispatcher prints the command's usage and exits 0. */
export class HelpRequested extends Error {
  override readonly name = 'HelpRequested';
}

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** A string option given more than once keeps every value, in order (else the last one wins). */
  multiple?: boolean;
}
export type Spec = Record<string, OptionSpec>;

/** Flags every command takes (`--version` is handled before a command is chosen). */
export const GLOBAL_OPTIONS = {
  'api-base': { type: 'string' },
  'user-id': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Spec;

/** `--env-file`: the `.env` file read for CLARIFAI_* settings, on every command that talks to the API. */
export const CONNECTION_OPTIONS = {
  ...GLOBAL_OPTIONS,
  'env-file': { type: 'string' },
} as const satisfies Spec;

/**
 * The help lines of the connection flags, shared by every command that talks to the API.
 * Node itself checks every `--env-file` path on the command line before any code of ours
 * runs, so a missing file gets Node's message; the variable form does not have that problem.
 */
export const CONNECTION_HELP = `  --env-file F      the .env file read for CLARIFAI_* settings (default ./.env; Node stops
                    with "node: F: not found" when F is missing: CLARIFAI_SECRETS_ENV_FILE=F
                    gives this tool's own message instead)
${GLOBAL_FLAGS_HELP}
  --help, -h        show this help`;

export type Values<S extends Spec> = {
  [K in keyof S]?: S[K]['type'] extends 'string' ? (S[K] extends { multiple: true } ? string[] : string) : boolean;
};

export interface Parsed<S extends Spec> {
  values: Values<S>;
  positionals: string[];
}

/**
 * Parses `argv` against `spec`. Throws `HelpRequested` for `--help`, `UsageError` for an
 * unknown option, a missing or unexpected option value; positional counts are the caller's.
 */
export function parseCommand<S extends Spec>(argv: readonly string[], spec: S): Parsed<S> {
  const { tokens } = parseArgs({
    args: [...argv],
    options: spec,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const values: Record<string, string | string[] | boolean> = {};
  const positionals: string[] = [];
  for (const token of tokens) {
    if (token.kind === 'positional') positionals.push(token.value);
    if (token.kind !== 'option') continue;
    const option = spec[token.name];
    // rawName never includes an inline `=value`.
    if (!option) {
      const near = token.rawName.startsWith('--') ? nearest(token.rawName, Object.keys(spec).map((name) => `--${name}`)) : [];
      throw new UsageError(`unknown option ${token.rawName}${near.length > 0 ? `: did you mean ${oneOf(near)}?` : ''}`);
    }
    const flag = token.rawName.startsWith('--') ? token.rawName : `-${option.short ?? ''} (--${token.name})`;
    if (option.type === 'boolean') {
      if (token.value !== undefined) throw new UsageError(`option ${flag} takes no value`);
      values[token.name] = true;
    } else {
      if (token.value === undefined || (!token.inlineValue && token.value.startsWith('-') && token.value !== '-')) {
        throw new UsageError(`option ${flag} needs a value (write ${flag}=VALUE for one that starts with "-")`);
      }
      const earlier = values[token.name];
      values[token.name] = option.multiple ? [...(Array.isArray(earlier) ? earlier : []), token.value] : token.value;
    }
  }
  if (values['help'] === true) throw new HelpRequested();
  return { values: values as Values<S>, positionals };
}

/** The connection settings the global flags carry, as resolver options. */
export function connectionOptions(values: {
  'api-base'?: string | undefined;
  'user-id'?: string | undefined;
  'env-file'?: string | undefined;
}): { baseUrl?: string; userId?: string; envFile?: string } {
  const options: { baseUrl?: string; userId?: string; envFile?: string } = {};
  if (values['api-base'] !== undefined) options.baseUrl = values['api-base'];
  if (values['user-id'] !== undefined) options.userId = values['user-id'];
  if (values['env-file'] !== undefined) options.envFile = values['env-file'];
  return options;
}

/** One secret id as a positional: present, alone, and never a value typed by mistake. */
export function oneId(positionals: readonly string[], command: string, valueHint = false): string {
  if (positionals.length === 0) throw new UsageError(`${command} needs a secret id`);
  if (positionals.length > 1) {
    // Never echo the extra words: the second one is often a value typed where it must not be.
    throw new UsageError(
      valueHint
        ? `${command} takes one secret id; the value comes from stdin or --value-file, never from the command line`
        : `${command} takes one secret id, got ${positionals.length} arguments`,
    );
  }
  const id = positionals[0] as string;
  if (id === '') throw new UsageError(`${command} needs a non-empty secret id`);
  return id;
}
