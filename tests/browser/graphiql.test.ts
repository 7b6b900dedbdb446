import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureClientBuild } from '../../scripts/ensure-client-build.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { launchChromium, skipBrowserTests } from './chromium.js';

// The waits below add up to 50 s; the test's own timeout is longer, so a miss names its condition.
describe.skipIf(skipBrowserTests)('GraphiQL in Chromium', { timeout: 90_000 }, () => {
  let server: TestServer;
  let browser: Browser;
  beforeAll(async () => {
    await ensureClientBuild(); // GraphiQL's assets come from the build (src/server/graphiql.ts)
    server = await startTestServer();
    browser = await launchChromium();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("loads without a CDN and runs a subscription over the page's own WebSocket", async () => {
    const page = await browser.newPage();
    // Every URL the page fetches: all of them must be this server's (no CDN).
    const requested: string[] = [];
    page.on('request', (request) => requested.push(request.url()));
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
    expect(requested.length).toBeGreaterThan(1);
    expect(requested.filter((url) => !url.startsWith(`${server.url}/`) && !/^(data|blob):/.test(url))).toEqual([]);
    await page.close();
  });

  it('opens with the commented examples; a newcomer presses run, picks the subscription and sees frames of both symbols', async () => {
    // Tall enough for the editor to render every line of the examples (it only renders what is visible).
    const page = await browser.newPage({ viewport: { width: 1280, height: 2000 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    // No CDN: anything not served by this server is refused, and recorded.
    const foreign: string[] = [];
    await page.route(
      (url) => url.host !== new URL(server.url).host && url.protocol.startsWith('http'),
      (route) => {
        foreign.push(route.request().url());
        return route.abort();
      },
    );
    const frames: Array<{ symbol: string; seq: number }> = [];
    page.on('websocket', (ws) =>
      ws.on('framereceived', ({ payload }) => {
        const message = JSON.parse(String(payload));
        if (message.type === 'next' && message.payload.data) frames.push(message.payload.data.heatmapUpdated);
      }),
    );
    await page.goto(server.httpUrl);

    const editor = page.locator('.graphiql-query-editor');
    // The editor draws spaces as no-break spaces.
    const text = async () => (await editor.innerText()).replace(/\u00a0/g, ' ');
    await expect.poll(text, { timeout: 20_000 }).toMatch(/subscription LiveFrames/);
    const document = await text();
    for (const example of [
      /heatmapUpdated\(symbols: \["BTCUSDT", "ETHUSDT"\]\)/,
      /query Heatmap24h/,
      /query LatestSnapshot/,
      /docs\/api\.md/,
    ]) {
      expect(document).toMatch(example);
    }

    // Several operations: the run button offers them by name.
    await page.locator('.graphiql-execute-button').click();
    await page.getByRole('menuitem', { name: 'LiveFrames' }).click();
    await expect
      .poll(() => new Set(frames.map((frame) => frame.symbol)), { timeout: 20_000 })
      .toEqual(new Set(['BTCUSDT', 'ETHUSDT']));
    await expect.poll(() => frames.length, { timeout: 20_000 }).toBeGreaterThanOrEqual(4);
    await expect
      .poll(() => page.locator('.graphiql-response').innerText(), { timeout: 10_000 })
      .toMatch(/heatmapUpdated[\s\S]*levels/);
    expect(foreign).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });
});
