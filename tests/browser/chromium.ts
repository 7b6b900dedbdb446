import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const chromiumPath = '/usr/bin/chromium';

/** Debian's chromium; off CI a missing one skips the browser tests (with a reason), on CI it must be there. */
export const skipBrowserTests = !existsSync(chromiumPath) && process.env.CI !== 'true';
if (skipBrowserTests) console.warn(`Skipping browser tests: ${chromiumPath} is missing (apt-get install -y chromium)`);

/** `chromium.launch` gives every browser a fresh temporary profile (user-data dir), removed on close. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-gpu',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
    ],
  });
}
