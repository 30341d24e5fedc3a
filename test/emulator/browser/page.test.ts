/**
 * The emulator's Secrets page in real headless Chromium: every action Clarifai's "Via the UI"
 * describes, end to end against the emulator on loopback, plus what a secrets page must hold:
 * values round-trip exactly, server text is never markup, a refused token brings the sign-in
 * back with Clarifai's own words, and the token never reaches a URL, a cookie or a log line.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startEmulator, type Emulator } from '../../../src/emulator/index.js';
import { hasChromium, launchChromium } from './chromium.js';

// The browser's globals, for the callbacks that page.evaluate runs there (this file is type
// checked for Node, without the DOM library). Module-scoped: they do not leak into other files.
declare const window: any, document: any, navigator: any, sessionStorage: any, localStorage: any;

const TOKEN = 'tok-page-planted-5be1c9d0';
const SECRETS = '/v2/users/me/secrets';
// Newlines, both quotes, a backtick, a backslash, a dollar, spaces at both ends, emoji (one a ZWJ sequence).
const TRICKY = ' line 1\nline 2\n\n"double" \'single\' `tick` \\ $HOME 🔑 👩‍💻 end ';
const SEEDED = 'sk-seeded-value-7f3a';

let emulator: Emulator;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const logLines: string[] = [];
let requestUrls: string[] = [];
let dialogs: string[] = [];
let pageErrors: string[] = [];

describe.skipIf(!hasChromium)('the Secrets page in Chromium', () => {
  beforeAll(async () => {
    emulator = await startEmulator({ pats: { [TOKEN]: 'alice' }, users: { alice: [] }, log: (line) => logLines.push(line) });
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await emulator?.close();
  });

  beforeEach(async () => {
    emulator.reset();
    requestUrls = [];
    dialogs = [];
    pageErrors = [];
    context = await browser.newContext();
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: emulator.url });
    // Counts CSP violations: there must be none (no inline code, nothing from elsewhere).
    await context.addInitScript(() => {
      (window as unknown as { __violations: string[] }).__violations = [];
      document.addEventListener('securitypolicyviolation', (e: { violatedDirective: string; blockedURI: string }) =>
        (window as unknown as { __violations: string[] }).__violations.push(`${e.violatedDirective} ${e.blockedURI}`),
      );
    });
    context.on('request', (request) => requestUrls.push(request.url()));
    page = await context.newPage();
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    page.on('pageerror', (error) => pageErrors.push(error.message));
  });
  afterEach(async () => {
    expect(await page.evaluate(() => (window as unknown as { __violations: string[] }).__violations)).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(dialogs).toEqual([]);
    expect(requestUrls.every((url) => url.startsWith(`${emulator.url}/`))).toBe(true);
    await context.close();
  });

  async function signIn(token = TOKEN): Promise<void> {
    await page.goto(`${emulator.url}/`);
    await page.getByLabel('Personal access token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  async function signedIn(): Promise<void> {
    await signIn();
    await page.locator('#secrets').waitFor({ state: 'visible' });
  }

  const ids = (): Promise<string[]> => page.locator('#rows td.id').allTextContents();
  const row = (id: string) => page.locator('#rows tr').filter({ has: page.getByRole('cell', { name: id, exact: true }) });
  const rowButton = (id: string, name: string) => row(id).getByRole('button', { name: new RegExp(`^${name}\\b`) });

  /** What the API itself answers, to compare the page's message with Clarifai's words. */
  async function apiStatus(method: string, path: string, body?: unknown, token = TOKEN): Promise<{ description: string; details?: string; code: number }> {
    const response = await fetch(emulator.url + path, {
      method,
      headers: { authorization: `Key ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return ((await response.json()) as { status: { description: string; details?: string; code: number } }).status;
  }
  const asShown = (s: { description: string; details?: string; code: number }): string =>
    `Error: ${s.description}${s.details ? `: ${s.details}` : ''} (code ${s.code})`;

  test('signs in and lists id, description, version and last modified, sorted, with values hidden', async () => {
    emulator.seed('alice', [
      { id: 'zeta', value: SEEDED, description: 'the last one' },
      { id: 'beta-10', value: 'b10' },
      { id: 'Alpha', value: 'a' },
      { id: 'beta-2', value: 'b2' },
    ]);
    await apiStatus('PATCH', SECRETS, { secret: [{ id: 'zeta', description: 'changed once' }] });
    await signedIn();
    expect(await ids()).toEqual(['Alpha', 'beta-2', 'beta-10', 'zeta']);
    expect(await page.locator('#secrets-title').textContent()).toBe('Secrets (4)');
    const zeta = row('zeta');
    expect(await zeta.locator('td.description').textContent()).toBe('changed once');
    expect(await zeta.locator('td.version').textContent()).toBe('2');
    const modified = emulator.snapshot('me').find((s) => s.id === 'zeta')?.modifiedAt as string;
    expect(await zeta.locator('time').getAttribute('datetime')).toBe(modified);
    expect(await zeta.locator('time').textContent()).toBe(`${modified.slice(0, 10)} ${modified.slice(11, 19)} UTC`);
    // Hidden until asked: in words, and nowhere in the document.
    expect(await zeta.locator('td.value').textContent()).toContain('(hidden)');
    expect(await page.content()).not.toContain(SEEDED);
    expect(await page.evaluate(() => document.title)).toBe('Secrets · Clarifai emulator');
  });

  test('with no secrets it says so', async () => {
    await signedIn();
    await expect.poll(() => page.locator('#empty').isVisible()).toBe(true);
    expect(await page.locator('#empty').textContent()).toContain('No secrets yet');
    expect(await page.locator('#table').isVisible()).toBe(false);
  });

  test('creates a secret whose value (newlines, quotes, emoji) round-trips exactly: stored, viewed, copied', async () => {
    await signedIn();
    await page.getByRole('button', { name: 'Create secret' }).click();
    await page.getByLabel('Name').fill('TRICKY_VALUE');
    await page.locator('#create-description').fill('with "quotes" & <b>tags</b> 🔑');
    await page.getByLabel(/^Value/).fill(TRICKY);
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await expect.poll(() => page.locator('#message').textContent()).toBe('Created TRICKY_VALUE.');
    expect(emulator.snapshot('me')).toEqual([
      expect.objectContaining({ id: 'TRICKY_VALUE', value: TRICKY, description: 'with "quotes" & <b>tags</b> 🔑', version: 1 }),
    ]);
    expect(await row('TRICKY_VALUE').locator('td.description').textContent()).toBe('with "quotes" & <b>tags</b> 🔑');

    await rowButton('TRICKY_VALUE', 'View').click();
    await row('TRICKY_VALUE').locator('pre').waitFor();
    expect(await row('TRICKY_VALUE').locator('pre').evaluate((pre) => pre.textContent)).toBe(TRICKY);

    await rowButton('TRICKY_VALUE', 'Copy').click();
    await expect.poll(() => page.locator('#message').textContent()).toBe('Copied the value of TRICKY_VALUE to the clipboard.');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(TRICKY);
  });

  test('a duplicate id gets Clarifai\'s message as it came, and the form keeps what was typed', async () => {
    emulator.seed('alice', [{ id: 'TAKEN', value: SEEDED }]);
    const expected = asShown(await apiStatus('POST', SECRETS, { secrets: [{ id: 'TAKEN', value: 'x' }] }));
    await signedIn();
    await page.getByRole('button', { name: 'Create secret' }).click();
    await page.getByLabel('Name').fill('TAKEN');
    await page.getByLabel(/^Value/).fill('other');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await expect.poll(() => page.locator('#error').textContent()).toBe(expected);
    expect(expected).toMatch(/^Error: Duplicate key: secret already exists: TAKEN \(code 40010\)$/);
    expect(await page.getByLabel('Name').inputValue()).toBe('TAKEN');
    expect(emulator.snapshot('me')).toEqual([expect.objectContaining({ id: 'TAKEN', value: SEEDED })]);
  });

  test('views and hides a value; hidden again, it is gone from the document', async () => {
    emulator.seed('alice', [{ id: 'K', value: SEEDED }]);
    await signedIn();
    await rowButton('K', 'View').click();
    await expect.poll(() => row('K').locator('pre').textContent()).toBe(SEEDED);
    expect(await rowButton('K', 'Hide').getAttribute('aria-pressed')).toBe('true');
    await rowButton('K', 'Hide').click();
    await expect.poll(() => row('K').locator('td.value').textContent()).toContain('(hidden)');
    expect(await page.content()).not.toContain(SEEDED);
  });

  test('edits the value only, then the description only; each keeps the other', async () => {
    emulator.seed('alice', [{ id: 'E', value: SEEDED, description: 'first' }]);
    await signedIn();
    await rowButton('E', 'Edit').click();
    expect(await page.locator('#edit-description').inputValue()).toBe('first');
    expect(await page.locator('#edit-value').inputValue()).toBe('');
    await page.locator('#edit-value').fill(TRICKY);
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.locator('#message').textContent()).toBe('Saved the value of E.');
    expect(emulator.snapshot('me')[0]).toMatchObject({ value: TRICKY, description: 'first', version: 2 });
    expect(await row('E').locator('td.version').textContent()).toBe('2');

    await rowButton('E', 'Edit').click();
    await page.locator('#edit-description').fill('second');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.locator('#message').textContent()).toBe('Saved the description of E.');
    expect(emulator.snapshot('me')[0]).toMatchObject({ value: TRICKY, description: 'second', version: 3 });
    expect(await row('E').locator('td.description').textContent()).toBe('second');
  });

  test('clearing a description is explained, and nothing is sent', async () => {
    emulator.seed('alice', [{ id: 'D', value: SEEDED, description: 'keep me' }]);
    await signedIn();
    emulator.clearRequests();
    await rowButton('D', 'Edit').click();
    await page.locator('#edit-description').fill('');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.locator('#error').textContent()).toContain('cannot clear a description');
    expect(emulator.requests.filter((r) => r.method === 'PATCH')).toEqual([]);
    expect(emulator.snapshot('me')[0]).toMatchObject({ description: 'keep me', version: 1 });
  });

  test('deletes only after a confirmation; Cancel keeps the secret', async () => {
    emulator.seed('alice', [{ id: 'GONE', value: SEEDED }, { id: 'STAYS', value: 's' }]);
    await signedIn();
    await rowButton('GONE', 'Delete').click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    expect(await dialog.locator('#confirm-name').textContent()).toBe('GONE');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect(emulator.requests.filter((r) => r.method === 'DELETE')).toEqual([]);
    expect(await ids()).toEqual(['GONE', 'STAYS']);

    await rowButton('GONE', 'Delete').click();
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await expect.poll(() => page.locator('#message').textContent()).toBe('Deleted GONE.');
    expect(await ids()).toEqual(['STAYS']);
    expect(emulator.snapshot('me').map((s) => s.id)).toEqual(['STAYS']);
  });

  test('ids and descriptions holding markup are shown as text and run nothing', async () => {
    const markup = [
      { id: '<script>window.__pwned="id-script"', value: 'v1', description: '<script>window.__pwned="desc-script"</script>' },
      // Ids hold no white space or "/" (src/ids.ts), so their markup is a tag without attributes.
      { id: '"><b>id-markup<b><iframe>', value: 'v2', description: '"><img src=x onerror=window.__pwned="desc-img">' },
    ];
    emulator.seed('alice', markup);
    await signedIn();
    // One more through the page's own form.
    await page.getByRole('button', { name: 'Create secret' }).click();
    await page.getByLabel('Name').fill("'><svg><b>ui-markup");
    await page.locator('#create-description').fill('<img src=x onerror=window.__pwned="ui-desc">');
    await page.getByLabel(/^Value/).fill('<script>window.__pwned="value"</script>');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await expect.poll(() => page.locator('#message').textContent()).toBe("Created '><svg><b>ui-markup.");

    const cells = await page.locator('#rows tr').evaluateAll((rows) =>
      rows.map((r) => [r.querySelector('td.id')?.textContent, r.querySelector('td.description')?.textContent]),
    );
    expect(cells).toEqual(
      expect.arrayContaining([
        [markup[0]?.id, markup[0]?.description],
        [markup[1]?.id, markup[1]?.description],
        ["'><svg><b>ui-markup", '<img src=x onerror=window.__pwned="ui-desc">'],
      ]),
    );
    // The value, the edit form and the delete dialog put them on the page as well.
    await rowButton("'><svg><b>ui-markup", 'View').click();
    await expect.poll(() => page.locator('#rows pre').textContent()).toBe('<script>window.__pwned="value"</script>');
    await rowButton(markup[1]?.id as string, 'Edit').click();
    expect(await page.locator('#edit-name').textContent()).toBe(markup[1]?.id);
    await rowButton(markup[0]?.id as string, 'Delete').click();
    expect(await page.locator('#confirm-name').textContent()).toBe(markup[0]?.id);
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();

    expect(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned)).toBeUndefined();
    expect(await page.locator('img, svg, b, iframe').count()).toBe(0);
    expect(await page.locator('script').count()).toBe(1);
    expect(requestUrls.filter((url) => url.endsWith('/x'))).toEqual([]);
  });

  test('a wrong token gets the sign-in again with Clarifai\'s message; the right one then works', async () => {
    const expected = asShown(await apiStatus('GET', `${SECRETS}?page=1&per_page=1000`, undefined, 'wrong-token'));
    expect(expected).toBe('Error: Invalid API key or Invalid API key/application pair (code 11008)');
    await signIn('wrong-token');
    await expect.poll(() => page.locator('#sign-in-error').textContent()).toBe(expected);
    expect(await page.locator('#secrets').isVisible()).toBe(false);
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    expect(await page.getByLabel('Personal access token').inputValue()).toBe('');

    await page.getByLabel('Personal access token').fill(TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#secrets').waitFor({ state: 'visible' });
  });

  test('a token refused in the middle of a session brings the sign-in back with the reason', async () => {
    emulator.seed('alice', [{ id: 'K', value: SEEDED }]);
    await signedIn();
    emulator.inject({ kind: 'error', status: 401, code: 11009 });
    await rowButton('K', 'View').click();
    await expect.poll(() => page.locator('#sign-in-error').textContent()).toBe('Error: API key not found (code 11009)');
    expect(await page.locator('#secrets').isVisible()).toBe(false);
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    expect(await page.content()).not.toContain(SEEDED);
  });

  test('other errors are shown as they come, and the session goes on', async () => {
    emulator.seed('alice', [{ id: 'K', value: SEEDED }]);
    await signedIn();
    emulator.inject({ kind: 'error', status: 503, code: 98004, details: 'planted detail <b>as text</b>' });
    await rowButton('K', 'View').click();
    await expect.poll(() => page.locator('#error').textContent()).toBe('Error: Internal server issue: planted detail <b>as text</b> (code 98004)');
    emulator.inject({ kind: 'raw', status: 502, body: '<html>bad gateway</html>', contentType: 'text/html' });
    await rowButton('K', 'View').click();
    await expect.poll(() => page.locator('#error').textContent()).toBe("Error: The server answered HTTP 502 without Clarifai's JSON.");
    await rowButton('K', 'View').click();
    await expect.poll(() => row('K').locator('pre').textContent()).toBe(SEEDED);
  });

  test('the token stays in this tab\'s session storage: never in a URL, a cookie, a log line or the page', async () => {
    emulator.seed('alice', [{ id: 'K', value: SEEDED }]);
    logLines.length = 0;
    await signedIn();
    expect(await page.evaluate(() => Object.entries(sessionStorage))).toEqual([['clarifai-emulator-token', TOKEN]]);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
    expect(await page.content()).not.toContain(TOKEN);
    expect(await page.getByLabel('Personal access token').inputValue()).toBe('');

    await rowButton('K', 'View').click();
    await rowButton('K', 'Copy').click();
    await expect.poll(() => page.locator('#message').textContent()).toContain('Copied');
    await page.reload();
    // Still signed in after a reload (same tab), without asking again.
    await expect.poll(() => ids()).toEqual(['K']);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.locator('#sign-in').waitFor({ state: 'visible' });
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);

    expect(requestUrls.length).toBeGreaterThan(4);
    for (const url of [...requestUrls, page.url()]) expect(url).not.toContain(TOKEN);
    expect(page.url()).toBe(`${emulator.url}/`);
    expect(await context.cookies()).toEqual([]);
    expect(await page.evaluate(() => document.cookie)).toBe('');
    expect(logLines.length).toBeGreaterThan(4);
    expect(logLines.join('\n')).not.toContain(TOKEN);
    const carried = emulator.requests.filter((r) => r.path.startsWith('/v2/'));
    expect(carried.length).toBeGreaterThan(0);
    for (const r of carried) {
      expect(r.headers['authorization']).toBe('Key <redacted>');
      expect(r.headers['referer']).toBeUndefined();
      expect(r.headers['cookie']).toBeUndefined();
    }
    // A new tab of the same browser does not have it.
    const other = await context.newPage();
    await other.goto(`${emulator.url}/`);
    expect(await other.evaluate(() => sessionStorage.length)).toBe(0);
  });

  test('everything works from the keyboard alone', async () => {
    await page.goto(`${emulator.url}/`);
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('token');
    await page.keyboard.type(TOKEN);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('Create secret');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('create-id');
    await page.keyboard.type('KEYS');
    await page.keyboard.press('Tab');
    await page.keyboard.type('typed');
    await page.keyboard.press('Tab');
    await page.keyboard.type('line one');
    await page.keyboard.press('Enter'); // a newline inside the value
    await page.keyboard.type('line two');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#message').textContent()).toBe('Created KEYS.');
    expect(emulator.snapshot('me')[0]).toMatchObject({ id: 'KEYS', value: 'line one\nline two', description: 'typed' });

    // Focus is on the new row's View button.
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('View the value of KEYS');
    await page.keyboard.press('Enter');
    await expect.poll(() => row('KEYS').locator('pre').textContent()).toBe('line one\nline two');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Hide the value of KEYS');
    await page.keyboard.press('Tab'); // Copy
    await page.keyboard.press('Tab'); // Edit
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('edit-description');
    await page.keyboard.press('Escape');
    expect(await page.locator('#edit-form').isVisible()).toBe(false);
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Edit KEYS');

    await rowButton('KEYS', 'Delete').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('Cancel');
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'hidden' });
    expect(emulator.snapshot('me')).toHaveLength(1);
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Delete KEYS');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Delete');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#message').textContent()).toBe('Deleted KEYS.');
    expect(emulator.snapshot('me')).toEqual([]);
  });
});
