/**
 * The emulator guide's snippet (docs/emulator.md), as a new user pastes it, works; and the mistake it used to
 * make (`users: { me: [...] }`) gets a message that says what to write instead.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.js';
import { SecretsClient } from '../../src/api/client.js';
import { REPO_ROOT } from '../support/package-link.js';

describe("the emulator guide's snippet", () => {
  it('starts, and the token reads the seeded secret as "me"', async () => {
    const guide = readFileSync(join(REPO_ROOT, 'docs', 'emulator.md'), 'utf8');
    const line = guide.split('\n').find((l) => l.startsWith('const emulator = await startEmulator('));
    expect(line).toBeDefined();
    const options = /startEmulator\((.*)\);$/.exec(line as string)?.[1] as string;
    const emulator = await startEmulator(new Function(`return (${options});`)() as Parameters<typeof startEmulator>[0]);
    try {
      const client = new SecretsClient({ baseUrl: emulator.url, pat: 'dev-pat', envFile: false });
      expect((await client.get('A')).value).toBe('x');
    } finally {
      await emulator.close();
    }
  });

  it('users: { me: [...] } says to name the user instead', async () => {
    await expect(startEmulator({ port: 0, pats: ['dev-pat'], users: { me: [{ id: 'A', value: 'x' }] } })).rejects.toThrow(
      /"me" cannot be a user id in users: .*Name the user instead, e\.g\. users: \{ 'dev-user': \[\.\.\.\] \}/,
    );
  });
});
