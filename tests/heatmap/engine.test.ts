import { describe, expect, it } from 'vitest';
import { HeatmapEngine } from '../../src/heatmap/engine.js';
import { oneStep, scripted, T0, tenX } from './scripted.js';

const { trade, mark, markKline, oi, kline, liquidation } = scripted('BTCUSDT');
const levels = (engine: HeatmapEngine) => engine.frame()!.levels;

describe('HeatmapEngine: opening positions on ΔOI > 0', () => {
  it('is empty until the first price', () => {
    const engine = tenX();
    expect(engine.frame()).toBeNull();
    expect(engine.heatmap('H24')).toBeNull();
    engine.ingest(oi(T0, 1000));
    expect(engine.frame()).toBeNull();
    expect(engine.lastEventTime()).toBe(T0);
  });

  it('opens ΔOI × VWAP, split long/short by taker flow, at the tier liquidation prices', () => {
    const frame = oneStep().frame()!;
    expect(frame.levels).toEqual([
      { price: 90_400, long: 150_075, short: 0 },
      { price: 109_600, long: 0, short: 50_025 },
    ]);
    expect(frame).toMatchObject({
      symbol: 'BTCUSDT',
      timestamp: T0,
      currentPrice: 100_200,
      priceStep: 100,
      positionsCreated: 2,
      positionsConsumed: 0,
      candle: { time: T0, open: 100_000, high: 100_200, low: 100_000, close: 100_200 },
    });
  });

  it('splits across the default tiers by weight', () => {
    const engine = new HeatmapEngine({ symbol: 'BTCUSDT' });
    engine.ingest(oi(T0, 1000));
    engine.ingest(trade(T0 + 1, 100_000, 1, true));
    engine.ingest(oi(T0 + 2, 1001));
    // 100,000 USD, all long: 5x 0.8/0.996 → 80,321 (15%); 10x → 90,361 (30%); 25x 0.96/0.996 → 96,386 (25%);
    // 50x 0.98/0.996 → 98,394 (20%); 100x 0.99/0.996 → 99,398 (10%).
    expect(levels(engine)).toEqual([
      { price: 80_300, long: 15_000, short: 0 },
      { price: 90_300, long: 30_000, short: 0 },
      { price: 96_300, long: 25_000, short: 0 },
      { price: 98_300, long: 20_000, short: 0 },
      { price: 99_300, long: 10_000, short: 0 },
    ]);
    expect(engine.frame()!.positionsCreated).toBe(5);
    // A dip to 98,399 (bucket 98,300) takes the 100x and the 50x level.
    engine.ingest(trade(T0 + 3, 98_399, 1, false));
    expect(levels(engine).map((l) => l.price)).toEqual([80_300, 90_300, 96_300]);
    expect(engine.frame()!.positionsConsumed).toBe(2);
  });

  it('without trades uses the step’s closed klines: exact VWAP from the quote volume, taker flow', () => {
    const engine = tenX();
    engine.ingest(oi(T0, 1000));
    const candle = { open: 99_500, high: 101_000, low: 99_000, close: 100_000, takerBuyVolume: 1, closed: true };
    engine.ingest(kline(T0 + 59_999, { ...candle, volume: 6, quoteVolume: 601_200 }));
    engine.ingest(kline(T0 + 119_999, { ...candle, volume: 4, quoteVolume: 401_800 }));
    engine.ingest(oi(T0 + 120_000, 1001));
    // VWAP = (601,200 + 401,800) / (6 + 4) = 100,300 (the typical price (H+L+C)/3 would say 100,000);
    // ΔOI 1 → 100,300 USD; taker buys 2/10 → 20% long: 20,060 long, 80,240 short.
    // 10x long 100,300·0.9/0.996 = 90,632.53 → 90,600; short 100,300·1.1/1.004 = 109,890.44 → 109,800.
    expect(levels(engine)).toEqual([
      { price: 90_600, long: 20_060, short: 0 },
      { price: 109_800, long: 0, short: 80_240 },
    ]);
  });

  it('without any flow opens on the side of the price move at the last price, 50/50 when flat', () => {
    const engine = tenX();
    engine.ingest(mark(T0, 100_000));
    engine.ingest(oi(T0 + 1, 1000));
    engine.ingest(mark(T0 + 2, 101_000));
    engine.ingest(oi(T0 + 3, 1001));
    // Up → all long: 101,000 USD at 101,000·0.9/0.996 = 91,265.06 → 91,200.
    expect(levels(engine)).toEqual([{ price: 91_200, long: 101_000, short: 0 }]);
    engine.ingest(oi(T0 + 4, 1002));
    // Flat → 50,500 each; short at 101,000·1.1/1.004 = 110,657.37 → 110,600.
    expect(levels(engine)).toEqual([
      { price: 91_200, long: 151_500, short: 0 },
      { price: 110_600, long: 0, short: 50_500 },
    ]);
  });

  it('ignores other symbols', () => {
    const engine = oneStep();
    const before = engine.frame();
    engine.ingest({ kind: 'trade', symbol: 'ETHUSDT', time: T0 + 10_000, price: 50_000, qty: 1, takerBuy: true });
    engine.ingest({ kind: 'openInterest', symbol: 'ETHUSDT', time: T0 + 10_000, openInterest: 1 });
    expect(engine.frame()).toEqual(before);
    expect(engine.lastEventTime()).toBe(T0 + 3000);
  });
});

