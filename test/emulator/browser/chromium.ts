/**
 * Real headless Chromium for the page tests: Debian's `chromium` package (installed by
 * .ci/run), driven by playwright-core, which downloads no browser of its own. Where the
 * browser is missing the tests skip and say so; under CI they fail instead, so a missing
 * install step cannot pass as green.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);

if (!hasChromium) {
  if (process.env['CI']) throw new Error(`${CHROMIUM} is missing: .ci/run installs it with apt-get install chromium`);
  console.warn(`SKIPPED: the browser tests of the emulator's page need ${CHROMIUM} (apt-get install chromium)`);
}

/**
 * Playwright starts the browser with a fresh temporary user-data-dir of its own, and every
 * test gets a new context (no storage, no cookies) on top.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
