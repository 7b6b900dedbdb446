import { describe, expect, it } from 'vitest';
import type {
  HeatmapFieldsFragment as Heatmap,
  SnapshotFieldsFragment as Snapshot,
} from '../../client/src/gql/graphql.js';
import { applyFrame } from '../../client/src/lib/heatmap-merge.js';

const t = (minutes: number) => new Date(Date.UTC(2026, 0, 1, 0, minutes)).toISOString();
const candle = (minutes: number, open: number, high: number, low: number, close: number) => ({
  time: t(minutes),
  open,
  high,
  low,
  close,
});

/** 3 columns of 5 minutes from 00:00 (open column 00:10–00:15), rows of $10 from $100. */
const heatmap: Heatmap = {
  symbol: 'TESTUSDT',
  exchanges: ['BINANCE'],
  window: 'H24',
  from: t(0),
  to: t(15),
  coverageFrom: t(0),
  intervalSeconds: 300,
  columns: 3,
  priceMin: 100,
  rowStep: 10,
  rows: 5,
  cells: [
    [0, 1, 10, 0],
    [1, 2, 0, 20],
    [2, 3, 5, 5],
  ],
  cellFloor: 0,
  currentPrice: 121,
  candles: [candle(0, 110, 115, 108, 112), candle(5, 112, 122, 111, 120), candle(10, 120, 125, 118, 121)],
  liquidations: [
    { time: t(2), price: 108, side: 'LONG', usd: 5_000 },
    { time: t(11), price: 125, side: 'SHORT', usd: 7_000 },
  ],
};

const frame = (minutes: number, patch: Partial<Snapshot> = {}): Snapshot => ({
  symbol: 'TESTUSDT',
  exchanges: ['BINANCE'],
  seq: 1,
  timestamp: t(minutes),
  generatedAt: t(minutes),
  currentPrice: 128,
  priceStep: 5,
  levels: [
    { price: 110, long: 1, short: 0 },
    { price: 115, long: 2, short: 0 },
    { price: 140, long: 0, short: 3 },
  ],
  positionsCreated: 0,
  positionsConsumed: 0,
  candle: candle(minutes, 121, 130, 119, 128),
  ...patch,
});

const sortCells = (cells: number[][]) => [...cells].sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);

describe('applyFrame', () => {
  it('replaces the open column with the frame levels, summed into the grid rows', () => {
    const { heatmap: merged, outcome } = applyFrame(heatmap, frame(12));
    expect(outcome).toBe('updated');
    expect(sortCells(merged.cells)).toEqual([
      [0, 1, 10, 0],
      [1, 2, 0, 20],
      [2, 1, 3, 0], // $110 and $115 share row 1 ($110–120)
      [2, 4, 0, 3],
    ]);
    expect(merged).toMatchObject({ from: t(0), to: t(15), columns: 3, rows: 5, priceMin: 100, currentPrice: 128 });
  });

  it('leaves out live cells fainter than the faintest cell the server sent (cellFloor)', () => {
    const { heatmap: merged } = applyFrame({ ...heatmap, cellFloor: 3 }, frame(12));
    // Row 1 sums to $3 (kept, on the floor); row 4 holds $3 (kept); a $2 row would be dropped:
    expect(sortCells(merged.cells).filter((c) => c[0] === 2)).toEqual([
      [2, 1, 3, 0],
      [2, 4, 0, 3],
    ]);
    const fainter = applyFrame({ ...heatmap, cellFloor: 3.5 }, frame(12)).heatmap;
    expect(fainter.cells.filter((c) => c[0] === 2)).toEqual([]);
  });

  it('merges the minute candle into the open column candle: keeps its open, widens high/low, takes the close', () => {
    const { heatmap: merged } = applyFrame(heatmap, frame(12));
    expect(merged.candles).toEqual([
      candle(0, 110, 115, 108, 112),
      candle(5, 112, 122, 111, 120),
      candle(10, 120, 130, 118, 128),
    ]);
  });

  it('changes nothing when the same frame is applied twice', () => {
    const once = applyFrame(heatmap, frame(12)).heatmap;
    expect(applyFrame(once, frame(12)).heatmap).toEqual(once);
  });

  it('rolls one column at the boundary and keeps the window length', () => {
    const { heatmap: merged, outcome } = applyFrame(heatmap, frame(15));
    expect(outcome).toBe('rolled');
    expect(merged).toMatchObject({ from: t(5), to: t(20), columns: 3 });
    expect(sortCells(merged.cells)).toEqual([
      [0, 2, 0, 20],
      [1, 3, 5, 5], // the closed column keeps its last state
      [2, 1, 3, 0],
      [2, 4, 0, 3],
    ]);
    expect(merged.candles).toEqual([
      candle(5, 112, 122, 111, 120),
      candle(10, 120, 125, 118, 121),
      candle(15, 121, 130, 119, 128),
    ]);
    expect(merged.liquidations).toEqual([heatmap.liquidations[1]]);
  });

  it('reports skipped columns when the frame is more than one column ahead', () => {
    const { heatmap: merged, outcome } = applyFrame(heatmap, frame(25));
    expect(outcome).toBe('skipped');
    expect(merged).toMatchObject({ from: t(15), to: t(30), columns: 3 });
    expect(sortCells(merged.cells)).toEqual([
      [2, 1, 3, 0],
      [2, 4, 0, 3],
    ]);
  });

  it('ignores a frame older than the open column', () => {
    const result = applyFrame(heatmap, frame(7));
    expect(result.outcome).toBe('stale');
    expect(result.heatmap).toBe(heatmap);
  });

  it("leaves out levels beyond the server's price axis", () => {
    const { heatmap: merged, outcome } = applyFrame(
      heatmap,
      frame(12, {
        levels: [
          { price: 95, long: 4, short: 0 },
          { price: 120, long: 1, short: 1 },
          { price: 150, long: 0, short: 6 },
        ],
      }),
    );
    expect(outcome).toBe('updated');
    expect(merged).toMatchObject({ priceMin: 100, rows: 5 });
    expect(sortCells(merged.cells)).toEqual([
      [0, 1, 10, 0],
      [1, 2, 0, 20],
      [2, 2, 1, 1],
    ]);
  });

  it('asks for a refetch when the price leaves the axis', () => {
    expect(applyFrame(heatmap, frame(12, { candle: candle(12, 121, 151, 119, 150) })).outcome).toBe('offAxis');
    expect(applyFrame(heatmap, frame(15, { candle: null, currentPrice: 99 })).outcome).toBe('offAxis');
  });

  it('puts a level exactly on a row edge into that row despite float error', () => {
    const fine: Heatmap = { ...heatmap, priceMin: 0.3, rowStep: 0.1, rows: 10, cells: [] };
    const { heatmap: merged } = applyFrame(fine, frame(12, { levels: [{ price: 0.7, long: 1, short: 0 }] }));
    expect(merged.cells).toEqual([[2, 4, 1, 0]]);
  });

  it('draws a flat candle from the current price when the frame has none', () => {
    const { heatmap: merged } = applyFrame(heatmap, frame(15, { candle: null, currentPrice: 126 }));
    expect(merged.candles.at(-1)).toEqual(candle(15, 126, 126, 126, 126));
  });

  it('does not modify its input', () => {
    const before = structuredClone(heatmap);
    applyFrame(heatmap, frame(15));
    expect(heatmap).toEqual(before);
  });
});
