import type { MarketEvent } from '../events.js';

/**
 * Rows of Binance's public-data archive (data.binance.vision, USDⓈ-M futures), as CSV lines. The file
 * type comes from the file's name and folder (archive.ts); the rows are the same zipped or not.
 */
export type ArchiveType = 'aggTrades' | 'klines' | 'markPriceKlines' | 'metrics';

const KLINE_HEADER =
  'open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore';

/** The header row of each type, exactly as the archive writes it (files from before about mid-2022 have none). */
export const ARCHIVE_HEADERS: Readonly<Record<ArchiveType, string>> = {
  aggTrades: 'agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker',
  klines: KLINE_HEADER,
  markPriceKlines: KLINE_HEADER,
  metrics:
    'create_time,symbol,sum_open_interest,sum_open_interest_value,count_toptrader_long_short_ratio,sum_toptrader_long_short_ratio,count_long_short_ratio,sum_taker_long_short_vol_ratio',
};

const METRICS_TIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

export function splitCsvLine(line: string): string[] {
  return line.trim().split(',');
}

/** A data row starts with a number (an id or a time) or, in metrics, a UTC time; anything else is a header. */
export function isDataRow(fields: readonly string[]): boolean {
  const first = fields[0] ?? '';
  return /^\d+(\.\d+)?$/.test(first) || METRICS_TIME.test(first);
}

/** One data row → its event, or null when the row is malformed (the caller counts and skips it). */
export function parseArchiveRow(type: ArchiveType, fields: readonly string[], symbol: string): MarketEvent | null {
  switch (type) {
    case 'aggTrades': {
      // agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker
      if (fields.length < 7) return null;
      const price = positive(fields[1]);
      const qty = positive(fields[2]);
      const time = timestamp(fields[5]);
      const buyerMaker = bool(fields[6]);
      if (price === null || qty === null || time === null || buyerMaker === null) return null;
      return { kind: 'trade', symbol, time, price, qty, takerBuy: !buyerMaker };
    }
    case 'klines': {
      const candle = parseCandle(fields);
      const volume = nonNegative(fields[5]);
      const quoteVolume = nonNegative(fields[7]);
      const takerBuyVolume = nonNegative(fields[9]);
      if (!candle || volume === null || quoteVolume === null || takerBuyVolume === null) return null;
      // Archive klines are final: the event is "this candle closed", stamped at its close.
      return { kind: 'kline', symbol, ...candle, volume, quoteVolume, takerBuyVolume, closed: true };
    }
    case 'markPriceKlines': {
      // Same columns as klines; the volume columns are 0 or ignored.
      const candle = parseCandle(fields);
      if (!candle) return null;
      const { time, openTime, open, high, low, close } = candle;
      return { kind: 'markPriceKline', symbol, time, openTime, open, high, low, close };
    }
    case 'metrics': {
      // create_time,symbol,sum_open_interest,... (create_time is UTC; sum_open_interest in base asset)
      if (fields.length < 3) return null;
      const match = METRICS_TIME.exec(fields[0] ?? '');
      const openInterest = nonNegative(fields[2]);
      if (!match || openInterest === null) return null;
      const [, y, mo, d, h, mi, s] = match.map(Number) as [number, number, number, number, number, number, number];
      return { kind: 'openInterest', symbol, time: Date.UTC(y, mo - 1, d, h, mi, s), openInterest };
    }
  }
}

/** open_time,open,high,low,close,volume,close_time,…: the candle stamped at its close, null when inconsistent. */
function parseCandle(fields: readonly string[]) {
  if (fields.length < 11) return null;
  const openTime = timestamp(fields[0]);
  const closeTime = timestamp(fields[6]);
  const [open, high, low, close] = [1, 2, 3, 4].map((i) => positive(fields[i]));
  if (openTime === null || closeTime === null || open == null || high == null || low == null || close == null)
    return null;
  if (high < low || closeTime < openTime) return null;
  return { time: closeTime, openTime, closeTime, open, high, low, close };
}

function nonNegative(text: string | undefined): number | null {
  if (text === undefined || text.trim() === '') return null;
  const value = Number(text);
  return Number.isFinite(value) && value >= 0 ? value : null;
}

function positive(text: string | undefined): number | null {
  const value = nonNegative(text);
  return value !== null && value > 0 ? value : null;
}

/** Epoch ms; newer archive files use microseconds, recognisable by their size. */
function timestamp(text: string | undefined): number | null {
  const value = nonNegative(text);
  if (value === null || !Number.isInteger(value)) return null;
  return value > 1e14 ? Math.floor(value / 1000) : value;
}

function bool(text: string | undefined): boolean | null {
  const lower = text?.trim().toLowerCase();
  return lower === 'true' ? true : lower === 'false' ? false : null;
}
