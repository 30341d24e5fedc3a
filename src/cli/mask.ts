/**
 * `run --mask`: replaces every secret value in a byte stream with `<concealed>`, also when a
 * value arrives split across chunks.
 *
 * Matching is on bytes (UTF-8); at each position the longest value wins, so a value that
 * contains another is hidden whole, and matches that overlap are hidden together. Only a
 * tail that could still become a value is held back, so the delay and the memory are
 * bounded by the longest value; nothing is released on a timer, because that would print
 * the first bytes of a value that is being written slowly.
 */

export const CONCEALED = '<concealed>';

/** `run --mask` conceals values of at least this many characters; shorter ones are named instead. */
export const MIN_MASKED_LENGTH = 4;

/** How util.inspect and Python's repr write the characters a secret is likely to hold. */
const ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function backslashed(text: string, escapeQuote: boolean): string {
  return text.replace(/[\\\n\r\t']/g, (c) => ESCAPES[c] ?? (escapeQuote ? "\\'" : c));
}

/**
 * The strings `--mask` hides for one value: the value itself, its escaped forms, and each of
 * its lines, as a program is likely to print them. Escaped forms, because a value passed
 * through JSON.stringify, console.log({ key }) or Python's repr comes out with its quotes,
 * backslashes and newlines escaped: JSON's (`\"`), the single-quoted one of util.inspect and
 * repr (`\'`), and the one they use when they pick other quotes for a value holding a `'`
 * (quotes left as they are). Lines, because a multi-line value (a PEM key) is often printed
 * line by line, or with its `\n` turned into `\r\n` on the way. A line is taken without its
 * surrounding white space (it is often re-indented) and skipped when shorter than
 * MIN_MASKED_LENGTH, for the reason short values are. Values shorter than that are the
 * caller's to drop.
 */
export function formsToConceal(value: string): string[] {
  const forms = new Set<string>();
  const add = (text: string): void => {
    forms.add(text);
    forms.add(JSON.stringify(text).slice(1, -1));
    forms.add(backslashed(text, true));
    forms.add(backslashed(text, false));
  };
  add(value);
  for (const line of value.split(/\r?\n/)) {
    const trimmed = line.trim();
    if ([...trimmed].length >= MIN_MASKED_LENGTH) add(trimmed);
  }
  return [...forms];
}

/** `#matchAt`'s answer when the data ends inside what could still be a value. */
const HOLD = -1;

export class Masker {
  /** Per first byte: the values starting with it, longest first. */
  readonly #byFirst = new Map<number, Buffer[]>();
  /** `1` for bytes that start some value: the fast path skips every other byte. */
  readonly #starts = new Uint8Array(256);
  readonly #replacement: Buffer;
  #held: Buffer = Buffer.alloc(0);
  /** How many of the held bytes are already concealed (the output has their replacement). */
  #concealedHead = 0;

  constructor(values: Iterable<string>, replacement: string = CONCEALED) {
    this.#replacement = Buffer.from(replacement);
    const unique = [...new Set(values)].filter((v) => v.length > 0).map((v) => Buffer.from(v));
    unique.sort((a, b) => b.length - a.length);
    for (const value of unique) {
      const first = value[0] as number;
      this.#starts[first] = 1;
      const list = this.#byFirst.get(first);
      if (list) list.push(value);
      else this.#byFirst.set(first, [value]);
    }
  }

  /** True when there is nothing to hide (every chunk passes through untouched). */
  get empty(): boolean {
    return this.#byFirst.size === 0;
  }

  /** Bytes held back, waiting to see whether they start a value. */
  get heldBytes(): number {
    return this.#held.length;
  }

  /** Takes the next chunk; returns what can be released now. */
  write(chunk: Uint8Array): Buffer {
    if (this.empty) return Buffer.from(chunk);
    const data = this.#held.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.#held, chunk]);
    return this.#scan(data, false);
  }

  /** End of the stream: releases the held tail (with any value in it replaced). */
  end(): Buffer {
    const data = this.#held;
    this.#held = Buffer.alloc(0);
    return data.length === 0 ? data : this.#scan(data, true);
  }

  /**
   * Every match is concealed, also one that starts inside another and ends past it (a line of
   * a value that begins with the quote a printer puts before the whole value): overlapping
   * matches are one concealed stretch, written as one replacement. A stretch still open at the
   * end of the data (a match inside it could run on) keeps its tail held, with the count of
   * its first bytes that are already concealed.
   */
  #scan(data: Buffer, final: boolean): Buffer {
    const out: Buffer[] = [];
    // Bytes before `shown` are settled: pushed to `out`, or concealed by the open stretch.
    let shown = 0;
    // The open stretch is [shown, hideEnd) when hideEnd > shown; `sent`: its replacement is out.
    let hideEnd = this.#concealedHead;
    let sent = hideEnd > 0;
    this.#held = Buffer.alloc(0);
    this.#concealedHead = 0;
    for (let i = 0; i < data.length; i++) {
      if (i >= hideEnd && hideEnd > shown) {
        if (!sent) out.push(this.#replacement);
        shown = hideEnd;
      }
      if (this.#starts[data[i] as number] === 0) continue;
      const matched = this.#matchAt(data, i, final);
      if (matched === HOLD) {
        // The bytes from i may still become a value: keep them for the next chunk.
        const open = hideEnd > i;
        if (open) {
          if (!sent) out.push(this.#replacement);
          this.#concealedHead = hideEnd - i;
        } else out.push(data.subarray(shown, i));
        this.#held = Buffer.from(data.subarray(i));
        return Buffer.concat(out);
      }
      if (matched === 0) continue;
      if (i >= hideEnd) {
        out.push(data.subarray(shown, i));
        shown = i;
        sent = false;
      }
      hideEnd = Math.max(hideEnd, i + matched);
    }
    if (hideEnd > shown) {
      if (!sent) out.push(this.#replacement);
      shown = hideEnd;
    }
    out.push(data.subarray(shown));
    return Buffer.concat(out);
  }

  /**
   * The length of the longest value at `i`, 0 for none, or HOLD when a longer value than any
   * that matches could still arrive here (the data ends inside it).
   */
  #matchAt(data: Buffer, i: number, final: boolean): number {
    const remaining = data.length - i;
    for (const value of this.#byFirst.get(data[i] as number) as Buffer[]) {
      if (value.length > remaining) {
        if (!final && value.compare(data, i, data.length, 0, remaining) === 0) return HOLD;
      } else if (value.compare(data, i, i + value.length) === 0) return value.length;
    }
    return 0;
  }
}
