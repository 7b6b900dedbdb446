import type { MarketEvent } from '../events.js';
import type { CandleMs } from '../live-source.js';
import type { RestClient } from '../rest-client.js';
import { parseKlineRow, parseOpenInterestHistRow } from './payloads.js';

const KLINES_MAX_LIMIT = 1500;
const OI_HIST_MAX_LIMIT = 500;
const OI_HIST_PERIOD_MS = 5 * 60_000;
/** openInterestHist only serves the last month. */
const OI_HIST_AVAILABLE_MS = 30 * 24 * 3600_000;

/** `GET /fapi/v1/klines` weight by limit: [1,100) 1, [100,500) 2, [500,1000] 5, above 10. */
export function klinesWeight(limit: number): number {
  return limit < 100 ? 1 : limit < 500 ? 2 : limit <= 1000 ? 5 : 10;
}

/**
 * Past candles and open interest of one symbol between `from` and `to`, in time order: closed klines
 * stamped at their close, and 5-minute open-interest points. Malformed rows are reported and skipped.
 */
export async function fetchHistory(
  rest: RestClient,
  symbol: string,
  from: number,
  to: number,
  candleMs: CandleMs,
  onMalformed: (what: string, sample: unknown) => void,
): Promise<MarketEvent[]> {
  const events: MarketEvent[] = [];
  // 1m candles: a day is one request per symbol; 5m: 30 days are 6.
  const interval = `${candleMs / 60_000}m`;
  for (let start = from; start <= to;) {
    const rows = await rest.getJson(
      '/fapi/v1/klines',
      { symbol, interval, startTime: start, endTime: to, limit: KLINES_MAX_LIMIT },
      klinesWeight(KLINES_MAX_LIMIT),
    );
    if (!Array.isArray(rows)) throw new Error(`klines for ${symbol}: expected an array`);
    let lastOpenTime = -1;
    for (const row of rows) {
      const kline = parseKlineRow(symbol, row);
      if (!kline) {
        onMalformed('kline row', row);
        continue;
      }
      lastOpenTime = kline.openTime;
      // The newest candle is usually still open; the live stream delivers it.
      if (kline.closeTime <= to) events.push(kline);
    }
    if (rows.length < KLINES_MAX_LIMIT || lastOpenTime < start) break;
    start = lastOpenTime + 1;
  }

  // The month it serves ends now, not at `to` (older history is fetched in ranges ending in the past).
  for (let start = Math.max(from, Date.now() - OI_HIST_AVAILABLE_MS + OI_HIST_PERIOD_MS); start <= to;) {
    const rows = await rest.getJson(
      '/futures/data/openInterestHist',
      { symbol, period: '5m', startTime: start, endTime: to, limit: OI_HIST_MAX_LIMIT },
      // Listed as weight 0 (it has its own per-IP limit); counting 1 keeps the budget honest.
      1,
    );
    if (!Array.isArray(rows)) throw new Error(`openInterestHist for ${symbol}: expected an array`);
    let lastTime = -1;
    for (const row of rows) {
      const point = parseOpenInterestHistRow(row);
      if (!point) {
        onMalformed('openInterestHist row', row);
        continue;
      }
      lastTime = point.time;
      events.push(point);
    }
    if (rows.length < OI_HIST_MAX_LIMIT || lastTime < start) break;
    start = lastTime + 1;
  }

  // Stable: at equal times a candle close precedes the OI point, as the two series were fetched.
  return events.sort((a, b) => a.time - b.time);
}
