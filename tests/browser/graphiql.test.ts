import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { launchChromium, skipBrowserTests } from './chromium.js';

describe.skipIf(skipBrowserTests)('GraphiQL in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  beforeAll(async () => {
    server = await startTestServer();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("loads without a CDN and runs a subscription over the page's own WebSocket", async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    const frames: string[] = [];
    const sockets: string[] = [];
    page.on('websocket', (ws) => {
      sockets.push(ws.url());
      ws.on('framereceived', ({ payload }) => {
        if (String(payload).includes('"type":"next"')) frames.push(String(payload));
      });
    });
    const query = 'subscription { heatmapUpdated(symbols: ["BTCUSDT"]) { symbol seq } }';
    await page.goto(`${server.httpUrl}?query=${encodeURIComponent(query)}`);
    await page.locator('.graphiql-execute-button').click({ timeout: 20_000 });
    await expect.poll(() => frames.length, { timeout: 20_000 }).toBeGreaterThanOrEqual(2);
    expect(sockets).toEqual([server.wsUrl]);
    const seqs = frames.map((f) => JSON.parse(f).payload.data.heatmapUpdated.seq as number);
    expect(seqs[1]).toBe(seqs[0]! + 1);
    await expect
      .poll(() => page.locator('.graphiql-response').innerText(), { timeout: 10_000 })
      .toMatch(/heatmapUpdated[\s\S]*BTCUSDT/);
    expect(errors).toEqual([]);
    await page.close();
  });
});
