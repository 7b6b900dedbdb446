import { describe, expect, it } from 'vitest';
import { HeatmapEngine } from '../../src/heatmap/engine.js';
import { FAQ_BRACKETS } from './faq-brackets.js';
import { oneStep } from './scripted.js';
import { TYPICAL_POSITION_USD } from '../../src/heatmap/engine.js';
import { liquidationPrice } from '../../src/heatmap/liquidation-price.js';
import {
  bracketForNotional,
  bracketsFor,
  cumByRecurrence,
  parseBracketFile,
  SHIPPED_BRACKETS,
  TIER_ONE_FALLBACK,
  validateBrackets,
  type MarginBracket,
} from '../../src/heatmap/margin-brackets.js';

describe('shipped margin brackets', () => {
  it('ships BTCUSDT, ETHUSDT and SOLUSDT (the default symbols), tier 1 as documented in docs/model.md', () => {
    expect(Object.keys(SHIPPED_BRACKETS)).toEqual(['BTCUSDT', 'ETHUSDT', 'SOLUSDT']);
    const tierOne = (symbol: string) => SHIPPED_BRACKETS[symbol]![0]!;
    expect(tierOne('BTCUSDT')).toEqual({
      notionalFloor: 0,
      notionalCap: 300_000,
      maxLeverage: 150,
      maintMarginRatio: 0.004,
      cum: 0,
    });
    expect([tierOne('ETHUSDT').notionalCap, tierOne('ETHUSDT').maintMarginRatio]).toEqual([50_000, 0.004]);
    expect(tierOne('SOLUSDT').maintMarginRatio).toBe(0.005);
  });

  it('prices the typical position with each table: 10x long LP = EP·0.9/(1 − MMR)', () => {
    const lp = (symbol: string, entryPrice: number) =>
      liquidationPrice({ side: 'long', entryPrice, leverage: 10, notional: TYPICAL_POSITION_USD }, bracketsFor(symbol));
    expect(lp('BTCUSDT', 100_000)).toBeCloseTo(90_361.45, 2); // 90,000 / 0.996
    expect(lp('ETHUSDT', 3_000)).toBeCloseTo(2_710.84, 2); // 2,700 / 0.996
    expect(lp('SOLUSDT', 150)).toBeCloseTo(135.678, 3); // 135 / 0.995
  });

  it.each(Object.entries(SHIPPED_BRACKETS))(
    '%s follows cum_n = floor_n·(MMR_n − MMR_{n−1}) + cum_{n−1}',
    (_symbol, brackets) => {
      brackets.forEach((bracket, n) => expect(bracket.cum).toBeCloseTo(cumByRecurrence(brackets, n), 6));
      expect(() => validateBrackets(brackets)).not.toThrow();
    },
  );

  it('derives cum values by hand', () => {
    expect(cumByRecurrence(SHIPPED_BRACKETS.BTCUSDT!, 1)).toBeCloseTo(300, 9); // 300,000 · (0.005 − 0.004)
    // The long-standing table of the Binance FAQ examples: 250,000 · 0.005 + 50 = 1,300; 1,000,000 · 0.015 + 1,300.
    expect(cumByRecurrence(FAQ_BRACKETS, 2)).toBeCloseTo(1_300, 9);
    expect(cumByRecurrence(FAQ_BRACKETS, 3)).toBeCloseTo(16_300, 9);
  });

  it('rejects a table whose cum breaks the recurrence, naming the bracket', () => {
    const broken: MarginBracket[] = FAQ_BRACKETS.map((b) => ({ ...b }));
    broken[2]!.cum = 1_250;
    expect(() => validateBrackets(broken)).toThrow(/margin bracket 3 .*cum 1250 breaks the recurrence \(expected 1300/);
  });

  it('rejects gaps between brackets', () => {
    const gap = FAQ_BRACKETS.map((b, i) => (i === 1 ? { ...b, notionalFloor: 60_000 } : b));
    expect(() => validateBrackets(gap)).toThrow(/margin bracket 2 .*floor must be 50000/);
  });

  it('finds the bracket by notional: floor inclusive, cap exclusive, the last one above its cap', () => {
    expect(bracketForNotional(FAQ_BRACKETS, 49_999.99).maintMarginRatio).toBe(0.004);
    expect(bracketForNotional(FAQ_BRACKETS, 50_000).maintMarginRatio).toBe(0.005);
    expect(bracketForNotional(FAQ_BRACKETS, 264_000).maintMarginRatio).toBe(0.01); // the Binance FAQ example
    expect(bracketForNotional(FAQ_BRACKETS, 1e12).maintMarginRatio).toBe(0.025);
    expect(bracketForNotional(SHIPPED_BRACKETS.BTCUSDT!, 5e6).maintMarginRatio).toBe(0.005);
  });
});

describe('a table loaded by the operator (MARGIN_BRACKETS_FILE)', () => {
  it('parses the leverageBracket response, decimal strings included, and the engine prices with it', () => {
    const tables = parseBracketFile(
      JSON.stringify({
        symbol: 'BTCUSDT',
        brackets: [
          {
            bracket: 1,
            initialLeverage: '50',
            notionalCap: '1000000',
            notionalFloor: '0',
            maintMarginRatio: '0.01',
            cum: '0',
          },
        ],
      }),
    );
    expect(tables).toEqual({
      BTCUSDT: [{ notionalFloor: 0, notionalCap: 1_000_000, maxLeverage: 50, maintMarginRatio: 0.01, cum: 0 }],
    });
    const engine = new HeatmapEngine({
      symbol: 'BTCUSDT',
      tiers: [{ leverage: 10, weight: 1 }],
      brackets: tables.BTCUSDT,
    });
    oneStep(engine);
    // VWAP 100,050 (scripted.ts): long 100,050·0.9/0.99 = 90,954.55 → 90,900 (with the shipped 0.4%: 90,400);
    // short 100,050·1.1/1.01 = 108,965.35 → 108,900.
    expect(engine.frame()!.levels.map((level) => level.price)).toEqual([90_900, 108_900]);
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
