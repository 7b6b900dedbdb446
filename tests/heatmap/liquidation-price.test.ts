import { describe, expect, it } from 'vitest';
import { liquidationPrice } from '../../src/heatmap/liquidation-price.js';
import { SHIPPED_BRACKETS, TIER_ONE_FALLBACK } from '../../src/heatmap/margin-brackets.js';
import type { Side } from '../../src/heatmap/types.js';
import { FAQ_BRACKETS } from './faq-brackets.js';

const BTC = SHIPPED_BRACKETS.BTCUSDT!;
const distance = (side: Side, leverage: number) =>
  (liquidationPrice({ side, entryPrice: 100_000, leverage, notional: 10_000 }, BTC) / 100_000 - 1) * 100;

describe('liquidationPrice, tier 1 (MMR 0.40%, cum 0)', () => {
  // Binance's isolated-margin formula with the initial margin as wallet balance (liquidation-price.ts): long EP·(1 − 1/L)/(1 − MMR), short EP·(1 + 1/L)/(1 + MMR).
  it.each([
    // L, long %, short %:  e.g. 100x long 0.99/0.996 − 1 = −0.6024%, short 1.01/1.004 − 1 = +0.5976%
    [5, -19.68, 19.52], //  0.8/0.996 − 1 = −19.679%;  1.2/1.004 − 1 = +19.522%
    [10, -9.64, 9.56], //   0.9/0.996 − 1 = −9.639%;   1.1/1.004 − 1 = +9.562%
    [25, -3.61, 3.59], //   0.96/0.996 − 1 = −3.614%;  1.04/1.004 − 1 = +3.586%
    [50, -1.61, 1.59], //   0.98/0.996 − 1 = −1.606%;  1.02/1.004 − 1 = +1.594%
    [100, -0.6, 0.6],
    [125, -0.4, 0.4], //    0.992/0.996 − 1 = −0.402%; 1.008/1.004 − 1 = +0.398%
  ])('%ix: long %f%%, short +%f%%', (leverage, long, short) => {
    expect(distance('long', leverage)).toBeCloseTo(long, 2);
    expect(distance('short', leverage)).toBeCloseTo(short, 2);
  });

  it('is not the naive EP·(1 ∓ 1/L) nor EP·(1 − 1/L + MMR/L)', () => {
    const long100 = liquidationPrice({ side: 'long', entryPrice: 100_000, leverage: 100, notional: 10_000 }, BTC);
    expect(long100).toBeCloseTo(99_397.59, 2); // 100000 · 0.99 / 0.996
    expect(long100).not.toBeCloseTo(99_000, 0);
    expect(long100).not.toBeCloseTo(99_004, 0);
  });

  it('1x long liquidates only at 0', () => {
    // WB = Q·EP: (Q·EP + 0 − Q·EP)/(…) = 0
    expect(
      liquidationPrice({ side: 'long', entryPrice: 100_000, leverage: 1, notional: 10_000 }, TIER_ONE_FALLBACK),
    ).toBeCloseTo(0, 9);
  });
});

describe('liquidationPrice, bracket switch (the FAQ table)', () => {
  it('recomputes with the bracket of the notional at LP (long 10x, 260k USDT: bracket 3 → bracket 2)', () => {
    // Q = 2.6 BTC, WB = 26,000. Bracket 3 (1%, cum 1,300): (26000 + 1300 − 260000)/(0.026 − 2.6) = 90,404.04,
    // notional there 235,051 → bracket 2 (0.5%, cum 50): (26000 + 50 − 260000)/(0.013 − 2.6) = 90,432.93,
    // notional there 235,126 → still bracket 2: done.
    const price = liquidationPrice(
      { side: 'long', entryPrice: 100_000, leverage: 10, notional: 260_000 },
      FAQ_BRACKETS,
    );
    expect(price).toBeCloseTo(90_432.93, 2);
  });

  it('moves a short up a bracket when its notional grows past the cap at LP (5x, 49k USDT)', () => {
    // Bracket 1 gives 119,521.91 → notional 58,566 is bracket 2 (0.5%, cum 50):
    // Q = 0.49, WB = 9,800: (9800 + 50 + 49000)/(0.00245 + 0.49) = 119,504.52 → notional 58,557: bracket 2.
    const price = liquidationPrice({ side: 'short', entryPrice: 100_000, leverage: 5, notional: 49_000 }, FAQ_BRACKETS);
    expect(price).toBeCloseTo(119_504.52, 2);
  });

  it('uses the maintenance amount of a large position (long 20x, 2M USDT in bracket 4)', () => {
    // Q = 20, WB = 100,000, bracket 4 (2.5%, cum 16,300): (100000 + 16300 − 2000000)/(0.5 − 20) = 96,600.00,
    // notional there 1,932,000: still bracket 4.
    const price = liquidationPrice(
      { side: 'long', entryPrice: 100_000, leverage: 20, notional: 2_000_000 },
      FAQ_BRACKETS,
    );
    expect(price).toBeCloseTo(96_600, 2);
  });
});
