import type { Page } from 'playwright-core';
import { waitFor } from '../client/wait.js';

/** Test-speed timings for the dashboard's connection (the page reads them from its query string). */
export const fastTimings = 'backoffBaseMs=200&backoffMaxMs=1000&pollMs=500';

export const chartSelector = (symbol: string) => `[data-testid="heatmap-chart"][data-symbol="${symbol}"]`;

export interface ChartState {
  window: string;
  yMin: number;
  yMax: number;
  currentPrice: number;
  seq: number | null;
  redraws: number;
}

/** What the chart says about itself (DOM data attributes), once it has drawn. */
export async function chartState(page: Page, symbol: string): Promise<ChartState | null> {
  const data = await page
    .locator(chartSelector(symbol))
    .evaluate((element: HTMLElement) => ({ ...element.dataset }))
    .catch(() => null);
  if (!data?.redraws) return null;
  return {
    window: data.window ?? '',
    yMin: Number(data.yMin),
    yMax: Number(data.yMax),
    currentPrice: Number(data.currentPrice),
    seq: data.seq ? Number(data.seq) : null,
    redraws: Number(data.redraws),
  };
}

export interface Pixels {
  /** Share of pixels that differ from the chart background. */
  painted: number;
  /** Distinct colors (capped at 1000). */
  colors: number;
  /** Hash of all pixels: changes when the picture does. */
  digest: number;
}

/**
 * Reads the chart's pixels in the page. ECharts draws on stacked canvases (base, the large heatmap
 * layer, overlays), so a pixel counts as painted when any layer paints it.
 */
export function chartPixels(page: Page, symbol: string): Promise<Pixels> {
  return page.locator(chartSelector(symbol)).evaluate((chart: HTMLElement) => {
    const layers = [...chart.querySelectorAll('canvas')].map(
      (canvas) =>
        canvas.getContext('2d', { willReadFrequently: true })!.getImageData(0, 0, canvas.width, canvas.height).data,
    );
    // No canvas yet (the chart element is there before ECharts has sized and drawn it): nothing painted.
    // Without this, Math.min() of no lengths is Infinity and the loop below never ends, hanging the page.
    if (layers.length === 0) return { painted: 0, colors: 0, digest: 0 };
    const background = [0x0b, 0x07, 0x16];
    const colors = new Set<number>();
    let painted = 0;
    let digest = 2166136261;
    const pixelCount = Math.min(...layers.map((layer) => layer.length)) / 4;
    for (let p = 0; p < pixelCount; p++) {
      let isPainted = false;
      for (const data of layers) {
        const i = p * 4;
        const [r, g, b, a] = [data[i]!, data[i + 1]!, data[i + 2]!, data[i + 3]!];
        if (a === 0) continue;
        if (Math.abs(r - background[0]!) + Math.abs(g - background[1]!) + Math.abs(b - background[2]!) > 12)
          isPainted = true;
        if (colors.size < 1000) colors.add((r << 16) | (g << 8) | b);
        digest = Math.imul(digest ^ (r * 65599 + g * 257 + b + p), 16777619);
      }
      if (isPainted) painted++;
    }
    return { painted: painted / pixelCount, colors: colors.size, digest };
  });
}

/** The status indicator as the user reads it (no waiting: absent parts read as ''). */
export function status(page: Page): Promise<{ status: string; tone: string; label: string; message: string }> {
  return page.evaluate(() => {
    const badge = document.querySelector<HTMLElement>('[data-testid="connection-status"]');
    const text = (testId: string) => badge?.querySelector(`[data-testid="${testId}"]`)?.textContent ?? '';
    return {
      status: badge?.dataset.status ?? '',
      tone: badge?.dataset.tone ?? '',
      label: text('status-label'),
      message: text('status-message'),
    };
  });
}

export function waitForStatus(page: Page, expected: string, timeoutMs = 30_000) {
  return waitFor(async () => (await status(page)).status === expected, `status ${expected}`, timeoutMs, 100);
}

/** Waits until the chart has drawn a frame with a higher seq than `afterSeq`. */
export function waitForNewerFrame(page: Page, symbol: string, afterSeq: number | null, timeoutMs = 30_000) {
  return waitFor(
    async () => {
      const state = await chartState(page, symbol);
      return state && state.seq !== null && (afterSeq === null || state.seq > afterSeq) ? state : null;
    },
    `${symbol} frame after seq ${afterSeq}`,
    timeoutMs,
    100,
  );
}

/** Waits until the picture of the chart differs from `digest`. */
export function waitForPictureChange(page: Page, symbol: string, digest: number, timeoutMs = 30_000) {
  return waitFor(
    async () => {
      const pixels = await chartPixels(page, symbol);
      return pixels.digest !== digest ? pixels : null;
    },
    `${symbol} picture to change`,
    timeoutMs,
    200,
  );
}

/** The chart's plot area inside its container (the grid margins of chart-option.ts). */
const plotMargins = { left: 72, right: 16, top: 12, bottom: 36 };

/** The chart's tooltip as the user reads it now ('' when none shows). */
export function tooltipText(page: Page, symbol: string): Promise<string> {
  return page
    .locator(chartSelector(symbol))
    .evaluate(
      (chart: HTMLElement) =>
        [...chart.querySelectorAll('div')]
          .map((div) => div.innerText)
          .find((candidate) => candidate && !candidate.includes('\n\n')) ?? '',
    );
}

/**
 * Moves the mouse over the chart's plot area (newest columns first) until a tooltip matching
 * `pattern` shows; returns its text.
 */
export async function hoverUntilTooltip(page: Page, symbol: string, pattern: RegExp): Promise<string> {
  const box = (await page.locator(chartSelector(symbol)).boundingBox())!;
  const right = box.x + box.width - plotMargins.right - 2;
  const bottom = box.y + box.height - plotMargins.bottom - 2;
  for (let x = right; x > box.x + plotMargins.left; x -= 23) {
    for (let y = box.y + plotMargins.top + 2; y < bottom; y += 3) {
      await page.mouse.move(x, y);
      const text = await tooltipText(page, symbol);
      if (pattern.test(text)) return text;
    }
  }
  throw new Error(`No tooltip matching ${pattern} over ${symbol}`);
}

/**
 * Waits until the chart shows a real heatmap: a good share of painted pixels in many colors. (ECharts
 * paints a large heatmap over several animation frames, so a single read can catch it half done.)
 */
export function waitForPaintedChart(page: Page, symbol: string, timeoutMs = 30_000): Promise<Pixels> {
  return waitFor(
    async () => {
      const pixels = await chartPixels(page, symbol);
      return pixels.painted > 0.1 && pixels.colors > 20 ? pixels : null;
    },
    `${symbol} heatmap painted`,
    timeoutMs,
    200,
  );
}
