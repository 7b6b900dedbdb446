import { describe, expect, it } from 'vitest';
import { formatPrice, historyLabel, priceDecimals } from '../../client/src/dashboard/format.js';
import { coverageOf } from '../../client/src/lib/coverage.js';

describe('dashboard price format', () => {
  it("shows a symbol's prices with its tick's decimals", () => {
    expect([0.1, 0.01, 0.5, 0.0025, 1, 10, 1e-7].map((tick) => priceDecimals(tick, 1))).toEqual([1, 2, 1, 4, 0, 0, 7]);
    expect(formatPrice(2829.59, priceDecimals(0.01, 2829.59))).toBe('2,829.59');
    expect(formatPrice(101_234.5, priceDecimals(0.1, 101_234.5))).toBe('101,234.5');
    expect(formatPrice(142.3, priceDecimals(0.01, 142.3))).toBe('142.30');
    // Axis labels drop trailing zeros of round levels.
    expect(formatPrice(96_000, 1, 0)).toBe('96,000');
  });

  it('without a tick, shows enough decimals to tell prices 0.1% apart', () => {
    expect(priceDecimals(null, 100_000)).toBe(0);
    expect(priceDecimals(undefined, 3_000)).toBe(0);
    expect(priceDecimals(null, 150)).toBe(1);
    expect(priceDecimals(null, 0.05)).toBe(5);
  });

  it('says how much of a window is loaded while its history is still loading, nothing once it is full', () => {
    const loading = { done: false, failed: null };
    const to = Date.UTC(2026, 0, 31, 12);
    const at = (ms: number) => new Date(ms).toISOString();
    const day = 24 * 3_600_000;
    const d30 = (coveredMs: number) =>
      historyLabel(coverageOf({ window: 'D30', to: at(to), coverageFrom: at(to - coveredMs) }, loading), null);
    expect(d30(day + 5 * 3_600_000)).toBe('history loading, 1 of 30 days');
    expect(d30(7.5 * day)).toBe('history loading, 7 of 30 days');
    expect(d30(30 * day)).toBeNull();
    expect(
      historyLabel(coverageOf({ window: 'H12', to: at(to), coverageFrom: at(to - 5.5 * 3_600_000) }, loading), null),
    ).toBe('history loading, 5 of 12 hours');
    expect(
      historyLabel(coverageOf({ window: 'H12', to: at(to), coverageFrom: at(to - day) }, loading), null),
    ).toBeNull();
  });

  it('says nothing of a window longer than the history the server loads once it is done (or has none to load)', () => {
    const to = Date.UTC(2026, 0, 31, 12);
    const at = (ms: number) => new Date(ms).toISOString();
    const d30 = { window: 'D30', to: at(to), coverageFrom: at(to - 24 * 3_600_000) } as const;
    // HISTORY_HOURS=24 with 30d picked: a day is all there will be.
    expect(coverageOf(d30, { done: true, failed: null }).filling).toBe(false);
    expect(historyLabel(coverageOf(d30, { done: true, failed: null }), null)).toBeNull();
    expect(coverageOf(d30, null).filling).toBe(false); // a replay: its whole range came at start
    // Not known yet (marketSource has not answered): taken as loading, so the grid is asked again.
    expect(coverageOf(d30, undefined).filling).toBe(true);
  });

  it('once the server gave up loading the history, a window not full says it is incomplete and why', () => {
    const to = Date.UTC(2026, 0, 31, 12);
    const at = (ms: number) => new Date(ms).toISOString();
    const day = 24 * 3_600_000;
    const failed = 'bybit: older history not fetched after 10 attempts: HTTP 503';
    const gaveUp = { done: false, failed };
    expect(
      historyLabel(coverageOf({ window: 'D30', to: at(to), coverageFrom: at(to - 3.2 * day) }, gaveUp), failed),
    ).toBe(`history incomplete, 3 of 30 days: ${failed}`);
    // A window the loaded history fills is complete whatever happened further back.
    expect(
      historyLabel(coverageOf({ window: 'H24', to: at(to), coverageFrom: at(to - 3.2 * day) }, gaveUp), failed),
    ).toBeNull();
  });
});
