import { describe, expect, it, vi } from 'vitest';
import { sumBooks, sumFrames, sumHeatmapInputs } from '../../src/heatmap/aggregate.js';
import type { Column } from '../../src/heatmap/columns.js';
import { EngineSet } from '../../src/heatmap/engine-set.js';
import { streamsOf } from '../../src/heatmap/exchange-sets.js';
import type { HeatmapInput } from '../../src/heatmap/heatmap-grid.js';
import type { BookSnapshot } from '../../src/heatmap/position-book.js';
import { PriceBuckets } from '../../src/heatmap/price-buckets.js';
import type { BookFrame } from '../../src/heatmap/types.js';

const book = (rows: Array<[number, number, number]>): BookSnapshot => ({
  buckets: Int32Array.from(rows.map(([bucket]) => bucket)),
  long: Float64Array.from(rows.map(([, long]) => long)),
  short: Float64Array.from(rows.map(([, , short]) => short)),
});
const rowsOf = (snapshot: BookSnapshot) =>
  [...snapshot.buckets].map((bucket, i) => [bucket, snapshot.long[i], snapshot.short[i]]);

describe('summing exchanges per bucket', () => {
  it('sums books bucket by bucket, keeping buckets only one of them has', () => {
    const a = book([
      [10, 1, 0],
      [12, 2, 0],
      [20, 0, 5],
    ]);
    const b = book([
      [9, 4, 0],
      [12, 3, 0],
      [21, 0, 7],
    ]);
    const c = book([[20, 0, 1]]);
    expect(rowsOf(sumBooks([a, b, c]))).toEqual([
      [9, 4, 0],
      [10, 1, 0],
      [12, 5, 0],
      [20, 0, 6],
      [21, 0, 7],
    ]);
    expect(rowsOf(sumBooks([]))).toEqual([]);
  });

  const frame = (price: number, levels: BookFrame['levels'], timestamp = 60_000): BookFrame => ({
    symbol: 'BTCUSDT',
    timestamp,
    currentPrice: price,
    priceStep: 100,
    levels,
    positionsCreated: 2,
    positionsConsumed: 1,
    candle: { time: timestamp, open: price, high: price, low: price, close: price },
  });
  const binance = {
    exchange: 'binance' as const,
    part: frame(100_000, [
      { price: 99_000, long: 10.5, short: 0 },
      { price: 101_000, long: 0, short: 4.25 },
    ]),
  };
  const okx = {
    exchange: 'okx' as const,
    part: frame(
      100_020,
      [
        { price: 99_000, long: 0.55, short: 0 },
        { price: 99_500, long: 3, short: 0 },
      ],
      120_000,
    ),
  };

  it("a stream's frame sums its members' levels; prices are the first member's", () => {
    expect(sumFrames('BTCUSDT@BINANCE+OKX', [binance, okx])).toEqual({
      stream: 'BTCUSDT@BINANCE+OKX',
      exchanges: ['binance', 'okx'],
      symbol: 'BTCUSDT',
      timestamp: 120_000,
      currentPrice: 100_000,
      priceStep: 100,
      levels: [
        { price: 99_000, long: 11.05, short: 0 },
        { price: 99_500, long: 3, short: 0 },
        { price: 101_000, long: 0, short: 4.25 },
      ],
      positionsCreated: 4,
      positionsConsumed: 2,
      candle: binance.part.candle,
    });
    expect(sumFrames('BTCUSDT', [])).toBeNull();
  });

  it("a member whose feed is not live drops out of the stream's frames; with none live, all stay as they were", () => {
    const market: Partial<Record<string, BookFrame>> = { binance: binance.part, okx: okx.part };
    const live = new Set(['okx']);
    const set = new EngineSet({
      symbols: ['BTCUSDT'],
      exchanges: ['binance', 'okx'],
      feedLive: (exchange) => live.has(exchange),
      engineOptions: () => ({}),
    });
    for (const exchange of ['binance', 'okx'] as const)
      vi.spyOn(set.engine('BTCUSDT', exchange), 'frame').mockImplementation(() => market[exchange] ?? null);
    expect(set.frame('BTCUSDT')).toMatchObject({ exchanges: ['okx'], levels: okx.part.levels, currentPrice: 100_020 });
    live.clear();
    expect(set.frame('BTCUSDT')!.exchanges).toEqual(['binance', 'okx']);
    live.add('binance');
    expect(set.frame('BTCUSDT@OKX')).toMatchObject({ stream: 'BTCUSDT@OKX', exchanges: ['okx'] });
  });

  it('lines heatmap columns up by start; a book whose clock stopped counts with its last book after it', () => {
    const interval = 300_000;
    const column = (start: number, snapshot: BookSnapshot, created = 1): Column => ({
      start,
      book: snapshot,
      candle: null,
      created,
      consumed: 0,
    });
    const input = (exchange: 'binance' | 'okx', columns: Column[], historyFrom = 0): HeatmapInput => ({
      symbol: 'BTCUSDT',
      exchanges: [exchange],
      window: 'H24',
      interval,
      columns,
      buckets: new PriceBuckets(100),
      liquidations: [],
      currentPrice: 100_000,
      historyFrom,
    });
    // Binance: columns at 0, 1, 2 (open); OKX stopped in column 1 (its open column).
    const sum = sumHeatmapInputs([
      input('binance', [
        column(0, book([[990, 1, 0]])),
        column(interval, book([[990, 2, 0]])),
        column(2 * interval, book([[990, 3, 0]])),
      ]),
      input('okx', [column(0, book([[1010, 0, 5]])), column(interval, book([[1010, 0, 6]]))], 60_000),
    ]);
    expect(sum.exchanges).toEqual(['binance', 'okx']);
    // Covered from where the least loaded book's history starts.
    expect(sum.historyFrom).toBe(60_000);
    expect(sum.columns.map((c) => [c.start, rowsOf(c.book), c.created])).toEqual([
      [
        0,
        [
          [990, 1, 0],
          [1010, 0, 5],
        ],
        2,
      ],
      [
        interval,
        [
          [990, 2, 0],
          [1010, 0, 6],
        ],
        2,
      ],
      [
        2 * interval,
        [
          [990, 3, 0],
          [1010, 0, 6],
        ],
        1,
      ],
    ]);
  });
});

describe('streams', () => {
  it('one per non-empty exchange set; the full set is the symbol itself', () => {
    expect(streamsOf(['BTCUSDT'], ['okx', 'binance']).map((stream) => stream.key)).toEqual([
      'BTCUSDT',
      'BTCUSDT@OKX',
      'BTCUSDT@BINANCE',
    ]);
    expect(streamsOf(['BTCUSDT', 'ETHUSDT'], ['binance', 'bybit', 'okx'])).toHaveLength(14);
  });
});
