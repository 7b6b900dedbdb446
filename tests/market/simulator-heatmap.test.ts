import { describe, expect, it } from 'vitest';
import { HeatmapEngine } from '../../src/heatmap/index.js';
import { SimulatorSource } from '../../src/market/simulator/source.js';
import { ManualClock } from './manual-clock.js';

describe('simulator into the heatmap model', () => {
  it('builds bands below and above the price within a 24 h backfill, and sweeps wipe some', async () => {
    const engine = new HeatmapEngine({ symbol: 'BTCUSDT' });
    const source = new SimulatorSource({
      symbols: ['BTCUSDT'],
      seed: 42,
      clock: new ManualClock(Date.UTC(2026, 0, 15)),
    });
    let consumed = 0;
    let lastMinute = -1;
    await source.start((event) => {
      // Sum the running minute's counter just before the minute rolls over.
      const minute = Math.floor(event.time / 60_000);
      if (minute !== lastMinute) {
        lastMinute = minute;
        consumed += engine.frame()?.positionsConsumed ?? 0;
      }
      engine.ingest(event);
    });
    await source.stop();

    const frame = engine.frame()!;
    const below = frame.levels.filter((level) => level.price < frame.currentPrice);
    const above = frame.levels.filter((level) => level.price > frame.currentPrice);
    expect(below.reduce((sum, level) => sum + level.long, 0)).toBeGreaterThan(1e6);
    expect(above.reduce((sum, level) => sum + level.short, 0)).toBeGreaterThan(1e6);
    expect(below.some((level) => level.short > 0)).toBe(false);
    expect(consumed).toBeGreaterThan(100);

    const heatmap = engine.heatmap('H24')!;
    expect(heatmap.columns).toBeGreaterThan(250);
    expect(heatmap.cells.length).toBeGreaterThan(5_000);
  });
});
