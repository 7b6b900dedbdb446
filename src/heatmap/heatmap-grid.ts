import type { Column } from './columns.js';
import type { PriceBuckets } from './price-buckets.js';
import type { Heatmap, LiquidationMarker, WindowName } from './types.js';

/** Rows of the price axis at most: one screen's worth. */
export const MAX_ROWS = 300;
/**
 * The axis spans the window's price range ±10%: enough for the 10x levels (±9.6%) and everything more
 * leveraged opened anywhere in the window; the 5x levels (±19.6%) show once the price moves towards them.
 */
export const AXIS_MARGIN = 0.1;
/**
 * Cells kept at most, the largest by USD: ~20 bytes each keeps a 24h heatmap under 300 KB of JSON.
 * The dropped ones are the faintest, below what a colour scale shows next to the largest.
 */
export const MAX_CELLS = 10_000;

export interface HeatmapInput {
  symbol: string;
  window: WindowName;
  interval: number;
  /** Closed columns then the open one, consecutive. */
  columns: Column[];
  buckets: PriceBuckets;
  liquidations: LiquidationMarker[];
  currentPrice: number;
}

/** The time × price grid of a window: rows group whole buckets, cells are summed per row, sparse. */
export function buildHeatmap(input: HeatmapInput): Heatmap {
  const { columns, buckets, interval, currentPrice } = input;
  const from = columns[0]!.start;
  const candles = columns.flatMap((c) => (c.candle ? [c.candle] : []));

  let low = currentPrice;
  let high = currentPrice;
  for (const candle of candles) {
    if (candle.low < low) low = candle.low;
    if (candle.high > high) high = candle.high;
  }
  let dataLow = Infinity;
  let dataHigh = -Infinity;
  for (const { book } of columns) {
    if (book.buckets.length === 0) continue;
    dataLow = Math.min(dataLow, book.buckets[0]!);
    dataHigh = Math.max(dataHigh, book.buckets[book.buckets.length - 1]!);
  }
  // The price range ± margin, clipped to where USD is, but never narrower than the price range itself.
  const lowBucket = Math.max(buckets.indexOf(low * (1 - AXIS_MARGIN)), Math.min(dataLow, buckets.indexOf(low)));
  const highBucket = Math.min(buckets.indexOf(high * (1 + AXIS_MARGIN)), Math.max(dataHigh, buckets.indexOf(high)));
  const span = highBucket - lowBucket + 1;
  // Aligning rows to multiples of the row height may add one row, hence MAX_ROWS − 1.
  const perRow = span <= MAX_ROWS ? 1 : Math.ceil(span / (MAX_ROWS - 1));
  const firstRow = Math.floor(lowBucket / perRow);
  const rows = Math.floor(highBucket / perRow) - firstRow + 1;

  const cells: Array<[number, number, number, number]> = [];
  const sums = new Float64Array(2 * rows);
  columns.forEach(({ book }, column) => {
    for (let i = 0; i < book.buckets.length; i++) {
      const bucket = book.buckets[i]!;
      if (bucket < lowBucket || bucket > highBucket) continue;
      const row = Math.floor(bucket / perRow) - firstRow;
      sums[2 * row]! += book.long[i]!;
      sums[2 * row + 1]! += book.short[i]!;
    }
    for (let row = 0; row < rows; row++) {
      const long = Math.round(sums[2 * row]!);
      const short = Math.round(sums[2 * row + 1]!);
      if (long !== 0 || short !== 0) cells.push([column, row, long, short]);
      sums[2 * row] = 0;
      sums[2 * row + 1] = 0;
    }
  });

  return {
    symbol: input.symbol,
    window: input.window,
    interval,
    from,
    to: from + columns.length * interval,
    columns: columns.length,
    priceMin: buckets.priceOf(firstRow * perRow),
    rowStep: buckets.priceOf(perRow),
    rows,
    cells: largestCells(cells, MAX_CELLS),
    candles,
    liquidations: input.liquidations,
    positionsCreated: columns.map((c) => c.created),
    positionsConsumed: columns.map((c) => c.consumed),
    currentPrice,
  };
}

/** The `limit` cells with the most USD, in their original order. */
function largestCells(cells: Array<[number, number, number, number]>, limit: number): Array<[number, number, number, number]> {
  if (cells.length <= limit) return cells;
  const totals = Float64Array.from(cells, (c) => c[2] + c[3]);
  const threshold = Float64Array.from(totals).sort()[cells.length - limit]!;
  let above = 0;
  for (const total of totals) if (total > threshold) above++;
  let ties = limit - above;
  return cells.filter((_, i) => totals[i]! > threshold || (totals[i] === threshold && ties-- > 0));
}
