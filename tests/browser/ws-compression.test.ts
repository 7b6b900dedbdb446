import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureClientBuild } from '../../scripts/ensure-client-build.js';
import { waitFor } from '../client/wait.js';
import { frameKey, plainReplay } from '../support/graphql-clients.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { launchChromium, skipBrowserTests } from './chromium.js';
import { waitForNewerFrame } from './dashboard-page.js';

// The dashboard in real Chromium, which offers permessage-deflate on its own: the server compresses
// its frames once for all such clients, Chromium inflates them, and they are exactly the messages
// a client without the extension reads for the same seq.

describe.skipIf(skipBrowserTests)('permessage-deflate in Chromium', { timeout: 120_000 }, () => {
  let browser: Browser;
  let server: TestServer;

  beforeAll(async () => {
    await ensureClientBuild();
    [browser, server] = await Promise.all([launchChromium(), startTestServer()]);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('the dashboard negotiates it and reads the same messages as a plain client', async () => {
    const page = await browser.newPage();
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    let extensions: string | undefined;
    cdp.on('Network.webSocketHandshakeResponseReceived', ({ response }) => {
      const headers = response.headers as Record<string, string>;
      extensions = Object.entries(headers).find(([name]) => name.toLowerCase() === 'sec-websocket-extensions')?.[1];
    });
    const sent: string[] = [];
    const received: string[] = [];
    page.on('websocket', (ws) => {
      ws.on('framesent', ({ payload }) => sent.push(String(payload)));
      ws.on('framereceived', ({ payload }) => received.push(String(payload)));
    });
    await page.goto(`${server.url}/?symbols=BTCUSDT`);
    await waitForNewerFrame(page, 'BTCUSDT', null);
    expect(extensions).toMatch(/permessage-deflate/);
    expect(extensions).toMatch(/server_no_context_takeover/);

    const subscribe = await waitFor(() => sent.find((m) => m.includes('"type":"subscribe"')), 'the subscribe');
    const plain = await plainReplay(server.wsUrl, subscribe);
    const nexts = () => received.filter((m) => m.includes('"type":"next"'));
    const common = await waitFor(() => {
      const plainKeys = new Set(plain.nexts().map(frameKey));
      const both = nexts().filter((m) => plainKeys.has(frameKey(m)));
      return both.length >= 3 ? both : null;
    }, 'three frames read by both');
    for (const message of common) expect(plain.nexts().find((m) => frameKey(m) === frameKey(message))).toBe(message);
    plain.ws.close();
    await page.close();
  });
});
