import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureClientBuild } from '../../scripts/ensure-client-build.js';
import type { GraphiqlManifest } from '../../src/server/graphiql-manifest.js';
import { waitFor } from '../client/wait.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { WireMeter } from '../support/wire-meter.js';
import { launchChromium, skipBrowserTests } from './chromium.js';
import { waitForNewerFrame, waitForStatus } from './dashboard-page.js';

// What a browser really receives, counted on the wire by a relay in front of the server: Chromium
// negotiates the encoding itself (it offers br and gzip), caches what the server lets it cache and
// revalidates the rest. The budgets are docs/benchmarks.md's HTTP figures.

describe.skipIf(skipBrowserTests)('bytes on the wire in Chromium', { timeout: 120_000 }, () => {
  let browser: Browser;
  let server: TestServer;
  let meter: WireMeter;
  let manifest: GraphiqlManifest;

  beforeAll(async () => {
    await ensureClientBuild();
    manifest = JSON.parse(readFileSync('client/dist/graphiql-assets.json', 'utf8')) as GraphiqlManifest;
    // A day of history, so the dashboard's default 24 h heatmap is full size.
    [browser, server] = await Promise.all([launchChromium(), startTestServer({ HISTORY_HOURS: '24' })]);
    meter = await WireMeter.start(server.port);
  }, 180_000);

  afterAll(async () => {
    await meter?.stop();
    await browser?.close();
    await server?.stop();
  });

  /** Resolves once every GraphiQL worker script has been fetched (from the network or the cache). */
  function workersLoaded(context: BrowserContext) {
    const pending = new Set(Object.values(manifest.workers));
    context.on('requestfinished', (request) => pending.delete(new URL(request.url()).pathname));
    return () => pending.size === 0;
  }

  it('GraphiQL: at most 1.5 MB on a first visit and 150 KB on a reload, and it runs a query', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    meter.reset();

    let loaded = workersLoaded(context);
    await page.goto(`${meter.url}/graphql?query=${encodeURIComponent('{ symbols { symbol } }')}`);
    await page.locator('.graphiql-execute-button').waitFor({ timeout: 30_000 });
    await waitFor(loaded, 'the GraphiQL workers', 30_000);
    const first = meter.reset();

    loaded = workersLoaded(context);
    await page.reload();
    await page.locator('.graphiql-execute-button').waitFor({ timeout: 30_000 });
    await waitFor(loaded, 'the GraphiQL workers after reload', 30_000);
    const reload = meter.reset();

    await page.locator('.graphiql-execute-button').click();
    await expect.poll(() => page.locator('.graphiql-response').innerText(), { timeout: 20_000 }).toMatch(/BTCUSDT/);
    console.log(
      `GraphiQL on the wire: first visit ${first.httpDistinct} B (${first.http} B with duplicate fetches), reload ${reload.httpDistinct} B (${reload.http} B)`,
    );
    expect(first.httpDistinct).toBeLessThanOrEqual(1_500_000);
    expect(reload.httpDistinct).toBeLessThanOrEqual(150_000);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('dashboard: at most 450 KB of HTTP on a first visit, its 24 h heatmap included', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const heatmapBytes: number[] = [];
    page.on('requestfinished', async (request) => {
      if (
        request.url().includes('/graphql') &&
        /heatmap\(/.test(decodeURIComponent(request.url()) + (request.postData() ?? ''))
      )
        heatmapBytes.push((await request.sizes()).responseBodySize);
    });
    meter.reset();
    await page.goto(`${meter.url}/?symbols=BTCUSDT&window=H24`);
    await waitForStatus(page, 'live');
    await waitForNewerFrame(page, 'BTCUSDT', null);
    await waitFor(() => heatmapBytes.length > 0, 'the heatmap response');
    const first = meter.reset();
    console.log(
      `dashboard on the wire: first visit ${first.httpDistinct} B of HTTP (${first.http} B with repeated fetches; 24 h heatmap ${heatmapBytes[0]} B), ${first.websocket} B of WebSocket`,
    );
    expect(first.httpDistinct).toBeLessThanOrEqual(450_000);
    expect(heatmapBytes[0]).toBeLessThanOrEqual(60_000);
    await context.close();
  });
});
