import type { MarginBracket } from '../../src/heatmap/margin-brackets.js';

/**
 * The long-standing BTCUSDT table (first four brackets), the one the Binance FAQ's worked examples use
 * (264,000 USDT → MMR 1%; 500,000 USDT → cum 1,300): hand-computed bracket cases are checked against it.
 */
export const FAQ_BRACKETS: readonly MarginBracket[] = (
  [
    [0, 50_000, 125, 0.004, 0],
    [50_000, 250_000, 100, 0.005, 50],
    [250_000, 1_000_000, 50, 0.01, 1_300],
    [1_000_000, 10_000_000, 20, 0.025, 16_300],
  ] as const
).map(([notionalFloor, notionalCap, maxLeverage, maintMarginRatio, cum]) => ({
  notionalFloor,
  notionalCap,
  maxLeverage,
  maintMarginRatio,
  cum,
}));
