import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../client/wait.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { launchChromium, skipBrowserTests } from './chromium.js';
import {
  chartSelector,
  chartState,
  fastTimings,
  hoverUntilTooltip,
  status,
  tooltipText,
  waitForNewerFrame,
  waitForPaintedChart,
  waitForPictureChange,
  waitForStatus,
} from './dashboard-page.js';

// The dashboard in real Chromium against the real server: what a trader sees, including the
// WebSocket → polling fallback and the way back.

/** Screenshots go here (ignored by git) to be looked at; docs/dashboard.png is refreshed from them by hand. */
const artifacts = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../.artifacts');

describe.skipIf(skipBrowserTests)('dashboard in Chromium', { timeout: 120_000 }, () => {
  let browser: Browser;
  let server: TestServer;
  const extraServers = new Set<TestServer>();
  const pages: Page[] = [];

  beforeAll(async () => {
    // client/dist is built once for the whole run (tests/support/global-setup.ts).
    // A day of history so the default 24h window is full (and the screenshot shows it).
    [browser, server] = await Promise.all([launchChromium(), startTestServer({ HISTORY_HOURS: '24' })]);
  }, 180_000);

  afterEach(async () => {
    await Promise.all(pages.splice(0).map((page) => page.close()));
    await Promise.all([...extraServers].map((extra) => extra.stop()));
    extraServers.clear();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  async function open(url: string, viewport = { width: 1280, height: 800 }) {
    const page = await browser.newPage({ viewport });
    pages.push(page);
    const consoleErrors: string[] = [];
    page.on('console', (message) => message.type() === 'error' && consoleErrors.push(message.text()));
    page.on('pageerror', (error) => consoleErrors.push(error.message));
    await page.goto(url);
    return { page, consoleErrors };
  }

  it('loads without console errors, draws a heatmap, is live, and the picture follows the frames', async () => {
    const { page, consoleErrors } = await open(`${server.url}/?symbols=BTCUSDT&${fastTimings}`);
    await waitForStatus(page, 'live');
    expect(await status(page)).toMatchObject({ tone: 'green', label: 'live' });

    const first = await waitForNewerFrame(page, 'BTCUSDT', null);
    const pixels = await waitForPaintedChart(page, 'BTCUSDT');

    await waitForNewerFrame(page, 'BTCUSDT', first.seq);
    await waitForPictureChange(page, 'BTCUSDT', pixels.digest);
    await expect.poll(() => page.getByTestId('last-update').textContent()).toMatch(/updated (just now|\d+ s ago)/);

    // Hover: time, the price bucket, long and short USD.
    const tooltip = await hoverUntilTooltip(
      page,
      'BTCUSDT',
      // BTCUSDT's tick is 0.1: prices show one decimal.
      /price [\d,]+\.\d – [\d,]+\.\d\s+long \$[\d.]+[KMB]? · short \$[\d.]+[KMB]?/,
    );
    expect(tooltip).toMatch(/^\d{2}-\d{2} \d{2}:\d{2}/);
    expect(consoleErrors).toEqual([]);
  });

  it("the exchange picker sums any subset of the exchanges; a cell's tooltip breaks it down by exchange and, live, by leverage", async () => {
    const { page, consoleErrors } = await open(`${server.url}/?symbols=BTCUSDT&${fastTimings}`);
    const books = () => page.getByTestId('exchanges-BTCUSDT').textContent();
    const pressed = async (exchange: string) =>
      (await page.getByTestId(`exchange-${exchange}`).getAttribute('aria-pressed')) === 'true';
    await waitForStatus(page, 'live');
    const all = await waitForNewerFrame(page, 'BTCUSDT', null);
    await expect.poll(books).toBe('binance + bybit + okx');
    expect(await pressed('ALL')).toBe(true);

    // Bybit off: Binance and OKX summed, a stream of its own (its own seq), remembered in the URL.
    await page.getByTestId('exchange-BYBIT').click();
    await expect.poll(books).toBe('binance + okx');
    expect([await pressed('ALL'), await pressed('BINANCE'), await pressed('BYBIT'), await pressed('OKX')]).toEqual([
      false,
      true,
      false,
      true,
    ]);
    expect(new URL(page.url()).searchParams.get('exchanges')).toBe('BINANCE,OKX');
    const pair = await waitForNewerFrame(page, 'BTCUSDT', null);
    await waitForNewerFrame(page, 'BTCUSDT', pair.seq);
    await waitForPaintedChart(page, 'BTCUSDT');

    // Hover the live column: the cell by exchange (Bybit left out), then by leverage tier.
    await hoverUntilTooltip(page, 'BTCUSDT', /long \$[\d.]+[KMB]? · short/);
    const breakdown = await waitFor(async () => {
      const text = await tooltipText(page, 'BTCUSDT');
      return /binance: long/.test(text) ? text : null;
    }, 'the breakdown in the tooltip');
    expect(breakdown).toMatch(/binance: long \$[\d.]+[KMB]? · short \$[\d.]+[KMB]?\s+okx: long/);
    expect(breakdown).not.toMatch(/bybit:/);
    expect(breakdown).toMatch(/by leverage \(live column\):\s+5x: long .*\s+10x: .*\s+25x: .*\s+50x: .*\s+100x: /);

    // One exchange alone, then all of them again.
    await page.getByTestId('exchange-BINANCE').click();
    await expect.poll(books).toBe('okx');
    await page.getByTestId('exchange-ALL').click();
    await expect.poll(books).toBe('binance + bybit + okx');
    expect(new URL(page.url()).searchParams.get('exchanges')).toBeNull();
    await waitForNewerFrame(page, 'BTCUSDT', all.seq);
    expect(consoleErrors).toEqual([]);
  });

  it('switches symbols and windows and draws each with its own price axis; fits a phone screen', async () => {
    const { page, consoleErrors } = await open(`${server.url}/?symbols=BTCUSDT&window=H24&${fastTimings}`);
    const inRange = (state: { yMin: number; yMax: number; currentPrice: number }) =>
      state.yMin < state.currentPrice && state.currentPrice < state.yMax;

    const btc = await waitForNewerFrame(page, 'BTCUSDT', null);
    expect(inRange(btc)).toBe(true);
    expect(btc.yMin).toBeGreaterThan(20_000); // BTC ~100k

    await page.getByTestId('symbol-ETHUSDT').click();
    const eth = await waitForNewerFrame(page, 'ETHUSDT', null);
    expect(inRange(eth)).toBe(true);
    expect(eth.yMax).toBeLessThan(20_000); // ETH ~3k
    expect(await page.locator('[data-testid="heatmap-chart"]').count()).toBe(2);
    // Both side by side with live frames: the picture for the README.
    await waitForNewerFrame(page, 'BTCUSDT', btc.seq);
    await waitForNewerFrame(page, 'ETHUSDT', eth.seq);
    await mkdir(artifacts, { recursive: true });
    await page.screenshot({ path: path.join(artifacts, 'dashboard-two-symbols.png') });

    await page.getByTestId('symbol-BTCUSDT').click();
    await page.locator(chartSelector('BTCUSDT')).waitFor({ state: 'detached' });

    for (const windowName of ['D3', 'H12'] as const) {
      await page.getByTestId(`window-${windowName}`).click();
      const drawn = await waitFor(async () => {
        const state = await chartState(page, 'ETHUSDT');
        return state?.window === windowName ? state : null;
      }, `ETHUSDT in ${windowName}`);
      expect(inRange(drawn)).toBe(true);
      expect(drawn.yMax).toBeLessThan(20_000);
      const debug = await page.evaluate(
        () => (window as unknown as { __heatmapDebug?: Record<string, { from: string }> }).__heatmapDebug?.ETHUSDT,
      );
      const truth = await fetch(server.httpUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          query: `{ heatmap(symbol: "ETHUSDT", window: ${windowName}) { from intervalSeconds } }`,
        }),
      }).then(
        (response) => response.json() as Promise<{ data: { heatmap: { from: string; intervalSeconds: number } } }>,
      );
      // Same column grid as the server's (allowing one column boundary to pass in between).
      expect(Math.abs(Date.parse(truth.data.heatmap.from) - Date.parse(debug!.from))).toBeLessThanOrEqual(
        truth.data.heatmap.intervalSeconds * 1000,
      );
    }
    expect(page.url()).toContain('symbols=ETHUSDT');
    expect(page.url()).toContain('window=H12');

    await page.setViewportSize({ width: 390, height: 844 });
    await waitFor(
      async () => ((await page.locator(chartSelector('ETHUSDT')).boundingBox())?.width ?? 1e9) <= 390,
      'chart within the phone width',
    );
    await waitFor(
      async () => (await page.evaluate(() => document.documentElement.scrollWidth)) <= 390,
      'no horizontal scrolling',
    );
    for (const id of ['connection-status', 'symbol-picker', 'window-picker', 'clip-control'])
      await expect.poll(() => page.getByTestId(id).isVisible()).toBe(true);
    await waitForPaintedChart(page, 'ETHUSDT');
    expect(consoleErrors).toEqual([]);
  });

  it('at 390×844 the chart fills its panel and the controls sit under the thumb; at 1280×800 the chart fills its panel', async () => {
    for (const { width, height, phone } of [
      { width: 390, height: 844, phone: true },
      { width: 1280, height: 800, phone: false },
    ]) {
      const page = await browser.newPage({ viewport: { width, height }, isMobile: phone, hasTouch: phone });
      pages.push(page);
      await page.goto(`${server.url}/?symbols=BTCUSDT&${fastTimings}`);
      await waitForPaintedChart(page, 'BTCUSDT');
      const layout = () =>
        page.evaluate(() => {
          const box = (selector: string) => document.querySelector(selector)!.getBoundingClientRect();
          const controls = [
            ...document.querySelectorAll('[data-testid="symbol-picker"] button, [data-testid="window-picker"] button'),
            document.querySelector('[data-testid="clip-control"]')!,
            document.querySelector('[data-testid="side-picker"]')!,
          ].map((element) => element.getBoundingClientRect());
          return {
            panel: box('[data-testid^="panel-"]'),
            chart: box('[data-testid="heatmap-chart"]'),
            controls: controls.map(({ top, bottom, width: w, height: h }) => ({ top, bottom, width: w, height: h })),
            scrollWidth: document.documentElement.scrollWidth,
            scrollHeight: document.documentElement.scrollHeight,
          };
        });
      // The chart reaches the panel's bottom (inside its 1px border): no empty block under it.
      await expect
        .poll(async () => {
          const { panel, chart } = await layout();
          return panel.bottom - chart.bottom;
        })
        .toBeLessThanOrEqual(2);
      const { chart, controls, scrollWidth, scrollHeight } = await layout();
      // One screen: nothing to scroll, either way.
      expect([scrollWidth, scrollHeight]).toEqual([width, height]);
      expect(chart.height).toBeGreaterThan(0.6 * height);
      if (phone) {
        // Touch-sized (44 px, Apple's and WCAG 2.5.5's minimum), below the chart, on screen.
        expect(controls.filter((c) => c.height < 44 || c.width < 44)).toEqual([]);
        expect(controls.every((c) => c.top >= chart.bottom && c.bottom <= height)).toBe(true);
      }
      await mkdir(artifacts, { recursive: true });
      await page.screenshot({ path: path.join(artifacts, `dashboard-${width}x${height}.png`) });
    }
  });

  it('at 390×844 several symbols stack one screen each: the next one peeks in and scrolls into view', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    pages.push(page);
    await page.goto(`${server.url}/?symbols=BTCUSDT,ETHUSDT&${fastTimings}`);
    await waitForPaintedChart(page, 'BTCUSDT');
    const boxes = () =>
      page.evaluate(() => {
        const box = (selector: string) => document.querySelector(selector)!.getBoundingClientRect().toJSON();
        return {
          panels: box('.panels') as DOMRect,
          eth: box('[data-testid="panel-ETHUSDT"]') as DOMRect,
          scrollHeight: document.documentElement.scrollHeight,
        };
      });
    const before = await boxes();
    expect(before.scrollHeight).toBe(844);
    // ETHUSDT's header shows at the bottom of the charts' area, above the controls.
    expect(before.eth.top).toBeLessThan(before.panels.bottom - 20);
    expect(before.eth.top).toBeGreaterThan(before.panels.top + 0.6 * before.panels.height);
    await page.getByTestId('panel-ETHUSDT').scrollIntoViewIfNeeded();
    // Scrolled to: the whole panel in view within the charts' area.
    await expect
      .poll(async () => {
        const { eth, panels } = await boxes();
        return eth.top >= panels.top - 1 && eth.bottom <= panels.bottom + 1;
      })
      .toBe(true);
    await waitForPaintedChart(page, 'ETHUSDT');
    await page.screenshot({ path: path.join(artifacts, 'dashboard-390x844-second-symbol.png') });
  });

  it('WebSocket aborted by the page route: polling after 3 failures, chart keeps updating, live again when it works', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    pages.push(page);
    let blocked = true;
    let attempts = 0;
    await page.routeWebSocket(/\/graphql$/, async (socket) => {
      attempts++;
      if (blocked) await socket.close({ code: 1013, reason: 'blocked by the test' });
      else socket.connectToServer();
    });
    await page.goto(`${server.url}/?symbols=BTCUSDT&${fastTimings}`);

    await waitForStatus(page, 'polling');
    expect(attempts).toBeGreaterThanOrEqual(3);
    expect(await status(page)).toMatchObject({ tone: 'amber', label: 'polling' });

    const polled = await waitForNewerFrame(page, 'BTCUSDT', null);
    const pixels = await waitForPaintedChart(page, 'BTCUSDT');
    await waitForNewerFrame(page, 'BTCUSDT', polled.seq);
    await waitForPictureChange(page, 'BTCUSDT', pixels.digest);
    expect((await status(page)).status).toBe('polling');

    blocked = false;
    await waitForStatus(page, 'live');
    expect(await status(page)).toMatchObject({ tone: 'green', label: 'live' });
    const streamed = await chartState(page, 'BTCUSDT');
    await waitForNewerFrame(page, 'BTCUSDT', streamed!.seq);
  });

  // Three exchanges' 30 days take a while on a busy machine: this test has its own, longer limit.
  it(
    'a window still loading its history says so, and its columns fill in as they arrive',
    { timeout: 300_000 },
    async () => {
      // An hour before the first frame, the month in the background: three exchanges' 30 days take a while.
      const filling = await startTestServer({
        SYMBOLS: 'BTCUSDT',
        HISTORY_HOURS: '720',
        HISTORY_START_HOURS: '1',
      });
      extraServers.add(filling);
      const { page, consoleErrors } = await open(`${filling.url}/?symbols=BTCUSDT&window=D30&${fastTimings}`);
      const columns = () =>
        page.evaluate(
          () =>
            (window as unknown as { __heatmapDebug?: Record<string, { columns: number }> }).__heatmapDebug?.BTCUSDT
              ?.columns ?? 0,
        );
      const label = page.getByTestId('history-loading-BTCUSDT');
      await expect.poll(() => label.textContent(), { timeout: 30_000 }).toMatch(/^history loading, \d+ of 30 days$/);
      await expect.poll(columns, { timeout: 30_000 }).toBeGreaterThan(0);
      const whileLoading = await columns();

      // Loaded: the label goes and the chart shows the whole month.
      await expect.poll(() => label.count(), { timeout: 240_000 }).toBe(0);
      await expect.poll(columns, { timeout: 30_000 }).toBe(180);
      expect(whileLoading).toBeLessThan(180);
      expect(consoleErrors).toEqual([]);
    },
  );

  it('server with WebSocket disabled (503): polling at once; after a restart with WebSocket: live', async () => {
    let refusing = await startTestServer({ WS_ENABLED: 'false' });
    extraServers.add(refusing);
    const { page } = await open(`${refusing.url}/?symbols=ETHUSDT&${fastTimings}`);

    await waitForStatus(page, 'polling');
    expect(await status(page)).toMatchObject({ tone: 'amber', label: 'polling' });
    const polled = await waitForNewerFrame(page, 'ETHUSDT', null);
    await waitForNewerFrame(page, 'ETHUSDT', polled.seq);

    extraServers.delete(refusing);
    await refusing.stop();
    refusing = await startTestServer({ PORT: String(refusing.port) });
    extraServers.add(refusing);
    await waitForStatus(page, 'live');
    expect(await status(page)).toMatchObject({ tone: 'green', label: 'live' });
    const live = await chartState(page, 'ETHUSDT');
    // The restarted server starts its seq over; the page must keep drawing its frames.
    await waitFor(async () => {
      const state = await chartState(page, 'ETHUSDT');
      return state && state.redraws > live!.redraws + 2;
    }, 'frames from the restarted server');
  });
});
