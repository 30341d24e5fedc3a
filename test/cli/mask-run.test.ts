/**
 * `run --mask` end to end, on the built bin, against children that print values escaped or
 * line by line, one byte at a time. A file of its own: mutation testing runs the in-process
 * tests of mask.test.ts, and a spawned bin would never meet a mutant.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliWorld, makeCliWorld } from './helpers.js';

/** What `run --mask` prints in a value's place (src/cli/mask.ts), written out: this file tests the bin. */
const CONCEALED = '<concealed>';
/** Lines shorter than this stay visible (src/cli/mask.ts MIN_MASKED_LENGTH). */
const MIN_MASKED_LENGTH = 4;

/** The value's lines as a reader would recognise them: trimmed, and long enough to be masked. */
function maskedLines(value: string): string[] {
  return value
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => [...line].length >= MIN_MASKED_LENGTH);
}

describe('run --mask, end to end', () => {
  // Each value holds MASK in every line, so any part of it that got through shows.
  const SECRETS = {
    QUOTED_KEY: `sk-"MASKdq"-'MASKsq'-C:\\MASKdir\\x-8e3b`,
    APOS_KEY: `it's-MASKapos-\\path-5c7a`,
    PEM_KEY: '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANMASKpem1BgkqhkiG9w0BAQEFAASC\nlJ3wMASKpem2hRkQxZ9vQ0a8c3JtT1h7UwQ==\n-----END PRIVATE KEY-----\n',
    CRLF_KEY: 'first-MASKcrlf-line\r\nxy\r\nsecond-MASKcrlf-line',
  };
  const planted = Object.fromEntries(
    Object.entries(SECRETS).flatMap(([name, value]) => maskedLines(value).map((line, i) => [`${name} line ${i}`, line])),
  );
  let w: CliWorld;

  beforeAll(async () => {
    w = await makeCliWorld({ ...SECRETS, ...planted });
    // Every write goes out one byte per write(2), with pauses, so values arrive split.
    const drip = `import { writeSync } from 'node:fs';
const pause = new Int32Array(new SharedArrayBuffer(4));
process.stdout.write = (chunk) => {
  for (const byte of Buffer.from(chunk)) { writeSync(1, Buffer.from([byte])); if (byte % 4 === 0) Atomics.wait(pause, 0, 0, 1); }
  return true;
};
`;
    w.project.write(
      'print.mjs',
      `${drip}const [how, name] = process.argv.slice(2);
const value = process.env[name];
if (how === 'json') console.log(JSON.stringify({ [name]: value }));
if (how === 'inspect') console.log({ value });
if (how === 'lines') for (const [i, line] of value.split('\\n').entries()) console.log(i + ': ' + line);\n`,
    );
    w.project.write(
      'print.py',
      `import os, sys, time
value = os.environ[sys.argv[1]]
for i, byte in enumerate((repr(value) + "\\n" + repr({"value": value}) + "\\n").encode()):
    os.write(1, bytes([byte]))
    if i % 4 == 0: time.sleep(0.001)
`,
    );
  });
  afterAll(() => w.close());

  async function masked(args: string[], seed: Record<string, string> = SECRETS): Promise<string> {
    w.reset(seed);
    const ran = await w.cli(['run', '--mask', '--', ...args]);
    expect(ran.stderr).toBe('');
    expect(ran.code).toBe(0);
    expect(ran.stdout).not.toContain('MASK');
    return ran.stdout;
  }

  it('hides a value printed through JSON.stringify, quotes and backslashes escaped', async () => {
    expect(await masked(['node', 'print.mjs', 'json', 'QUOTED_KEY'])).toBe(`{"QUOTED_KEY":"${CONCEALED}"}\n`);
    expect(await masked(['node', 'print.mjs', 'json', 'PEM_KEY'])).toBe(`{"PEM_KEY":"${CONCEALED}"}\n`);
  });

  it('hides a value printed through console.log({ value }), whichever quotes util.inspect picks', async () => {
    expect(await masked(['node', 'print.mjs', 'inspect', 'QUOTED_KEY'])).toBe(`{ value: \`${CONCEALED}\` }\n`);
    expect(await masked(['node', 'print.mjs', 'inspect', 'APOS_KEY'])).toBe(`{ value: "${CONCEALED}" }\n`);
    // Past the line width, util.inspect prints a multi-line string one line per quoted piece.
    expect(await masked(['node', 'print.mjs', 'inspect', 'PEM_KEY'])).toBe(
      `{\n  value: '${CONCEALED}\\n' +\n    '${CONCEALED}\\n' +\n    '${CONCEALED}\\n' +\n    '${CONCEALED}\\n'\n}\n`,
    );
  });

  it.runIf(spawnSync('python3', ['--version']).status === 0)("hides a value printed through Python's repr", async () => {
    expect(await masked(['python3', 'print.py', 'QUOTED_KEY'])).toBe(`'${CONCEALED}'\n{'value': '${CONCEALED}'}\n`);
    expect(await masked(['python3', 'print.py', 'APOS_KEY'])).toBe(`"${CONCEALED}"\n{'value': "${CONCEALED}"}\n`);
    expect(await masked(['python3', 'print.py', 'CRLF_KEY'])).toBe(`'${CONCEALED}'\n{'value': '${CONCEALED}'}\n`);
  });

  it('hides each line of a multi-line value printed line by line, LF or CRLF, and leaves a line shorter than 4 characters', async () => {
    // Numbered, so that the lines printed together are not the value whole.
    expect(await masked(['node', 'print.mjs', 'lines', 'PEM_KEY'])).toBe(`0: ${CONCEALED}\n1: ${CONCEALED}\n2: ${CONCEALED}\n3: ${CONCEALED}\n4: \n`);
    expect(await masked(['node', 'print.mjs', 'lines', 'CRLF_KEY'])).toBe(`0: ${CONCEALED}\r\n1: xy\r\n2: ${CONCEALED}\n`);
  });
});
