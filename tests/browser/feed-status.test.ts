import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { waitFor } from '../client/wait.js';
import { startFedExchange } from '../support/fed-exchange.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { launchChromium, skipBrowserTests } from './chromium.js';
import { fastTimings, waitForStatus } from './dashboard-page.js';

// A trader sees the exchange feed's trouble on the dashboard, not only the WebSocket's.
describe.skipIf(skipBrowserTests)(
  'feed state on the dashboard (live Binance source, fake exchange)',
  { timeout: 90_000 },
  () => {
    let fed: Awaited<ReturnType<typeof startFedExchange>>;
    let server: TestServer;
    let browser: Browser;
    let page: Page;
    beforeAll(async () => {
      fed = await startFedExchange();
      server = await startTestServer(fed.serverEnv);
      browser = await launchChromium();
      page = await browser.newPage();
    }, 90_000);
    afterAll(async () => {
      await browser?.close();
      await server?.stop();
      await fed?.close();
    });

    const feedState = () =>
      page
        .locator('[data-testid="feed-status"]')
        .getAttribute('data-state')
        .catch(() => null);

    it('shows the feed degraded with the reason while the exchange stalls, and live again after', async () => {
      await page.goto(`${server.url}/?${fastTimings}`);
      await waitForStatus(page, 'live');
      await waitFor(async () => (await feedState()) === 'LIVE', 'feed live');
      fed.exchange.refuseConnections(true);
      fed.exchange.stall();
      await waitFor(async () => (await feedState()) === 'DEGRADED', 'feed degraded');
      await waitFor(
        async () => /stalled|connection closed/.test(await page.locator('[data-testid="feed-status"]').innerText()),
        'the reason shown',
      );
      await waitForStatus(page, 'live'); // the dashboard's own connection is fine meanwhile
      fed.exchange.refuseConnections(false);
      await waitFor(async () => (await feedState()) === 'LIVE', 'feed live again', 30_000);
    });
  },
);
