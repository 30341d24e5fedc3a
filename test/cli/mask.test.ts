/**
 * The `--mask` replacer: streaming equals all-at-once, nothing leaks, buffering stays bounded;
 * the forms each value is concealed in. `run --mask` end to end is in mask-run.test.ts.
 */
import { inspect } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CONCEALED, MIN_MASKED_LENGTH, Masker, formsToConceal } from '../../src/cli/mask.js';

/** The whole text in one chunk. */
function maskAll(text: string, values: string[]): string {
  const masker = new Masker(values);
  return Buffer.concat([masker.write(Buffer.from(text)), masker.end()]).toString();
}

/** Feeds `text` cut at `cuts` (byte offsets) and returns the output and the largest hold. */
function stream(values: string[], text: string, cuts: number[]): { out: string; maxHeld: number } {
  const masker = new Masker(values);
  const bytes = Buffer.from(text);
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const parts: Buffer[] = [];
  let maxHeld = 0;
  let from = 0;
  for (const to of [...points, bytes.length]) {
    parts.push(masker.write(bytes.subarray(from, to)));
    maxHeld = Math.max(maxHeld, masker.heldBytes);
    from = to;
  }
  parts.push(masker.end());
  return { out: Buffer.concat(parts).toString(), maxHeld };
}

// A small alphabet makes overlapping and nested values common; none of it is in "<concealed>".
const piece = fc.string({ unit: fc.constantFrom('x', 'y', 'z', '1', 'é', '😀'), minLength: 1, maxLength: 8 });
const world = fc
  .record({
    values: fc.array(piece, { minLength: 1, maxLength: 5 }),
    filler: fc.array(fc.string({ unit: fc.constantFrom('x', 'y', 'z', ' ', '\n', 'é'), maxLength: 6 }), { maxLength: 8 }),
    picks: fc.array(fc.nat(), { maxLength: 8 }),
    cuts: fc.array(fc.nat(), { maxLength: 12 }),
  })
  .map(({ values, filler, picks, cuts }) => {
    let text = '';
    filler.forEach((f, i) => (text += f + (values[(picks[i] ?? 0) % values.length] as string)));
    return { values, text, cuts };
  });

/**
 * The reference, written apart from the masker and as plainly as possible: every place where
 * a value occurs is concealed; places that overlap make one concealed stretch, one
 * replacement (places that only touch stay two).
 */
function reference(text: string, values: string[]): string {
  const data = Buffer.from(text);
  const candidates = values.filter((v) => v.length > 0).map((v) => Buffer.from(v));
  const places: Array<[start: number, end: number]> = [];
  for (let i = 0; i < data.length; i++) {
    for (const value of candidates) if (data.subarray(i, i + value.length).equals(value)) places.push([i, i + value.length]);
  }
  const stretches: Array<[number, number]> = [];
  for (const [start, end] of places) {
    const last = stretches.at(-1);
    if (last && start < last[1]) last[1] = Math.max(last[1], end);
    else stretches.push([start, end]);
  }
  const out: Buffer[] = [];
  let shown = 0;
  for (const [start, end] of stretches) {
    out.push(data.subarray(shown, start), Buffer.from(CONCEALED));
    shown = end;
  }
  out.push(data.subarray(shown));
  return Buffer.concat(out).toString();
}

