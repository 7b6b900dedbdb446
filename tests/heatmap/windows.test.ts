import { describe, expect, it } from 'vitest';
import { HeatmapEngine } from '../../src/heatmap/engine.js';
import type { LeverageTier } from '../../src/heatmap/leverage-tiers.js';
import { DAY, HOUR, MINUTE, WINDOW_NAMES, WINDOWS, windowDescription, windowLabel } from '../../src/heatmap/windows.js';
import { oneStep, scripted, T0, tenX } from './scripted.js';

const { trade, oi, liquidation } = scripted('BTCUSDT');

describe('WINDOWS', () => {
  it('has 12h/24h/3d/7d/30d with 150–300 columns each', () => {
    expect(Object.keys(WINDOWS)).toEqual(['H12', 'H24', 'D3', 'D7', 'D30']);
    expect(Object.values(WINDOWS).map((w) => w.duration / w.interval)).toEqual([240, 288, 288, 168, 180]);
    expect(WINDOWS.D30.duration).toBe(30 * DAY);
  });

  it('names each window for the dashboard and the schema from its duration and interval', () => {
    expect(WINDOW_NAMES.map(windowLabel)).toEqual(['12h', '24h', '3d', '7d', '30d']);
    expect(WINDOW_NAMES.map(windowDescription)).toEqual([
      '12 hours, 3-minute columns',
      '24 hours, 5-minute columns',
      '3 days, 15-minute columns',
      '7 days, 1-hour columns',
      '30 days, 4-hour columns',
    ]);
  });
});

describe('the 1-minute frame column', () => {
  it('rolls exactly at the minute boundary', () => {
    const engine = oneStep();
    engine.ingest(trade(T0 + 59_999, 100_300, 1, true));
    expect(engine.frame()).toMatchObject({
      timestamp: T0,
      positionsCreated: 2,
      candle: { open: 100_000, high: 100_300, close: 100_300 },
    });
    engine.ingest(trade(T0 + 60_000, 100_100, 1, true));
    expect(engine.frame()).toMatchObject({
      timestamp: T0 + 60_000,
      positionsCreated: 0,
      positionsConsumed: 0,
      candle: { time: T0 + 60_000, open: 100_100, high: 100_100, low: 100_100, close: 100_100 },
    });
  });

  it('has no candle in a minute without prices, and counts a late event in the current minute', () => {
    const engine = oneStep();
    engine.ingest(oi(T0 + 61_000, 1002));
    expect(engine.frame()).toMatchObject({ timestamp: T0 + 60_000, candle: null, currentPrice: 100_200 });
    engine.ingest(trade(T0 + 30_000, 100_400, 1, true)); // older than the clock
    expect(engine.frame()).toMatchObject({ timestamp: T0 + 60_000, candle: { time: T0 + 60_000, open: 100_400 } });
    expect(engine.lastEventTime()).toBe(T0 + 61_000);
  });
});