describe('HeatmapEngine: consumption (the price reaching the bucket, inclusive)', () => {
  it('takes a long when a trade enters its bucket, not a cent before', () => {
    const engine = oneStep();
    engine.ingest(trade(T0 + 4000, 90_500, 1, false)); // bucket 905: above the long's 904
    expect(levels(engine)).toHaveLength(2);
    engine.ingest(trade(T0 + 5000, 90_499.99, 1, false)); // bucket 904
    expect(levels(engine)).toEqual([{ price: 109_600, long: 0, short: 50_025 }]);
    expect(engine.frame()!.positionsConsumed).toBe(1);
  });

  it('takes a long at its exact liquidation price (inclusive)', () => {
    const engine = oneStep();
    engine.ingest(trade(T0 + 4000, (100_050 * 0.9) / 0.996, 1, false));
    expect(levels(engine).map((l) => l.price)).toEqual([109_600]);
  });

  it('takes a short when the price reaches its bucket’s lower edge', () => {
    const engine = oneStep();
    engine.ingest(trade(T0 + 4000, 109_599.99, 1, true)); // bucket 1095
    expect(levels(engine)).toHaveLength(2);
    engine.ingest(trade(T0 + 5000, 109_600, 1, true)); // bucket 1096, inclusive
    expect(levels(engine)).toEqual([{ price: 90_400, long: 150_075, short: 0 }]);
  });

  it('uses mark prices once the symbol sends them: trades then no longer consume', () => {
    const engine = oneStep();
    engine.ingest(mark(T0 + 4000, 100_100));
    engine.ingest(trade(T0 + 5000, 90_000, 1, false));
    expect(levels(engine)).toHaveLength(2);
    engine.ingest(mark(T0 + 6000, 90_450));
    expect(levels(engine).map((l) => l.price)).toEqual([109_600]);
  });

  it('mark-price klines liquidate over their low–high range; last-price wicks then do not', () => {
    const engine = oneStep(); // long 90,400, short 109,600
    engine.ingest(markKline(T0 + 59_999, 90_500, 100_100, 100_000)); // low in bucket 905: the long survives
    engine.ingest(trade(T0 + 60_500, 90_000, 1, false)); // a last-price wick through the long: no effect
    expect(levels(engine).map((l) => l.price)).toEqual([90_400, 109_600]);
    engine.ingest(markKline(T0 + 119_999, 90_499.99, 109_600, 100_000)); // low in bucket 904, high 1096: both go
    expect(levels(engine)).toEqual([]);
    expect(engine.frame()!.positionsConsumed).toBe(2);
    // Trades stay the finer price for the candle and the current price.
    expect(engine.frame()!.currentPrice).toBe(90_000);
  });

  it('uses kline low/high when the symbol has neither marks nor trades', () => {
    const engine = tenX();
    engine.ingest(
      kline(T0 + 59_999, {
        open: 100_000,
        high: 100_000,
        low: 100_000,
        close: 100_000,
        volume: 4,
        quoteVolume: 400_000,
        takerBuyVolume: 2,
        closed: true,
      }),
    );
    engine.ingest(oi(T0 + 60_000, 1000));
    engine.ingest(oi(T0 + 60_001, 1001)); // 50,000 long at 90,300, 50,000 short at 109,500 (see above)
    engine.ingest(
      kline(T0 + 61_000, {
        open: 100_000,
        high: 109_500,
        low: 95_000,
        close: 100_000,
        volume: 1,
        quoteVolume: 100_000,
        takerBuyVolume: 0,
        closed: false,
      }),
    );
    expect(levels(engine)).toEqual([{ price: 90_300, long: 50_000, short: 0 }]);
  });

  it('liquidates at once a position opened beyond the current price', () => {
    const engine = tenX();
    engine.ingest(oi(T0, 1000));
    engine.ingest(trade(T0 + 1, 100_000, 1, false));
    engine.ingest(trade(T0 + 2, 109_700, 0.000001, true)); // a spike after the volume: VWAP stays ≈ 100,000
    engine.ingest(oi(T0 + 3, 1001));
    // The 10x short at ≈ 109,561 → bucket 109,500 is already below the price (109,700): consumed on opening.
    const frame = engine.frame()!;
    expect(frame.levels.map((l) => l.price)).toEqual([90_300]);
    expect([frame.positionsCreated, frame.positionsConsumed]).toEqual([2, 1]);
  });
});

