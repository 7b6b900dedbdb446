import { describe, expect, it } from 'vitest';
import { HeatmapEngine } from '../../src/heatmap/engine.js';
import {
  bracketForNotional,
  bracketsFor,
  cumByRecurrence,
  SHIPPED_BRACKETS,
  TIER_ONE_FALLBACK,
  validateBrackets,
  type MarginBracket,
} from '../../src/heatmap/margin-brackets.js';

describe('shipped margin brackets', () => {
  it('ships BTCUSDT and ETHUSDT', () => {
    expect(Object.keys(SHIPPED_BRACKETS)).toEqual(expect.arrayContaining(['BTCUSDT', 'ETHUSDT']));
  });

  it.each(Object.entries(SHIPPED_BRACKETS))(
    '%s follows cum_n = floor_n·(MMR_n − MMR_{n−1}) + cum_{n−1}',
    (_symbol, brackets) => {
      brackets.forEach((bracket, n) => expect(bracket.cum).toBeCloseTo(cumByRecurrence(brackets, n), 6));
      expect(() => validateBrackets(brackets)).not.toThrow();
    },
  );

  it('derives the BTCUSDT cum values by hand', () => {
    const btc = SHIPPED_BRACKETS.BTCUSDT!;
    expect(cumByRecurrence(btc, 1)).toBeCloseTo(50, 9); // 50,000 · (0.005 − 0.004)
    expect(cumByRecurrence(btc, 2)).toBeCloseTo(1_300, 9); // 250,000 · 0.005 + 50
    expect(cumByRecurrence(btc, 3)).toBeCloseTo(16_300, 9); // 1,000,000 · 0.015 + 1,300
    expect(cumByRecurrence(btc, 4)).toBeCloseTo(266_300, 9); // 10,000,000 · 0.025 + 16,300
  });

  it('rejects a table whose cum breaks the recurrence, naming the bracket', () => {
    const broken: MarginBracket[] = SHIPPED_BRACKETS.BTCUSDT!.map((b) => ({ ...b }));
    broken[2]!.cum = 1_250;
    expect(() => validateBrackets(broken)).toThrow(/margin bracket 3 .*cum 1250 breaks the recurrence \(expected 1300/);
  });

  it('rejects gaps between brackets', () => {
    const gap = SHIPPED_BRACKETS.BTCUSDT!.map((b, i) => (i === 1 ? { ...b, notionalFloor: 60_000 } : b));
    expect(() => validateBrackets(gap)).toThrow(/margin bracket 2 .*floor must be 50000/);
  });

  it('finds the bracket by notional: floor inclusive, cap exclusive, the last one above its cap', () => {
    const btc = SHIPPED_BRACKETS.BTCUSDT!;
    expect(bracketForNotional(btc, 49_999.99).maintMarginRatio).toBe(0.004);
    expect(bracketForNotional(btc, 50_000).maintMarginRatio).toBe(0.005);
    expect(bracketForNotional(btc, 264_000).maintMarginRatio).toBe(0.01); // the Binance FAQ example
    expect(bracketForNotional(btc, 1e12).maintMarginRatio).toBe(0.5);
  });
});

describe('unknown symbol', () => {
  it('falls back to tier 1 and warns through the callback', () => {
    const warnings: string[] = [];
    expect(bracketsFor('DOGEUSDT', (m) => warnings.push(m))).toBe(TIER_ONE_FALLBACK);
    expect(warnings).toEqual([expect.stringContaining('DOGEUSDT')]);
    expect(bracketsFor('BTCUSDT', (m) => warnings.push(m))).toBe(SHIPPED_BRACKETS.BTCUSDT);
    expect(warnings).toHaveLength(1);
  });

  it('an engine of an unknown symbol warns once however many events it gets, and still builds levels at MMR 0.40%', () => {
    const warnings: string[] = [];
    const engine = new HeatmapEngine({
      symbol: 'DOGEUSDT',
      tiers: [{ leverage: 100, weight: 1 }],
      warn: (m) => warnings.push(m),
    });
    engine.ingest({ kind: 'openInterest', symbol: 'DOGEUSDT', time: 0, openInterest: 1_000 });
    for (let i = 1; i <= 50; i++)
      engine.ingest({ kind: 'trade', symbol: 'DOGEUSDT', time: i, price: 0.4, qty: 100, takerBuy: true });
    engine.ingest({ kind: 'openInterest', symbol: 'DOGEUSDT', time: 100, openInterest: 2_000 });
    expect(warnings).toHaveLength(1);
    // Bucket 0.0005 (0.1% of 0.4 = 0.0004 → 5·10^-4); 100x long at 0.4 · 0.99/0.996 = 0.397590 → bucket 0.3975.
    // USD: ΔOI 1,000 · VWAP 0.4 = 400, all taker buys → long.
    expect(engine.frame()!.levels).toEqual([{ price: 0.3975, long: 400, short: 0 }]);
  });
});
