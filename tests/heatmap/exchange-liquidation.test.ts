import { describe, expect, it } from 'vitest';
import { bybitLiquidationPrice, riskLimitFor } from '../../src/heatmap/bybit-liquidation.js';
import { HeatmapEngine } from '../../src/heatmap/engine.js';
import { liquidationPrice } from '../../src/heatmap/liquidation-price.js';
import { okxLiquidationPrice, positionTierFor } from '../../src/heatmap/okx-liquidation.js';
import { TIER_ONE_FALLBACK } from '../../src/heatmap/margin-brackets.js';
import type { BybitRiskLimit, OkxPositionTier } from '../../src/market/events.js';

/** Two tiers in Bybit's shape: 0–2M at 0.5%, 2M–10M at 1% with the deduction 2M·(1% − 0.5%) = 10,000. */
const BYBIT: BybitRiskLimit[] = [
  { valueCap: 2_000_000, maxLeverage: 100, maintenanceMarginRate: 0.005, mmDeduction: 0 },
  { valueCap: 10_000_000, maxLeverage: 50, maintenanceMarginRate: 0.01, mmDeduction: 10_000 },
];
/** Two tiers in base asset: up to 5 BTC at 0.4%, up to 50 BTC at 0.6%. */
const OKX: OkxPositionTier[] = [
  { maxSize: 5, maxLeverage: 125, maintenanceMarginRate: 0.004 },
  { maxSize: 50, maxLeverage: 50, maintenanceMarginRate: 0.006 },
];

describe('Bybit isolated liquidation price', () => {
  it("matches the help centre's worked example: 1 BTC at 20,000, 50x, MMR 0.5% → 19,700", () => {
    // IM = 20000/50 = 400; MM = 20000·0.005 = 100; LP = 20000 − (400 − 100)/1
    const tier: BybitRiskLimit[] = [
      { valueCap: Infinity, maxLeverage: 100, maintenanceMarginRate: 0.005, mmDeduction: 0 },
    ];
    expect(
      bybitLiquidationPrice({ side: 'long', entryPrice: 20_000, leverage: 50, notional: 20_000 }, tier),
    ).toBeCloseTo(19_700, 9);
    // short: 20000 + 300
    expect(
      bybitLiquidationPrice({ side: 'short', entryPrice: 20_000, leverage: 50, notional: 20_000 }, tier),
    ).toBeCloseTo(20_300, 9);
  });

  it('takes maintenance margin on the entry value: 100x long at 100,000 is −0.5%, not Binance’s −0.5025%', () => {
    // EP·(1 − 1/100 + 0.005) = 100000 · 0.995 = 99,500; Binance at the same MMR: 100000 · 0.99/0.995 = 99,497.49
    const position = { side: 'long' as const, entryPrice: 100_000, leverage: 100, notional: 5_000 };
    expect(bybitLiquidationPrice(position, BYBIT)).toBeCloseTo(99_500, 9);
    const binanceAtSameRate = [{ ...TIER_ONE_FALLBACK[0]!, maintMarginRatio: 0.005 }];
    expect(liquidationPrice(position, binanceAtSameRate)).toBeCloseTo(99_497.49, 2);
  });

  it('applies the deduction of the tier of the position value', () => {
    // PV 3,000,000 (50 BTC at 60,000), 10x: IM 300,000; MM 3,000,000·1% − 10,000 = 20,000;
    // (IM − MM)/Q = 280,000/50 = 5,600 → long 54,400, short 65,600.
    expect(riskLimitFor(BYBIT, 3_000_000).mmDeduction).toBe(10_000);
    const position = { entryPrice: 60_000, leverage: 10, notional: 3_000_000 };
    expect(bybitLiquidationPrice({ ...position, side: 'long' }, BYBIT)).toBeCloseTo(54_400, 6);
    expect(bybitLiquidationPrice({ ...position, side: 'short' }, BYBIT)).toBeCloseTo(65_600, 6);
    // A cap is inclusive; above the last cap the last tier.
    expect(riskLimitFor(BYBIT, 2_000_000).maintenanceMarginRate).toBe(0.005);
    expect(riskLimitFor(BYBIT, 50_000_000).maintenanceMarginRate).toBe(0.01);
  });
});

