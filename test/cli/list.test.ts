/**
 * `list` and `get` against a server whose ids and descriptions hold characters that drive or
 * disguise a terminal: bidi overrides and isolates, line and paragraph separators, ESC.
 * Nothing of them may reach the output raw, in the table or in `--json`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliWorld, USER, VALUES, makeCliWorld } from './helpers.js';

// Each kind of character a terminal would act on. Ids hold those the emulator serves (it
// refuses white space, which U+2028, U+2029 and U+FEFF are, and controls); descriptions are
// free text, so they hold all of them, ESC and C1 included.
const SEEDED = [
  { id: 'invoice\u202egpj.exe', value: 'sk-LIST-bidi-VALUE-41f0', description: 'reads \u202eesrever\u202c then \u2066isolated\u2069' },
  { id: 'marks\u200f\u2067x', value: 'sk-LIST-marks-VALUE-c93e', description: 'two\u2028lines\u2029three\ufeff \u001b[2J\u001b[31mred \u009b31m' },
];
const UNSAFE = /[\u001b\u009b\u200f\u2028\u2029\u202c\u202e\u2066\u2067\u2069\ufeff]/u;

let w: CliWorld;
beforeAll(async () => {
  w = await makeCliWorld(Object.fromEntries(SEEDED.map((s) => [s.id, s.value])));
});
afterAll(() => w.close());

function seed(): void {
  w.reset();
  w.emulator.seed(USER, SEEDED);
}

describe('list', () => {
  it('writes every bidi, separator and control character of ids and descriptions as \\uXXXX in the table', async () => {
    seed();
    const ran = await w.cli(['list']);
    expect(ran.code).toBe(0);
    expect(ran.stdout).not.toMatch(UNSAFE);
    expect(ran.stdout).toMatch(/\ninvoice\\u202egpj\.exe +1 +\S+ +reads \\u202eesrever\\u202c then \\u2066isolated\\u2069\n/);
    expect(ran.stdout).toMatch(/\nmarks\\u200f\\u2067x +1 +\S+ +two\\u2028lines\\u2029three\\ufeff \\u001b\[2J\\u001b\[31mred \\u009b31m\n/);
    // The header and one line per secret (the world's own too): no separator in the server's text breaks the table.
    expect(ran.stdout.split('\n').slice(0, -1)).toHaveLength(1 + Object.keys(VALUES).length + SEEDED.length);
  });

  it('--json escapes them too, and reads back to exactly the stored ids and descriptions', async () => {
    seed();
    const ran = await w.cli(['list', '--json']);
    expect(ran.code).toBe(0);
    expect(ran.stdout).not.toMatch(UNSAFE);
    const records = JSON.parse(ran.stdout) as Array<{ id: string; description?: string }>;
    const read = new Map(records.map(({ id, description }) => [id, description]));
    for (const { id, description } of SEEDED) expect(read.get(id)).toBe(description);
  });
});

describe('get', () => {
  it('prints the value alone, and names a missing id with its characters escaped', async () => {
    seed();
    const found = await w.cli(['get', 'invoice\u202egpj.exe'], { valuesOn: 'stdout' });
    expect(found.stdout).toBe('sk-LIST-bidi-VALUE-41f0\n');
    const missing = await w.cli(['get', 'invoice\u202egpj.ex']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).not.toMatch(UNSAFE);
    expect(missing.stderr).toContain('"invoice\\u202egpj.ex"');
  });
});