/**
 * OI 106 → 110 with 3 BTC taker-bought and 1 BTC taker-sold at 100,000: 300,000 USD (3 BTC) long at the 10x
 * LP 90,361.45 → bucket 90,300, 100,000 USD (1 BTC) short at 109,561.75 → 109,500.
 */
function fourBtcStep() {
  const engine = tenX();
  engine.ingest(oi(T0, 106));
  engine.ingest(trade(T0 + 1, 100_000, 3, true));
  engine.ingest(trade(T0 + 2, 100_000, 1, false));
  engine.ingest(oi(T0 + 3, 110));
  return engine;
}

describe('HeatmapEngine: no double removal (a fall in OI explained by the step’s liquidations)', () => {
  it('sweeping 3 BTC while OI goes 110 → 107 leaves the survivors untouched', () => {
    const engine = fourBtcStep();
    engine.ingest(trade(T0 + 4, 90_300, 0.1, false)); // sweeps the 3 BTC long
    engine.ingest(oi(T0 + 5, 107));
    // Without the rule the short would lose another 3/110 = 2.73%: 97,272.73.
    expect(levels(engine)).toEqual([{ price: 109_500, long: 0, short: 100_000 }]);
  });

  it('closes the unexplained rest in proportion: survivors × new / (previous − liquidated)', () => {
    const engine = fourBtcStep();
    engine.ingest(trade(T0 + 4, 90_300, 0.1, false));
    engine.ingest(oi(T0 + 5, 105)); // −5, 3 explained: 100,000 · 105/107 = 98,130.84
    expect(levels(engine)).toEqual([{ price: 109_500, long: 0, short: 98_130.84 }]);
  });

  it('counts realized force orders too, and the larger of swept and realized (the same liquidations)', () => {
    const realized = fourBtcStep();
    realized.ingest(liquidation(T0 + 4, 99_000, 2, 'long')); // reported, nothing modelled swept
    realized.ingest(oi(T0 + 5, 108));
    expect(levels(realized)).toEqual([
      { price: 90_300, long: 300_000, short: 0 },
      { price: 109_500, long: 0, short: 100_000 },
    ]);
    const both = fourBtcStep();
    both.ingest(liquidation(T0 + 4, 90_300, 2, 'long'));
    both.ingest(trade(T0 + 4, 90_300, 0.1, false)); // 3 BTC swept: max(3, 2) = 3 explained, not 5
    both.ingest(oi(T0 + 5, 105));
    expect(levels(both)).toEqual([{ price: 109_500, long: 0, short: 98_130.84 }]);
  });

  it('only counts liquidations since the previous OI event', () => {
    const engine = fourBtcStep();
    engine.ingest(trade(T0 + 4, 90_300, 0.1, false));
    engine.ingest(oi(T0 + 5, 110)); // the sweep's step ends with OI flat
    engine.ingest(oi(T0 + 6, 107)); // nothing liquidated in this step: 100,000 · 107/110 = 97,272.73
    expect(levels(engine)).toEqual([{ price: 109_500, long: 0, short: 97_272.73 }]);
  });

  it('positions consumed the moment they open explain nothing', () => {
    const engine = tenX();
    engine.ingest(oi(T0, 1000));
    engine.ingest(trade(T0 + 1, 100_000, 1, true));
    engine.ingest(trade(T0 + 2, 100_000, 1, false));
    engine.ingest(trade(T0 + 3, 109_700, 0.000001, true)); // the 10x short opens beyond the price: gone at once
    engine.ingest(oi(T0 + 4, 1001));
    engine.ingest(oi(T0 + 5, 1000.5));
    // The long (≈ 50,000.03 USD, VWAP 100,000.005) is closed by 0.5/1001, not spared by the vanished short.
    const [long] = levels(engine);
    expect(levels(engine)).toHaveLength(1);
    expect(long!.long).toBeCloseTo(49_975.05, 2);
  });
});

