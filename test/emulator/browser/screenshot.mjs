// Makes src/emulator/page/screenshot.png, the picture in the emulator's README: the built
// emulator with a few made-up secrets, signed in through the page in headless Chromium, one
// value shown. Run it with `npm run screenshot:emulator` after changing the page.
import { chromium } from 'playwright-core';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const { startEmulator } = await import(join(root, 'dist', 'emulator.js'));
const out = join(root, 'src', 'emulator', 'page', 'screenshot.png');

const emulator = await startEmulator({
  users: {
    'emulator-user': [
      { id: 'OPENAI_API_KEY', value: 'sk-demo-0000-not-a-real-key', description: 'OpenAI, production' },
      { id: 'DATABASE_URL', value: 'postgres://app:demo@db.internal:5432/app', description: 'Postgres, read-write' },
      { id: 'STRIPE_SECRET_KEY', value: 'sk_test_demo_not_real', description: 'Payments (test mode)' },
      { id: 'sentry-dsn', value: 'https://demo@o0.ingest.example/0' },
    ],
  },
});
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  // A second version of one secret, so the version column shows a change.
  await fetch(`${emulator.url}/v2/users/me/secrets`, {
    method: 'PATCH',
    headers: { authorization: 'Key emulator-pat', 'content-type': 'application/json' },
    body: JSON.stringify({ secret: [{ id: 'DATABASE_URL', value: 'postgres://app:demo2@db.internal:5432/app' }], action: 'overwrite' }),
  });
  const page = await browser.newPage({ viewport: { width: 1180, height: 560 }, colorScheme: 'light' });
  await page.goto(`${emulator.url}/`);
  await page.getByLabel('Personal access token').fill('emulator-pat');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#rows tr').first().waitFor();
  await page.getByRole('button', { name: 'View the value of DATABASE_URL' }).click();
  await page.locator('#rows pre').waitFor();
  await page.getByRole('button', { name: 'View the value of DATABASE_URL' }).waitFor({ state: 'detached' });
  await page.mouse.move(0, 0);
  await page.screenshot({ path: out });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
  await emulator.close();
}
