/**
 * Runs the harness in its quick mode so that it cannot rot: every command must do the
 * right thing (the harness checks each run: variables seen, cache hits without requests,
 * list requests at scale). Nothing here is about time.
 * Needs `npm run build` and `npm ci --prefix bench`.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const BENCH = dirname(fileURLToPath(import.meta.url));

it('npm run bench -- --quick checks every command and writes the report', () => {
  const ran = spawnSync(process.execPath, [join(BENCH, 'main.mjs'), '--quick', '--runs', '1', '--warmup', '0'], {
    encoding: 'utf8',
    timeout: 170_000,
  });
  expect(ran.stderr).not.toMatch(/FAILED/);
  expect(ran.status).toBe(0);
  for (const section of ['## Targets', '### Anchors', '### Floors', '## Scale', '## Watching', '## Over TLS']) expect(ran.stdout).toContain(section);
  // Over TLS every start asks for its two list pages in one round: two connections, each with a full handshake.
  for (const start of ['--import', '-r']) {
    const cells = ran.stdout.split('\n').filter((l) => l.startsWith(`| \`node ${start} clarifai-secrets/register app.js\` | `) && /\| \d+ \| \d+ \| \d+ \| \d+ \|$/.test(l));
    expect(cells, start).toHaveLength(4);
    for (const cell of cells) expect(cell, start).toMatch(/\| 2 \| 2 \| 0 \| 2 \|$/);
    // 3 round trips on each connection (TCP, TLS 1.3, its list page): the relay's count, not a time.
    expect(ran.stdout, start).toMatch(new RegExp(`\\| \`node ${start} clarifai-secrets/register app\\.js\` \\| yes \\| 3 \\| 3 \\| \\*\\*pass\\*\\* \\|`));
    // ...and is measured against its same-job floor over TLS too, at each RTT, with the emulator's counts.
    const overFloor = ran.stdout.split('\n').filter((l) => l.startsWith(`| \`node ${start} clarifai-secrets/register app.js\` | `) && /\| \d+\.\d\dx \| .* \| [+-]\d+\.\d ms \| 2 \| 2 \| [^|]* \|$/.test(l));
    expect(overFloor, start).toHaveLength(4);
  }
  expect(ran.stdout).toMatch(/\| 10,000 \| `--import` \| \d+ \(≤ 11\)/);
  // Every target is a ratio to its floor, measured in the same run.
  for (const [target, limit] of [['warm `--import`', '1.05'], ['warm `-r`', '1.05'], ['cold `--import`', '1.10'], ['cold `-r`', '1.10'], ['`run -- node app.js`, fetching', '1.10'], ['a child the marker covers, `--import`', '1.03'], ['a child the marker covers, `-r`', '1.03']]) {
    const line = ran.stdout.split('\n').find((l) => l.startsWith(`| ${target}`));
    expect(line, target).toMatch(new RegExp(`\\| \\d+\\.\\d\\dx \\| \\d+\\.\\d\\dx \\| [+-]\\d+\\.\\d ms \\| ≤ ${limit.replace('.', '\\.')}x \\| \\*\\*(pass|FAIL)\\*\\* \\|$`));
  }
});
