import { expect } from 'vitest';
import type { MarketEvent } from '../../src/market/events.js';
import type { MarketSource } from '../../src/market/source.js';

const FIVE_MINUTES = 5 * 60_000;

/**
 * What every live source's older history must be (docs/architecture.md, "History"): 5-minute candles and
 * open interest of [from, recentFrom) in time order, each once, none of them also in what `start` delivered.
 * `oiPoints` is how many 5-minute open-interest points the fake holds in that range.
 */
export async function expectOlderHistory(
  source: MarketSource,
  started: readonly MarketEvent[],
  from: number,
  oiPoints: number,
): Promise<void> {
  const history = source.olderHistory!;
  const recentFrom = history.recentFrom();
  const recent = started.filter((e) => e.kind === 'kline' || e.kind === 'openInterest');
  expect(recent.length).toBeGreaterThan(0);
  expect(recent.every((e) => e.time >= recentFrom)).toBe(true);

  const older = await history.fetch(from, recentFrom);
  const times = older.map((e) => e.time);
  expect(times).toEqual([...times].sort((a, b) => a - b));
  expect(older.every((e) => e.time >= from && e.time < recentFrom)).toBe(true);
  const klines = older.filter((e) => e.kind === 'kline');
  // Every closed 5-minute candle of the range but the one cut at each end.
  expect(klines.length).toBeGreaterThanOrEqual(Math.floor((recentFrom - from) / FIVE_MINUTES) - 2);
  expect(klines.every((k) => k.closed && k.closeTime - k.openTime === FIVE_MINUTES - 1)).toBe(true);
  expect(new Set(klines.map((k) => k.openTime)).size).toBe(klines.length);
  const oi = older.filter((e) => e.kind === 'openInterest');
  expect(oi.length).toBeGreaterThanOrEqual(oiPoints - 1);
  expect(new Set(oi.map((p) => p.time)).size).toBe(oi.length);
}