describe('window columns', () => {
  it('closes a 3-minute column exactly at its boundary', () => {
    const engine = tenX();
    engine.ingest(trade(T0, 100_000, 1, true));
    engine.ingest(trade(T0 + 3 * MINUTE - 1, 100_100, 1, true));
    expect(engine.heatmap('H12')).toMatchObject({
      from: T0,
      to: T0 + 3 * MINUTE,
      columns: 1,
      candles: [{ time: T0, open: 100_000, high: 100_100, low: 100_000, close: 100_100 }],
    });
    engine.ingest(trade(T0 + 3 * MINUTE, 100_200, 1, true));
    const heatmap = engine.heatmap('H12')!;
    expect(heatmap).toMatchObject({ from: T0, to: T0 + 6 * MINUTE, columns: 2, interval: 3 * MINUTE });
    expect(heatmap.candles).toEqual([
      { time: T0, open: 100_000, high: 100_100, low: 100_000, close: 100_100 },
      { time: T0 + 3 * MINUTE, open: 100_200, high: 100_200, low: 100_200, close: 100_200 },
    ]);
  });

  it('snapshots the book at each boundary: a level shows until the column it is liquidated in', () => {
    const engine = oneStep(); // column 0 of H12
    engine.ingest(trade(T0 + 4 * MINUTE, 100_000, 1, true)); // column 1
    engine.ingest(trade(T0 + 7 * MINUTE, 90_499, 1, false)); // column 2: takes the long at 90,400
    const heatmap = engine.heatmap('H12')!;
    // Axis: price 90,499–100,200; low side clipped to the data (bucket 904 > 90,499·0.9), high side to the
    // short (bucket 1096 < 100,200·1.1 = 110,220): rows 904…1096 = 193 rows of $100, priceMin 90,400.
    expect(heatmap).toMatchObject({ priceMin: 90_400, rowStep: 100, rows: 193, columns: 3 });
    expect(heatmap.cells).toEqual([
      [0, 0, 150_075, 0],
      [0, 192, 0, 50_025],
      [1, 0, 150_075, 0],
      [1, 192, 0, 50_025],
      [2, 192, 0, 50_025],
    ]);
    expect(heatmap.positionsCreated).toEqual([2, 0, 0]);
    expect(heatmap.positionsConsumed).toEqual([0, 0, 1]);
  });

  it('keeps the open column live', () => {
    const engine = oneStep();
    engine.ingest(trade(T0 + 4000, 100_000, 1, true));
    engine.ingest(oi(T0 + 5000, 1003)); // ΔOI 1 at VWAP 100,000, all long: +100,000 at 90,361 → 90,300
    const heatmap = engine.heatmap('H24')!;
    expect(heatmap.columns).toBe(1);
    expect(heatmap.cells).toContainEqual([0, 0, 100_000, 0]); // row 0 = 90,300, now the lowest bucket
    expect(heatmap.positionsCreated).toEqual([3]);
  });

  it('bounds the ring: after 25 hours the 24h window has 288 columns and the 12h one 240', () => {
    const engine = tenX();
    for (let t = T0; t <= T0 + 25 * HOUR; t += MINUTE) engine.ingest(trade(t, 100_000, 1, true));
    const h24 = engine.heatmap('H24')!;
    const openStart = T0 + 25 * HOUR;
    expect(h24).toMatchObject({ columns: 288, from: openStart - 287 * 5 * MINUTE, to: openStart + 5 * MINUTE });
    expect(h24.candles).toHaveLength(288);
    expect(h24.candles[0]!.time).toBe(h24.from);
    expect(engine.heatmap('H12')!.columns).toBe(240);
  });

  it('lets everything older than 30 days fall off', () => {
    const engine = oneStep();
    engine.ingest(liquidation(T0 + 5000, 99_000, 1, 'long'));
    engine.ingest(liquidation(T0 + 2 * DAY, 98_000, 1, 'short'));
    for (let t = T0 + 10 * MINUTE; t <= T0 + 31 * DAY; t += 10 * MINUTE) engine.ingest(trade(t, 100_000, 0.1, true));
    const d30 = engine.heatmap('D30')!;
    expect(d30.columns).toBe(180);
    expect(d30.to - d30.from).toBe(30 * DAY);
    expect(d30.from).toBeGreaterThan(T0);
    expect(d30.candles.every((c) => c.time >= d30.from)).toBe(true);
    expect(d30.liquidations).toEqual([{ time: T0 + 2 * DAY, price: 98_000, side: 'short', usd: 98_000 }]);
  });

  it('fills a gap with the unchanged book, keeping the columns contiguous', () => {
    const engine = oneStep();
    engine.ingest(trade(T0 + 10 * DAY + 30_000, 100_000, 1, true));
    const h12 = engine.heatmap('H12')!;
    expect(h12.columns).toBe(240);
    expect(h12.from).toBe(T0 + 10 * DAY - 239 * 3 * MINUTE);
    // Every column, closed (gap) or open, holds both levels.
    expect(h12.cells).toHaveLength(480);
    expect(new Set(h12.cells.map((c) => c[0])).size).toBe(240);
    expect(h12.candles).toEqual([{ time: T0 + 10 * DAY, open: 100_000, high: 100_000, low: 100_000, close: 100_000 }]);
  });
});

