/** doctor names the references in the environment, and a malformed one as a FAIL (never a value). */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type CliWorld, makeCliWorld } from './helpers.js';

const LOOKS_LIKE_A_VALUE = 'sk-DOCTOR-REFS-VALUE-4b7c';
let w: CliWorld;
beforeAll(async () => {
  w = await makeCliWorld({ LOOKS_LIKE_A_VALUE });
});
afterAll(() => w.close());
beforeEach(() => w.reset());

describe('doctor and references', () => {
  it('lists each reference by variable and id', async () => {
    const ran = await w.cli(['doctor'], { env: w.env({ KEY: 'clarifai://secrets/OPENAI_API_KEY', DSN: 'clarifai://users/me/secrets/sentry?' }) });
    expect(ran.code).toBe(0);
    expect(ran.stdout).toContain('ok    references: DSN -> sentry?, KEY -> OPENAI_API_KEY; CLARIFAI_SECRETS is unset, so a load fetches these alone\n');
  });

  it('a required reference to a secret that does not exist fails the selection check', async () => {
    const ran = await w.cli(['doctor'], { env: w.env({ KEY: 'clarifai://secrets/no-such-secret' }) });
    expect(ran.code).toBe(1);
    expect(ran.stdout).toMatch(/FAIL  selection: .*no-such-secret/);
  });

  it('a malformed reference is a FAIL naming the variable, not its value', async () => {
    const ran = await w.cli(['doctor'], { env: w.env({ KEY: `clarifai://secret/${LOOKS_LIKE_A_VALUE}` }) });
    expect(ran.code).toBe(1);
    expect(ran.stdout).toMatch(/FAIL  references: KEY holds a malformed reference: write clarifai:\/\/secrets\/ID/);
  });
});