describe('OKX isolated liquidation price', () => {
  it('liquidates at maintenance margin plus the taker fee: 100x at 100,000 with mmr 0.4%', () => {
    // long 100000 · 0.99/(1 − 0.004 − 0.0005) = 99,000/0.9955 = 99,447.5138
    // short 100000 · 1.01/(1 + 0.004 + 0.0005) = 101,000/1.0045 = 100,547.5361
    const position = { entryPrice: 100_000, leverage: 100, notional: 5_000 };
    expect(okxLiquidationPrice({ ...position, side: 'long' }, OKX)).toBeCloseTo(99_447.5138, 3);
    expect(okxLiquidationPrice({ ...position, side: 'short' }, OKX)).toBeCloseTo(100_547.5361, 3);
  });

  it('picks the tier by position size in base asset', () => {
    // 10 BTC at 60,000 (notional 600,000) is in tier 2 (mmr 0.6%), 10x:
    // long 60000 · 0.9/(1 − 0.006 − 0.0005) = 54,000/0.9935 = 54,353.2964
    // short 60000 · 1.1/(1 + 0.006 + 0.0005) = 66,000/1.0065 = 65,573.7705
    const position = { entryPrice: 60_000, leverage: 10, notional: 600_000 };
    expect(positionTierFor(OKX, 10).maintenanceMarginRate).toBe(0.006);
    expect(okxLiquidationPrice({ ...position, side: 'long' }, OKX)).toBeCloseTo(54_353.2964, 3);
    expect(okxLiquidationPrice({ ...position, side: 'short' }, OKX)).toBeCloseTo(65_573.7705, 3);
    expect(positionTierFor(OKX, 5).maintenanceMarginRate).toBe(0.004);
    expect(positionTierFor(OKX, 500).maintenanceMarginRate).toBe(0.006);
  });
});

describe('the engine prices each exchange with its own rules', () => {
  /** One step: price 100,000, OI 0 → 1 with taker buys only, so every level is a long; its price per leverage. */
  function longLevels(engine: HeatmapEngine): number[] {
    const t = 1_700_000_000_000;
    engine.ingest({ kind: 'openInterest', symbol: 'BTCUSDT', time: t, openInterest: 0 });
    engine.ingest({ kind: 'trade', symbol: 'BTCUSDT', time: t + 1, price: 100_000, qty: 1, takerBuy: true });
    engine.ingest({ kind: 'openInterest', symbol: 'BTCUSDT', time: t + 2, openInterest: 1 });
    return engine
      .frame()!
      .levels.filter((level) => level.long > 0)
      .map((level) => level.price);
  }

  it('Bybit tiers delivered by the source replace tier 1; another exchange’s tiers are ignored with a warning', () => {
    const warnings: string[] = [];
    const engine = new HeatmapEngine({
      symbol: 'BTCUSDT',
      exchange: 'bybit',
      tiers: [{ leverage: 100, weight: 1 }],
      warn: (message) => warnings.push(message),
    });
    engine.ingest({ kind: 'marginTiers', exchange: 'okx', symbol: 'BTCUSDT', time: 0, tiers: OKX });
    engine.ingest({
      kind: 'marginTiers',
      exchange: 'bybit',
      symbol: 'BTCUSDT',
      time: 0,
      tiers: [{ valueCap: Infinity, maxLeverage: 100, maintenanceMarginRate: 0.002, mmDeduction: 0 }],
    });
    expect(warnings).toEqual(['ignoring okx margin tiers for BTCUSDT: this book models bybit']);
    // 100000 · (1 − 0.01 + 0.002) = 99,200: in the bucket at 99,200 (buckets of 100 near 100k).
    expect(longLevels(engine)).toEqual([99_200]);
  });

  it('OKX starts on its tier 1 (0.4%) with the fee: 100x long at 99,447.51 → bucket 99,400', () => {
    const engine = new HeatmapEngine({ symbol: 'BTCUSDT', exchange: 'okx', tiers: [{ leverage: 100, weight: 1 }] });
    expect(longLevels(engine)).toEqual([99_400]);
  });
});
