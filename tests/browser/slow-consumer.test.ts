import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../client/wait.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { launchChromium, skipBrowserTests } from './chromium.js';
import { fastTimings, status, waitForNewerFrame, waitForStatus } from './dashboard-page.js';

// The dashboard in Chromium behind a TCP proxy that stops carrying bytes for a while, as a stalled
// network or a frozen tab would: the server sees a reader that does not answer its pings, drops
// frames for it (latest wins) and, once bytes flow again, sends its next frame with the
// SLOW_CONSUMER warning. The trader sees "Connection slow - may miss updates", then live again.
describe.skipIf(skipBrowserTests)('a slow connection on the dashboard', { timeout: 120_000 }, () => {
  let server: TestServer;
  let proxy: TcpProxy;
  let browser: Browser;
  beforeAll(async () => {
    server = await startTestServer({ WS_KEEPALIVE: '1', WS_STUCK_TIMEOUT: '60' });
    proxy = await TcpProxy.start(server.port);
    browser = await launchChromium();
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await proxy?.close();
    await server?.stop();
  });

  const dropped = async () =>
    ((await (await fetch(`${server.url}/stats`)).json()) as { droppedFrames: number }).droppedFrames;

  it('shows "Connection slow - may miss updates" after frames were dropped for it, then live again', async () => {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${proxy.port}/?symbols=BTCUSDT&${fastTimings}`);
    await waitForStatus(page, 'live');
    // 'live' comes with the connection's ack; a newer frame than the first proves the subscription is
    // registered with the fan-out. Stalled before that, the socket is only a dead peer, terminated.
    const first = await waitForNewerFrame(page, 'BTCUSDT', null);
    await waitForNewerFrame(page, 'BTCUSDT', first.seq);
    const before = await dropped();

    proxy.blackHole();
    await waitFor(async () => (await dropped()) > before, 'frames dropped for the stalled page', 30_000);
    proxy.restore();

    await waitForStatus(page, 'slow');
    expect(await status(page)).toMatchObject({
      tone: 'amber',
      label: 'slow',
      message: 'Connection slow - may miss updates',
    });
    await waitForStatus(page, 'live');
    const state = await waitForNewerFrame(page, 'BTCUSDT', null);
    await waitForNewerFrame(page, 'BTCUSDT', state.seq);
    await page.close();
  });
});
