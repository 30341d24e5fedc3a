/**
 * `pull`'s serializers, checked against the real readers: dotenv's `parse`, `node --env-file`
 * and `sh`. Values that a format refuses must be ones it truly cannot carry.
 */
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'dotenv';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { exec } from './helpers.js';
import { FORMATS, envLine, format, formatEnv, formatJson, formatShell } from '../../src/cli/formats.js';
import { isSecretsError } from '../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'cs-formats-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Pieces that break naive quoting, joined at random: quotes, backslashes, the two-character
 * escapes dotenv and Node expand, comment and variable syntax, white space, Unicode. CR and
 * NUL (which the env format must refuse) are rarer, so most values are ones it must carry.
 */
const atom = fc.constantFrom("'", '"', '`', '\\', '\\n', '\\r', '#', ' #', '$', '${X}', ' ', '\t', '\n', '=', 'a', 'n', 'é', '😀', '\u2028');
const rare = fc.constantFrom('\r', '\0', '\r\n');
const value = fc.oneof(
  { weight: 6, arbitrary: fc.array(atom, { maxLength: 10 }).map((parts) => parts.join('')) },
  { weight: 1, arbitrary: fc.array(fc.oneof(atom, rare), { maxLength: 8 }).map((parts) => parts.join('')) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
);

/** Why `envLine` may refuse a value; undefined when it must not. */
function reasonToRefuse(v: string): string | undefined {
  if (v.includes('\0')) return 'NUL';
  if (v.includes('\r')) return 'CR';
  if (/^[A-Za-z0-9_./:@%+=,~-]+$/.test(v)) return undefined;
  if (v.endsWith('\\')) return 'trailing backslash';
  if (v.includes("'") && (v.includes('"') || /\\[nr]/.test(v)) && v.includes('`')) return 'every quote';
  return undefined;
}

/** Entries K0..Kn for the values the env format accepts (the rest checked for a good reason). */
function acceptedEntries(values: readonly string[]): Array<[string, string]> {
  const entries: Array<[string, string]> = [];
  values.forEach((v, i) => {
    try {
      envLine(`K${i}`, v);
      entries.push([`K${i}`, v]);
    } catch (error) {
      // Only a SecretsError, never a crash: the rule every parser of hostile input follows.
      expect(isSecretsError(error, 'ERR_INVALID_VALUE')).toBe(true);
      expect(reasonToRefuse(v), `refused without cause: ${JSON.stringify(v)}`).toBeDefined();
      expect((error as Error).message).toMatch(new RegExp(`^K${i} `));
    }
  });
  return entries;
}

const SAMPLES = [
  `it's`,
  `say "hi"`,
  'both \' and "',
  "all ' \" `",
  'C:\\path\\',
  'a\\nb is not a newline',
  'line1\nline2\n',
  '  padded  ',
  '#not a comment',
  'x # y',
  '$HOME ${PATH} $(id) `id`',
  'unicode é ✓ 😀 \u2028 end',
  'back\\slash \\\\ double',
  '=leading equals',
  "'quoted'",
  '"dq"',
  '',
  'plain-value_1.2:3@x%y+z=,~',
  'sk-CLI-\t-tab',
];

describe('env format', () => {
  it('round-trips every accepted value through dotenv.parse, in a file with its neighbours', () => {
    fc.assert(
      fc.property(fc.array(value, { maxLength: 8 }), (values) => {
        const entries = acceptedEntries(values);
        expect(parse(formatEnv(entries))).toEqual(Object.fromEntries(entries));
      }),
      {
        numRuns: 1000,
        // A quoted value ending in a backslash would swallow the next line in dotenv.
        examples: [[['two words\\', '#x', 'a \\n b', "it's"]]],
      },
    );
  });

  it('round-trips the same values through node --env-file', async () => {
    const values = [...SAMPLES, ...fc.sample(value, { numRuns: 400, seed: 4242 })];
    const entries = acceptedEntries(values);
    const file = join(dir, 'pulled.env');
    writeFileSync(file, formatEnv(entries));
    const ran = await exec(process.execPath, [`--env-file=${file}`, '-e', 'const o = {}; for (const k in process.env) if (/^K\\d+$/.test(k)) o[k] = process.env[k]; process.stdout.write(JSON.stringify(o))'], {
      env: { PATH: process.env['PATH'] },
    });
    expect(ran.stderr).toBe('');
    expect(JSON.parse(ran.stdout)).toEqual(Object.fromEntries(entries));
    // dotenv reads the very same file the same way.
    expect(parse(formatEnv(entries))).toEqual(Object.fromEntries(entries));
  });

  it('picks the plainest form per value', () => {
    expect(envLine('A', 'plain-1')).toBe('A=plain-1');
    expect(envLine('A', 'two words')).toBe("A='two words'");
    expect(envLine('A', "it's")).toBe('A="it\'s"');
    expect(envLine('A', `it's "x"`)).toBe("A=`it's \"x\"`");
    expect(envLine('A', '')).toBe("A=''");
  });

  it('refuses, naming the key and never the value, what no quoting can carry', () => {
    expect(() => envLine('CR_KEY', 'a\rb-VALUE')).toThrow(/^CR_KEY holds a carriage return.*--format json/);
    expect(() => envLine('NUL_KEY', 'a\0b')).toThrow(/^NUL_KEY holds a NUL/);
    expect(() => envLine('QUOTES', `' " \` VALUE`)).toThrow(/^QUOTES holds all three quote characters/);
    expect(() => envLine('SLASH', 'two words\\')).toThrow(/^SLASH ends with a backslash/);
    for (const bad of ['a\rb-VALUE', `' " \` VALUE`]) {
      try {
        envLine('K', bad);
      } catch (error) {
        expect((error as Error).message).not.toContain('VALUE');
      }
    }
  });
});

describe('shell format', () => {
  it('is read back exactly by sh, quotes, newlines, $ and unicode included', async () => {
    const values = [...SAMPLES, 'a\rb', ...fc.sample(value, { numRuns: 200, seed: 99 })].filter((v) => !v.includes('\0'));
    const entries = values.map((v, i): [string, string] => [`K${i}`, v]);
    const file = join(dir, 'pulled.sh');
    writeFileSync(file, formatShell(entries));
    // printf %s keeps trailing newlines that $(...) would strip; NUL separates the values.
    const script = `. "$1"; ${entries.map(([k]) => `printf '%s\\0' "$${k}"`).join('; ')}`;
    const ran = await exec('sh', ['-c', script, 'sh', file], { env: { PATH: process.env['PATH'] } });
    expect(ran.stderr).toBe('');
    expect(ran.stdout.split('\0').slice(0, -1)).toEqual(values);
  });

  it("writes export NAME='...' with '\\'' for a quote, and refuses only NUL", () => {
    expect(formatShell([['A', "it's $HOME"]])).toBe(`export A='it'\\''s $HOME'\n`);
    expect(() => formatShell([['NUL_KEY', 'a\0b']])).toThrow(/^NUL_KEY holds a NUL/);
  });
});

describe('json format', () => {
  it('is one object that JSON.parse reads back exactly', () => {
    fc.assert(
      fc.property(fc.array(value, { maxLength: 6 }), (values) => {
        const entries = values.map((v, i): [string, string] => [`K${i}`, v]);
        expect(JSON.parse(formatJson(entries))).toEqual(Object.fromEntries(entries));
      }),
      { numRuns: 300 },
    );
  });
});

describe('format()', () => {
  it('picks the serializer the format names', () => {
    const entries = [['A', "it's"]] as const;
    expect(FORMATS).toEqual(['env', 'json', 'shell']);
    expect(format('env', entries)).toBe(formatEnv(entries));
    expect(format('shell', entries)).toBe(formatShell(entries));
    expect(format('json', entries)).toBe(formatJson(entries));
    expect(new Set(FORMATS.map((kind) => format(kind, entries))).size).toBe(3);
  });

  it('names the key it cannot carry in the error, never the value', () => {
    for (const kind of ['env', 'shell'] as const) {
      try {
        format(kind, [['GOOD', 'ok'], ['BAD_KEY', 'nul-\0-FORMATS-VALUE']]);
        expect.unreachable(`${kind} carried a NUL`);
      } catch (error) {
        expect(isSecretsError(error, 'ERR_INVALID_VALUE')).toBe(true);
        expect((error as { ids: string[] }).ids).toEqual(['BAD_KEY']);
        expect((error as Error).message).toMatch(/^BAD_KEY /);
        expect((error as Error).message).not.toContain('FORMATS-VALUE');
      }
    }
  });
});