describe('the price axis: the window’s price range and the buckets holding all but 0.5% of its USD at each end', () => {
  /** 1 BTC taker-bought and 1 taker-sold at 100,000, OI 1000 → 1002: 100,000 USD per side across `tiers`. */
  const balancedStep = (tiers?: readonly LeverageTier[]) => {
    const engine = new HeatmapEngine({ symbol: 'BTCUSDT', tiers });
    engine.ingest(oi(T0, 1000));
    engine.ingest(trade(T0 + 1, 100_000, 1, true));
    engine.ingest(trade(T0 + 2, 100_000, 1, false));
    engine.ingest(oi(T0 + 3, 1002));
    return engine.heatmap('H12')!;
  };

  it('shows every default tier, the 5x levels at ±20% included', () => {
    // Buckets ($100): long 5x 80,321 → 803, 10x 903, 25x 963, 50x 983, 100x 993;
    // short 100x 100,598 → 1005, 50x 1015, 25x 1035, 10x 1095, 5x 119,522 → 1195.
    // Axis 803…1195 = 393 buckets > 300 rows: 2 buckets a row, rows 401…597 = 197 rows from 80,200.
    // (The former axis, the price range ±10% = 90,000…110,000, left both 5x levels out: 15% of the USD.)
    const heatmap = balancedStep();
    expect(heatmap).toMatchObject({ priceMin: 80_200, rowStep: 200, rows: 197 });
    expect(heatmap.cells).toEqual([
      [0, 0, 15_000, 0],
      [0, 50, 30_000, 0],
      [0, 80, 25_000, 0],
      [0, 90, 20_000, 0],
      [0, 95, 10_000, 0],
      [0, 101, 0, 10_000],
      [0, 106, 0, 20_000],
      [0, 116, 0, 25_000],
      [0, 146, 0, 30_000],
      [0, 196, 0, 15_000],
    ]);
  });

  it('leaves out a far tier holding under 0.5% of the USD at its end, and takes it in above that', () => {
    // 2x long 100,000·0.5/0.996 = 50,200.80 → bucket 502; 2x short 100,000·1.5/1.004 = 149,402.39 → 1494.
    // Weight 0.4%: 400 USD at each end of 200,000, within the 1,000 USD tail → axis 903…1095 (10x levels).
    const faint = balancedStep([
      { leverage: 2, weight: 0.4 },
      { leverage: 10, weight: 99.6 },
    ]);
    expect(faint).toMatchObject({ priceMin: 90_300, rowStep: 100, rows: 193 });
    expect(faint.cells).toEqual([
      [0, 0, 99_600, 0],
      [0, 192, 0, 99_600],
    ]);
    // Weight 2%: 2,000 USD at each end, beyond the tail → axis 502…1494 = 993 buckets: 4 a row,
    // rows 125…373 = 249 rows from 50,000.
    const shown = balancedStep([
      { leverage: 2, weight: 2 },
      { leverage: 10, weight: 98 },
    ]);
    expect(shown).toMatchObject({ priceMin: 50_000, rowStep: 400, rows: 249 });
    expect(shown.cells).toEqual([
      [0, 0, 2_000, 0],
      [0, 100, 98_000, 0],
      [0, 148, 0, 98_000],
      [0, 248, 0, 2_000],
    ]);
  });

  it('always spans the price range, even where no USD is', () => {
    const engine = oneStep(); // levels at 90,400 and 109,600
    engine.ingest(trade(T0 + 4000, 120_000, 0.001, true)); // sweeps the short, price far above
    const heatmap = engine.heatmap('H12')!;
    // Axis 904 (the long) … 1200 (the price): 297 rows of $100.
    expect(heatmap).toMatchObject({ priceMin: 90_400, rowStep: 100, rows: 297 });
  });
});
