import type { Column } from './columns.js';
import { largestMask } from './largest.js';
import type { PriceBuckets } from './price-buckets.js';
import type { Exchange } from '../market/source.js';
import type { Heatmap, LiquidationMarker, WindowName } from './types.js';

/** Rows of the price axis at most: one screen's worth. */
export const MAX_ROWS = 300;
/**
 * The axis spans the window's price range and the buckets that hold the window's USD (summed over its
 * columns) but for this share at each end: stray far levels cannot stretch it, while every leverage tier
 * with a weight above 1% shows, the 5x levels at ±20% included (docs/model.md).
 */
export const AXIS_TAIL = 0.005;
/**
 * Cells kept at most, the largest by USD: ~20 bytes each keeps a 24h heatmap under 300 KB of JSON.
 * The dropped ones are the faintest, below what a colour scale shows next to the largest.
 */
export const MAX_CELLS = 10_000;

export interface HeatmapInput {
  symbol: string;
  /** The exchanges whose books the columns hold. */
  exchanges: Exchange[];
  window: WindowName;
  interval: number;
  /** Closed columns then the open one, consecutive. */
  columns: Column[];
  buckets: PriceBuckets;
  liquidations: LiquidationMarker[];
  currentPrice: number;
  /** Where the books' history starts (their first event): the window has data from here or its first column. */
  historyFrom: number;
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
  const usd = usdExtent(columns);
  const lowBucket = Math.min(usd?.low ?? Infinity, buckets.indexOf(low));
  const highBucket = Math.max(usd?.high ?? -Infinity, buckets.indexOf(high));
  const span = highBucket - lowBucket + 1;
  // Aligning rows to multiples of the row height may add one row, hence MAX_ROWS − 1.
  const perRow = span <= MAX_ROWS ? 1 : Math.ceil(span / (MAX_ROWS - 1));
  const firstRow = Math.floor(lowBucket / perRow);
  const rows = Math.floor(highBucket / perRow) - firstRow + 1;

  // Cells go to flat typed arrays first: most of them are dropped by the MAX_CELLS cut, so they never become tuples.
  const found = new CellBuffer(columns.length * rows);
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
      if (long !== 0 || short !== 0) found.push(column, row, long, short);
      sums[2 * row] = 0;
      sums[2 * row + 1] = 0;
    }
  });

  return {
    symbol: input.symbol,
    exchanges: input.exchanges,
    window: input.window,
    interval,
    from,
    to: from + columns.length * interval,
    coverageFrom: Math.max(from, input.historyFrom),
    columns: columns.length,
    priceMin: buckets.priceOf(firstRow * perRow),
    rowStep: buckets.priceOf(perRow),
    rows,
    ...found.largest(MAX_CELLS),
    candles,
    liquidations: input.liquidations,
    positionsCreated: columns.map((c) => c.created),
    positionsConsumed: columns.map((c) => c.consumed),
    currentPrice,
  };
}

/**
 * The buckets holding the columns' USD (long + short, summed over columns) but for at most AXIS_TAIL of
 * it below `low` and at most AXIS_TAIL above `high`; null when the columns hold nothing.
 */
function usdExtent(columns: readonly Column[]): { low: number; high: number } | null {
  let dataLow = Infinity;
  let dataHigh = -Infinity;
  for (const { book } of columns) {
    if (book.buckets.length === 0) continue;
    dataLow = Math.min(dataLow, book.buckets[0]!);
    dataHigh = Math.max(dataHigh, book.buckets[book.buckets.length - 1]!);
  }
  if (dataLow > dataHigh) return null;
  const perBucket = new Float64Array(dataHigh - dataLow + 1);
  let total = 0;
  for (const { book } of columns) {
    for (let i = 0; i < book.buckets.length; i++) {
      const usd = book.long[i]! + book.short[i]!;
      perBucket[book.buckets[i]! - dataLow]! += usd;
      total += usd;
    }
  }
  const tail = total * AXIS_TAIL;
  // Walk in from each end while the USD passed (this bucket included) stays within the tail.
  let low = 0;
  let below = perBucket[0]!;
  while (below <= tail && low < perBucket.length - 1) below += perBucket[++low]!;
  let high = perBucket.length - 1;
  let above = perBucket[high]!;
  while (above <= tail && high > low) above += perBucket[--high]!;
  return { low: dataLow + low, high: dataLow + high };
}

class CellBuffer {
  private readonly position: Int32Array;
  private readonly usd: Float64Array;
  private count = 0;

  constructor(capacity: number) {
    this.position = new Int32Array(2 * capacity);
    this.usd = new Float64Array(2 * capacity);
  }

  push(column: number, row: number, long: number, short: number): void {
    const i = 2 * this.count++;
    this.position[i] = column;
    this.position[i + 1] = row;
    this.usd[i] = long;
    this.usd[i + 1] = short;
  }

  /**
   * The `limit` cells with the most USD (long + short), in column-then-row order, and the smallest
   * total kept when others were dropped (0 when none were), so clients can drop as faint live cells.
   */
  largest(limit: number): { cells: Array<[number, number, number, number]>; cellFloor: number } {
    const { count, position, usd } = this;
    const totals = new Float64Array(count);
    for (let i = 0; i < count; i++) totals[i] = usd[2 * i]! + usd[2 * i + 1]!;
    const keep = largestMask(totals, limit);
    const cells: Array<[number, number, number, number]> = [];
    let cellFloor = Infinity;
    for (let i = 0; i < count; i++) {
      if (!keep[i]) continue;
      cells.push([position[2 * i]!, position[2 * i + 1]!, usd[2 * i]!, usd[2 * i + 1]!]);
      cellFloor = Math.min(cellFloor, totals[i]!);
    }
    return { cells, cellFloor: count > limit ? cellFloor : 0 };
  }
}
