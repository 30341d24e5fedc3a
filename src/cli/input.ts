/**
 * What the provisioning commands read from the user: a secret value (stdin to its end, a
 * hidden prompt on a terminal, or a file) and a yes/no confirmation. Values never come
 * from argv, where `ps` and shell history would keep them.
 */
import { readFileSync } from 'node:fs';
import { isatty } from 'node:tty';
import { ConfigError } from '../errors.js';

/** The user pressed Ctrl-C at a prompt. */
export class Cancelled extends Error {
  override readonly name = 'Cancelled';
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decode(bytes: Uint8Array, where: string): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new ConfigError(`the value in ${where} is not UTF-8 text`);
  }
}

/** A file's whole content, as is (no newline stripped). */
export function readValueFile(path: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new ConfigError(`cannot read --value-file ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return decode(bytes, path);
}

/** Stdin to its end, minus one trailing line ending, so `echo value | ...` stores `value`. */
export async function readStdinValue(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const text = decode(Buffer.concat(chunks), 'stdin');
  return text.endsWith('\r\n') ? text.slice(0, -2) : text.endsWith('\n') ? text.slice(0, -1) : text;
}

/** One line typed on the terminal without echo; Enter or Ctrl-D ends it, Ctrl-C cancels. */
function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  // Echo off before the prompt shows: whatever is typed once it is visible stays hidden.
  stdin.setRawMode(true);
  stdin.resume();
  process.stderr.write(question);
  return new Promise((resolve, reject) => {
    let typed = '';
    const done = (): void => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
    };
    const onData = (chunk: Buffer): void => {
      for (const char of chunk.toString('utf8')) {
        if (char === '\r' || char === '\n' || char === '\u0004') {
          done();
          resolve(typed);
          return;
        }
        if (char === '\u0003') {
          done();
          reject(new Cancelled('cancelled'));
          return;
        }
        if (char === '\u007f' || char === '\b') typed = [...typed].slice(0, -1).join('');
        else typed += char;
      }
    };
    stdin.on('data', onData);
  });
}

/**
 * The hidden prompt until something is typed: an empty Enter or Ctrl-D is a slip on a
 * terminal (no value can be empty), so it asks again and says how to get out instead of
 * ending the command with advice about pipes.
 */
async function promptUntilTyped(id: string): Promise<string> {
  let value = await promptHidden(`Value for ${id} (typing is hidden; Enter to finish): `);
  while (value === '') {
    value = await promptHidden(`nothing typed: type the value and press Enter, or press Ctrl-C to cancel: `);
  }
  return value;
}

/** The value for `create`/`update`: `--value-file`, else stdin (a hidden prompt on a terminal). */
export async function readValue(id: string, valueFile: string | undefined): Promise<string> {
  const value = valueFile !== undefined ? readValueFile(valueFile) : isatty(0) ? await promptUntilTyped(id) : await readStdinValue();
  if (value === '') {
    throw new ConfigError(
      `the value for ${id} is empty: pipe it on stdin (printf %s "$VALUE" | ...) or use --value-file FILE`,
    );
  }
  return value;
}

/** Asks on the terminal; true only for y or yes. Ctrl-C (or Ctrl-D) throws `Cancelled`. */
export async function confirm(question: string): Promise<boolean> {
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(question);
    return /^y(es)?$/i.test(answer.trim());
  } catch (error) {
    // readline rejects the question with an AbortError when Ctrl-C closes it.
    if ((error as { name?: unknown }).name === 'AbortError') {
      process.stderr.write('\n');
      throw new Cancelled('cancelled');
    }
    throw error;
  } finally {
    rl.close();
  }
}