describe('Masker', () => {
  it('agrees with the plain reference, however the stream is cut', () => {
    fc.assert(
      fc.property(world, ({ values, text, cuts }) => {
        const expected = reference(text, values);
        expect(stream(values, text, cuts).out).toBe(expected);
        expect(maskAll(text, values)).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('hides a longer value whole when a shorter one is its start, in any order of values', () => {
    for (const values of [['xy', 'xyz'], ['xyz', 'xy']]) {
      expect(maskAll('a xyz b xy c', values)).toBe(`a ${CONCEALED} b ${CONCEALED} c`);
    }
  });

  it('leaves no value in its output, and holds back less than the longest value', () => {
    fc.assert(
      fc.property(world, ({ values, text, cuts }) => {
        const { out, maxHeld } = stream(values, text, cuts);
        for (const value of values) expect(out.includes(value)).toBe(false);
        expect(maxHeld).toBeLessThan(Math.max(...values.map((v) => Buffer.byteLength(v))));
      }),
      { numRuns: 500 },
    );
  });

  it('hides a value fed one byte at a time, multi-byte characters included', () => {
    const value = 'sk-ünï-😀-key';
    const text = `before ${value} middle ${value}${value} after`;
    const bytes = Buffer.from(text);
    const masker = new Masker([value]);
    const out = Buffer.concat([...bytes].map((b) => masker.write(Buffer.from([b]))).concat(masker.end())).toString();
    expect(out).toBe(`before ${CONCEALED} middle ${CONCEALED}${CONCEALED} after`);
  });

  it('prefers the longer of two values that start alike, even when the shorter one is complete first', () => {
    const masker = new Masker(['abc', 'abcdef']);
    expect(masker.write(Buffer.from('x abc')).toString()).toBe('x ');
    expect(masker.write(Buffer.from('def y')).toString()).toBe(`${CONCEALED} y`);
    expect(masker.write(Buffer.from(' abc!')).toString()).toBe(` ${CONCEALED}!`);
    expect(masker.end().toString()).toBe('');
  });

  it('releases a held prefix at the end when the value never completes, and ignores empty values', () => {
    const masker = new Masker(['secret', '']);
    expect(masker.write(Buffer.from('a sec')).toString()).toBe('a ');
    expect(masker.end().toString()).toBe('sec');
    expect(new Masker(['']).empty).toBe(true);
  });
});

/** The value's lines as a reader would recognise them: trimmed, and long enough to be masked. */
function maskedLines(value: string): string[] {
  return value
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => [...line].length >= MIN_MASKED_LENGTH);
}

// Characters that printers escape, among ordinary ones; no control character but \n, \r, \t.
const escapable = fc.string({ unit: fc.constantFrom('a', 'b', '7', ' ', '"', "'", '`', '\\', '\n', '\r', '\t', 'é'), minLength: MIN_MASKED_LENGTH, maxLength: 24 });

describe('formsToConceal', () => {
  const maskText = (text: string, value: string): string => maskAll(text, formsToConceal(value));

  it('hides a value printed by JSON.stringify or util.inspect whole, between its quotes', () => {
    fc.assert(
      // A value with a line that starts or ends with a quote is the next property's.
      fc.property(escapable.filter((v) => !v.split(/\r?\n/).some((line) => /^\s*["']|["']\s*$/.test(line))), (value) => {
        expect(maskText(JSON.stringify(value), value)).toBe(`"${CONCEALED}"`);
        const shown = inspect(value);
        const quote = shown[0] as string;
        expect(maskText(shown, value)).toBe(`${quote}${CONCEALED}${quote}`);
      }),
      { numRuns: 500 },
    );
  });

  it('leaves nothing of a printed value readable when one of its lines overlaps the whole form', () => {
    // A first line that begins with the printer's own quote matches from that quote, one
    // byte before the whole value's form (a CI run's counterexample), and a last line that
    // ends with one can take the closing quote: each is hidden with the whole form, as one.
    const value = '"\\"\\\na';
    expect(maskText(JSON.stringify(value), value)).toBe(`${CONCEALED}"`);
    fc.assert(
      fc.property(escapable, (value) => {
        for (const shown of [JSON.stringify(value), inspect(value)]) {
          const out = maskText(shown, value);
          const quote = shown[0] as string;
          expect(out.split(CONCEALED)).toHaveLength(2);
          expect([`${quote}${quote}`, quote, '']).toContain(out.split(CONCEALED).join(''));
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('hides overlapping matches as one, also when the data ends inside the second', () => {
    const masker = new Masker(['abcdef', 'defghi']);
    expect(masker.write(Buffer.from('x abcdefg')).toString()).toBe(`x ${CONCEALED}`);
    expect(masker.write(Buffer.from('hi y abcdefgh')).toString()).toBe(` y ${CONCEALED}`);
    expect(masker.end().toString()).toBe('gh');
  });

  it("leaves none of a value's lines readable in an object util.inspect splits into one string per line", () => {
    fc.assert(
      fc.property(escapable, fc.nat({ max: 40 }), (value, width) => {
        const out = maskText(inspect({ key: value }, { breakLength: width }), value);
        for (const line of maskedLines(value)) {
          for (const form of [line, JSON.stringify(line).slice(1, -1), inspect(line).slice(1, -1)]) expect(out.includes(form)).toBe(false);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('hides each line of a multi-line value, LF or CRLF, trimmed, and leaves lines shorter than 4 characters', () => {
    const value = '-----BEGIN KEY-----\r\n  MIIEvQ-line-one  \r\nab\r\nline-two==\n';
    const printed = 'MIIEvQ-line-one\nab\n    line-two==\r\n-----BEGIN KEY-----\n';
    expect(maskText(printed, value)).toBe(`${CONCEALED}\nab\n    ${CONCEALED}\r\n${CONCEALED}\n`);
    // Printed whole, the value is one match, not four.
    expect(maskText(`[${value}]`, value)).toBe(`[${CONCEALED}]`);
  });

  it('is a few strings per line, without repeats, and only the value itself for a plain one', () => {
    expect(formsToConceal('sk-plain-value-123')).toEqual(['sk-plain-value-123']);
    const forms = formsToConceal(`a"b'c\\d`);
    expect(new Set(forms).size).toBe(forms.length);
    expect(forms.sort()).toEqual([`a"b'c\\d`, `a"b'c\\\\d`, `a"b\\'c\\\\d`, `a\\"b'c\\\\d`].sort());
  });
});
