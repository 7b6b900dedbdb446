import { z } from 'zod';
import type { KlineEvent, MarketEvent, OpenInterestEvent } from '../events.js';
import type { ParseResult } from '../live-source.js';
import { decimal, describeIssues, epochMs, parseJson, positiveDecimal } from '../decimals.js';

const aggTrade = z.object({
  e: z.literal('aggTrade'),
  s: z.string(),
  p: positiveDecimal,
  q: positiveDecimal,
  T: epochMs,
  m: z.boolean(),
});
const markPrice = z.object({ e: z.literal('markPriceUpdate'), E: epochMs, s: z.string(), p: positiveDecimal });
const forceOrder = z.object({
  e: z.literal('forceOrder'),
  o: z.object({ s: z.string(), S: z.enum(['BUY', 'SELL']), ap: positiveDecimal, z: positiveDecimal, T: epochMs }),
});
const kline = z.object({
  e: z.literal('kline'),
  E: epochMs,
  s: z.string(),
  k: z.object({
    t: epochMs,
    T: epochMs,
    o: positiveDecimal,
    h: positiveDecimal,
    l: positiveDecimal,
    c: positiveDecimal,
    v: decimal,
    q: decimal,
    V: decimal,
    x: z.boolean(),
  }),
});
const envelope = z.object({ stream: z.string(), data: z.unknown() });

/** The four per-symbol streams this project listens to, by the suffix after `<symbol>@`. */
const STREAM_PARSERS: Record<string, (data: unknown) => MarketEvent> = {
  aggTrade: (data) => {
    const t = aggTrade.parse(data);
    // m = buyer is maker, so the taker sold.
    return { kind: 'trade', symbol: t.s, time: t.T, price: t.p, qty: t.q, takerBuy: !t.m };
  },
  'markPrice@1s': (data) => {
    const m = markPrice.parse(data);
    return { kind: 'markPrice', symbol: m.s, time: m.E, price: m.p };
  },
  forceOrder: (data) => {
    const { o } = forceOrder.parse(data);
    // The liquidation engine SELLs a liquidated long and BUYs back a liquidated short.
    return {
      kind: 'liquidation',
      symbol: o.s,
      time: o.T,
      price: o.ap,
      qty: o.z,
      side: o.S === 'SELL' ? 'long' : 'short',
    };
  },
  kline_1m: (data) => {
    const { E, s, k } = kline.parse(data);
    const event: KlineEvent = {
      kind: 'kline',
      symbol: s,
      time: E,
      openTime: k.t,
      closeTime: k.T,
      open: k.o,
      high: k.h,
      low: k.l,
      close: k.c,
      volume: k.v,
      quoteVolume: k.q,
      takerBuyVolume: k.V,
      closed: k.x,
    };
    return event;
  },
};

/** Combined-stream names for `symbols`, in a stable order (Binance wants lowercase symbols). */
export function streamNames(symbols: readonly string[]): string[] {
  return symbols.flatMap((symbol) => Object.keys(STREAM_PARSERS).map((suffix) => `${symbol.toLowerCase()}@${suffix}`));
}

/** One combined-stream frame `{stream, data}` → a normalized event, or why it was rejected. Never throws. */
export function parseStreamMessage(text: string): ParseResult {
  const parsed = parseJson(text);
  if (!parsed.ok) return parsed;
  const { json } = parsed;
  const wrapped = envelope.safeParse(json);
  if (!wrapped.success) return { ok: false, reason: 'not a combined-stream {stream, data} message' };
  const suffix = wrapped.data.stream.slice(wrapped.data.stream.indexOf('@') + 1);
  const parse = STREAM_PARSERS[suffix];
  if (!parse) return { ok: false, reason: `unexpected stream ${wrapped.data.stream}` };
  try {
    return { ok: true, events: [parse(wrapped.data.data)] };
  } catch (error) {
    return { ok: false, reason: `bad ${wrapped.data.stream} payload (${describeIssues(error)})` };
  }
}

const openInterestNow = z.object({ openInterest: decimal, symbol: z.string(), time: epochMs });

/** `GET /fapi/v1/openInterest` body → event, or null when malformed. */
export function parseOpenInterest(body: unknown): OpenInterestEvent | null {
  const parsed = openInterestNow.safeParse(body);
  if (!parsed.success) return null;
  return {
    kind: 'openInterest',
    symbol: parsed.data.symbol,
    time: parsed.data.time,
    openInterest: parsed.data.openInterest,
  };
}

const openInterestHistRow = z.object({ symbol: z.string(), sumOpenInterest: decimal, timestamp: epochMs });

/** One `GET /futures/data/openInterestHist` row → event, or null when malformed. */
export function parseOpenInterestHistRow(row: unknown): OpenInterestEvent | null {
  const parsed = openInterestHistRow.safeParse(row);
  if (!parsed.success) return null;
  return {
    kind: 'openInterest',
    symbol: parsed.data.symbol,
    time: parsed.data.timestamp,
    openInterest: parsed.data.sumOpenInterest,
  };
}

const klineRow = z
  .tuple([
    epochMs,
    positiveDecimal,
    positiveDecimal,
    positiveDecimal,
    positiveDecimal,
    decimal,
    epochMs,
    decimal,
    z.number(),
    decimal,
    decimal,
  ])
  .rest(z.unknown());

/** One `GET /fapi/v1/klines` row (an array) → a closed-kline event stamped at its close, or null when malformed. */
export function parseKlineRow(symbol: string, row: unknown): KlineEvent | null {
  const parsed = klineRow.safeParse(row);
  if (!parsed.success) return null;
  const [openTime, open, high, low, close, volume, closeTime, quoteVolume, , takerBuyVolume] = parsed.data;
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
    quoteVolume,
    takerBuyVolume,
    closed: true,
  };
}

const exchangeInfo = z.object({
  symbols: z.array(
    z.object({
      symbol: z.string(),
      filters: z.array(z.looseObject({ filterType: z.string() })),
    }),
  ),
});
const priceFilter = z.object({ filterType: z.literal('PRICE_FILTER'), tickSize: positiveDecimal });

/**
 * `GET /fapi/v1/exchangeInfo` → each listed symbol's `PRICE_FILTER.tickSize`, or null when the body is not
 * an exchangeInfo. A symbol whose price filter is missing or malformed is left out (reported as unlisted).
 */
export function parseTickSizes(body: unknown): Map<string, number> | null {
  const parsed = exchangeInfo.safeParse(body);
  if (!parsed.success) return null;
  const ticks = new Map<string, number>();
  for (const { symbol, filters } of parsed.data.symbols) {
    const filter = priceFilter.safeParse(filters.find((f) => f.filterType === 'PRICE_FILTER'));
    if (filter.success) ticks.set(symbol, filter.data.tickSize);
  }
  return ticks;
}
