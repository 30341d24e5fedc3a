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

/** Bracketed paste (xterm's, which most terminals and tmux share): the terminal marks what is pasted. */
const PASTE_MODE_ON = '\x1b[?2004h';
const PASTE_MODE_OFF = '\x1b[?2004l';
const PASTE_START = '\x1b[200~';
const PASTE_END = '\x1b[201~';
const PASTE_MARKERS = [PASTE_START, PASTE_END];
/**
 * How long input is still watched for after the Enter that ends a value: a paste on a terminal
 * that does not mark pastes arrives in quick chunks, and its next line must not be left for
 * the shell, which would run it and keep it in its history.
 */
const AFTER_ENTER_MS = 150;

/** The message when more input follows the Enter: never the input itself. */
const MORE_AFTER_ENTER =
  'more input came after Enter (a value of several lines, pasted on a terminal that does not mark pastes?): nothing was stored; ' +
  'use --value-file FILE, or pipe it on stdin';

/** What a chunk of terminal input did to the value being typed. */
type Step = 'typing' | 'ended' | 'cancelled' | 'more-after-enter';

/**
 * The keys and pastes of one hidden value, with no I/O of its own. Enter or Ctrl-D ends it,
 * Ctrl-C cancels. A paste the terminal marks may hold line breaks, which are kept (as `\n`;
 * one at the very end is dropped, as from stdin). Input after the ending Enter in the same
 * chunk is an unmarked paste of several lines.
 */
class TypedValue {
  #typed = '';
  #pasting = false;
  /** The start of a paste marker cut off at the end of a chunk. */
  #partial = '';
  /** A character whose bytes are cut between two chunks is decoded once it is whole. */
  readonly #decoder = new TextDecoder('utf-8');

  get value(): string {
    return this.#typed.endsWith('\n') ? this.#typed.slice(0, -1) : this.#typed;
  }

  feed(chunk: Buffer): Step {
    const text = this.#partial + this.#decoder.decode(chunk, { stream: true });
    this.#partial = '';
    for (let i = 0; i < text.length; ) {
      const marker = PASTE_MARKERS.find((m) => text.startsWith(m, i));
      if (marker) {
        this.#pasting = marker === PASTE_START;
        i += marker.length;
        continue;
      }
      if (text[i] === '\x1b' && text.length - i < PASTE_START.length && PASTE_MARKERS.some((m) => m.startsWith(text.slice(i)))) {
        this.#partial = text.slice(i);
        return 'typing';
      }
      const char = String.fromCodePoint(text.codePointAt(i) as number);
      i += char.length;
      // A line break comes as CR (or CRLF, or LF).
      if (char === '\r' && text[i] === '\n') i++;
      if (this.#pasting) this.#typed += char === '\r' ? '\n' : char;
      else if (char === '\u0003') return 'cancelled';
      else if (char === '\r' || char === '\n' || char === '\u0004') return i < text.length ? 'more-after-enter' : 'ended';
      else if (char === '\u007f' || char === '\b') this.#typed = [...this.#typed].slice(0, -1).join('');
      else this.#typed += char;
    }
    return 'typing';
  }
}

/**
 * One value typed on the terminal without echo (TypedValue has the keys). Input that follows
 * the ending Enter within AFTER_ENTER_MS is an unmarked paste of several lines: read off the
 * terminal until it is quiet, so that none of it reaches the shell, and refused whole.
 */
function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  // Echo off before the prompt shows: whatever is typed once it is visible stays hidden.
  stdin.setRawMode(true);
  stdin.resume();
  process.stderr.write(`${PASTE_MODE_ON}${question}`);
  return new Promise((resolve, reject) => {
    const typed = new TypedValue();
    let ended: NodeJS.Timeout | undefined;
    let refused = false;
    const done = (): void => {
      clearTimeout(ended);
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write(`${PASTE_MODE_OFF}\n`);
    };
    const fail = (error: Error): void => {
      done();
      reject(error);
    };
    // A long paste goes on arriving: it is read until the terminal is quiet, then refused.
    const refuse = (): void => {
      refused = true;
      clearTimeout(ended);
      ended = setTimeout(() => fail(new ConfigError(MORE_AFTER_ENTER)), AFTER_ENTER_MS);
    };
    const onData = (chunk: Buffer): void => {
      if (refused || (ended && !chunk.includes(3))) return refuse();
      const step = ended ? 'cancelled' : typed.feed(chunk);
      if (step === 'cancelled') fail(new Cancelled('cancelled'));
      else if (step === 'more-after-enter') refuse();
      else if (step === 'ended') {
        ended = setTimeout(() => {
          done();
          resolve(typed.value);
        }, AFTER_ENTER_MS);
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
