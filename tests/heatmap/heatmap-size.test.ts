import { describe, expect, it } from 'vitest';
import { HeatmapEngine } from '../../src/heatmap/engine.js';
import { MAX_CELLS, MAX_ROWS } from '../../src/heatmap/heatmap-grid.js';
import { DAY } from '../../src/heatmap/windows.js';
import { syntheticEvents } from './synthetic-market.js';

describe('a realistic synthetic day', () => {
  const engine = new HeatmapEngine({ symbol: 'BTCUSDT' });
  const start = Date.UTC(2025, 0, 1);
  for (const event of syntheticEvents({
    symbol: 'BTCUSDT',
    startPrice: 100_000,
    start,
    durationMs: 1.1 * DAY,
    tradesPerSecond: 1,
    seed: 42,
  })) {
    engine.ingest(event);
  }

  it('fits the 24h heatmap in 300 KB of JSON and 300 rows, with bands on both sides of the price', () => {
    const heatmap = engine.heatmap('H24')!;
    const bytes = Buffer.byteLength(JSON.stringify(heatmap));
    expect(bytes).toBeLessThanOrEqual(300_000);
    expect(heatmap.rows).toBeLessThanOrEqual(MAX_ROWS);
    expect(heatmap.columns).toBe(288);
    expect(heatmap.cells.length).toBeGreaterThan(MAX_CELLS / 2);
    expect(heatmap.cells.length).toBeLessThanOrEqual(MAX_CELLS);
    const currentRow = (heatmap.currentPrice - heatmap.priceMin) / heatmap.rowStep;
    const open = heatmap.cells.filter((c) => c[0] === heatmap.columns - 1);
    expect(open.some((c) => c[2] > 0 && c[1] < currentRow)).toBe(true);
    expect(open.some((c) => c[3] > 0 && c[1] > currentRow)).toBe(true);
    // Longs below the price and shorts above it, always: the price's own bucket is swept.
    expect(open.every((c) => (c[2] === 0 || c[1] <= currentRow) && (c[3] === 0 || c[1] >= currentRow - 1))).toBe(true);
    expect(heatmap.candles).toHaveLength(288);
    expect(heatmap.positionsConsumed.reduce((a, b) => a + b)).toBeGreaterThan(0);
  });

  it('says where the cell cap cut: cellFloor is the faintest cell kept when cells were dropped, else 0', () => {
    const day = engine.heatmap('H24')!;
    expect(day.cells).toHaveLength(MAX_CELLS); // this day has more non-empty cells than the cap
    expect(day.cellFloor).toBe(Math.min(...day.cells.map((c) => c[2] + c[3])));
    const young = new HeatmapEngine({ symbol: 'BTCUSDT' });
    for (const event of syntheticEvents({
      symbol: 'BTCUSDT',
      startPrice: 100_000,
      start,
      durationMs: 600_000,
      tradesPerSecond: 1,
      seed: 7,
    }))
      young.ingest(event);
    const small = young.heatmap('H24')!;
    expect(small.cells.length).toBeLessThan(MAX_CELLS);
    expect(small.cellFloor).toBe(0);
  });

  it('keeps cells inside the grid and the frame price-sorted', () => {
    const heatmap = engine.heatmap('H24')!;
    expect(
      heatmap.cells.every(([col, row]) => col >= 0 && col < heatmap.columns && row >= 0 && row < heatmap.rows),
    ).toBe(true);
    const prices = engine.frame()!.levels.map((l) => l.price);
    expect(prices).toEqual([...prices].sort((a, b) => a - b));
    expect(engine.frame()!.levels.every((l) => l.long > 0 || l.short > 0)).toBe(true);
  });
});