describe('HeatmapEngine: closing on ΔOI < 0', () => {
  it('shrinks every level by the closed share of open interest', () => {
    const engine = oneStep();
    engine.ingest(oi(T0 + 4000, 901.8)); // 1002 → 901.8: −10%
    expect(levels(engine)).toEqual([
      { price: 90_400, long: 135_067.5, short: 0 },
      { price: 109_600, long: 0, short: 45_022.5 },
    ]);
  });

  it('drops amounts under $0.01', () => {
    const engine = tenX();
    engine.ingest(oi(T0, 1));
    engine.ingest(trade(T0 + 1, 100_000, 0.99, true));
    engine.ingest(trade(T0 + 2, 100_000, 0.01, false));
    engine.ingest(oi(T0 + 3, 1.01)); // ΔOI 0.01 → 1,000 USD: 990 long, 10 short
    engine.ingest(oi(T0 + 4, 0.000909)); // × 0.0009: long 0.891, short 0.009 < 0.01 → dropped
    expect(levels(engine)).toEqual([{ price: 90_300, long: 0.89, short: 0 }]);
    engine.ingest(oi(T0 + 5, 0.00000909)); // × 0.01: long 0.00891 → dropped too
    expect(levels(engine)).toEqual([]);
  });

  it('a drop to zero open interest empties the book', () => {
    const engine = oneStep();
    engine.ingest(oi(T0 + 4000, 0));
    expect(levels(engine)).toEqual([]);
  });
});

describe('HeatmapEngine: liquidation markers', () => {
  it('records force orders with USD = price × qty, in the heatmap of the window', () => {
    const engine = oneStep();
    engine.ingest({ kind: 'liquidation', symbol: 'BTCUSDT', time: T0 + 5000, price: 99_000, qty: 2, side: 'long' });
    expect(engine.heatmap('H12')!.liquidations).toEqual([
      { time: T0 + 5000, price: 99_000, side: 'long', usd: 198_000 },
    ]);
  });
});
