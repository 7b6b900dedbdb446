import type { Coverage } from '../lib/coverage.js';

export function formatUsd(usd: number): string {
  const abs = Math.abs(usd);
  if (abs >= 1e9) return `$${(usd / 1e9).toFixed(2)}B`;
  if (abs >= 1e6) return `$${(usd / 1e6).toFixed(2)}M`;
  if (abs >= 1e3) return `$${(usd / 1e3).toFixed(1)}K`;
  return `$${usd.toFixed(0)}`;
}

/**
 * Decimals a symbol's prices are shown with: its tick's (0.1 → 1, 0.01 → 2), as the exchange quotes it.
 * Without a tick (not known yet), enough to tell prices 0.1% apart.
 */
export function priceDecimals(tickSize: number | null | undefined, price: number): number {
  if (!tickSize) return Math.max(0, Math.min(8, Math.ceil(-Math.log10(price / 1000))));
  const [mantissa = '', exponent = '0'] = tickSize.toExponential().split('e');
  return Math.max(0, (mantissa.split('.')[1]?.length ?? 0) - Number(exponent));
}

/** A price with `decimals` decimals; axis labels pass `minimumDecimals` 0 so round levels read 96,000. */
export function formatPrice(price: number, decimals: number, minimumDecimals = decimals): string {
  return price.toLocaleString('en-US', { minimumFractionDigits: minimumDecimals, maximumFractionDigits: decimals });
}

const pad = (value: number) => String(value).padStart(2, '0');

/** Local time of a column; the date is added for windows longer than a day. */
export function formatTime(ms: number, withDate: boolean): string {
  const date = new Date(ms);
  const time = `${pad(date.getHours())}:${pad(date.getMinutes())}`;
  return withDate ? `${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${time}` : time;
}

export function formatAge(ms: number): string {
  if (ms < 1_000) return 'just now';
  if (ms < 60_000) return `${Math.floor(ms / 1_000)} s ago`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} min ago`;
  return `${Math.floor(ms / 3_600_000)} h ago`;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * For a window not full yet: "history loading, 3 of 30 days" while the server is still loading its
 * history, or "history incomplete, 3 of 30 days: <why>" once the server gave up (`failed`, the
 * server's `marketSource.history.failed`); null for a full window. Days from 2-day windows up, hours below.
 */
export function historyLabel({ coveredMs, windowMs, filling }: Coverage, failed: string | null): string | null {
  if (coveredMs >= windowMs || (!filling && !failed)) return null;
  const unit = windowMs >= 2 * DAY_MS ? { ms: DAY_MS, name: 'days' } : { ms: HOUR_MS, name: 'hours' };
  const covered = `${Math.floor(coveredMs / unit.ms)} of ${Math.round(windowMs / unit.ms)} ${unit.name}`;
  return failed ? `history incomplete, ${covered}: ${failed}` : `history loading, ${covered}`;
}
