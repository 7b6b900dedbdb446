import type { MarketEvent } from './events.js';

/**
 * Rows of Binance's public-data archive (data.binance.vision, USDⓈ-M futures), as CSV lines. Files come
 * with or without a header row depending on their date, so the kind is detected from the first line.
 */
export type CsvKind = 'aggTrades' | 'klines' | 'metrics';

const HEADER_FIRST_COLUMN: Record<string, CsvKind> = {
  agg_trade_id: 'aggTrades',
  open_time: 'klines',
  create_time: 'metrics',
};

const METRICS_TIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

/** Kind of a file from its first line, and whether that line is a header; null when unrecognizable. */
export function detectCsvKind(firstLine: string): { kind: CsvKind; hasHeader: boolean } | null {
  const fields = splitCsvLine(firstLine);
  const first = fields[0] ?? '';
  const byHeader = HEADER_FIRST_COLUMN[first];
  if (byHeader) return { kind: byHeader, hasHeader: true };
  if (METRICS_TIME.test(first)) return { kind: 'metrics', hasHeader: false };
  if (fields.length === 7 && /^(true|false)$/i.test(fields[6] ?? '')) return { kind: 'aggTrades', hasHeader: false };
  if (fields.length === 12) return { kind: 'klines', hasHeader: false };
  return null;
}

export function splitCsvLine(line: string): string[] {
  return line.trim().split(',');
}

/** One data row → its event, or null when the row is malformed (caller counts and skips it). */
export function parseCsvRow(kind: CsvKind, fields: readonly string[], symbol: string): MarketEvent | null {
  switch (kind) {
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
      // open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore
      if (fields.length < 11) return null;
      const openTime = timestamp(fields[0]);
      const closeTime = timestamp(fields[6]);
      const [open, high, low, close] = [1, 2, 3, 4].map((i) => positive(fields[i]));
      const volume = nonNegative(fields[5]);
      const takerBuyVolume = nonNegative(fields[9]);
      if (
        openTime === null ||
        closeTime === null ||
        open == null ||
        high == null ||
        low == null ||
        close == null ||
        volume === null ||
        takerBuyVolume === null ||
        high < low ||
        closeTime < openTime
      ) {
        return null;
      }
      // Archive klines are final: the event is "this candle closed", stamped at its close.
      return {
        kind: 'kline',
        symbol,
        time: closeTime,
        openTime,
        closeTime,
        open,
        high,
        low,
        close,
        volume,
        takerBuyVolume,
        closed: true,
      };
    }
    case 'metrics': {
      // create_time,symbol,sum_open_interest,sum_open_interest_value,... (create_time is UTC)
      if (fields.length < 3) return null;
      const match = METRICS_TIME.exec(fields[0] ?? '');
      const openInterest = nonNegative(fields[2]);
      if (!match || openInterest === null) return null;
      const [, y, mo, d, h, mi, s] = match.map(Number) as [number, number, number, number, number, number, number];
      return { kind: 'openInterest', symbol, time: Date.UTC(y, mo - 1, d, h, mi, s), openInterest };
    }
  }
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
