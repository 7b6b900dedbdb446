import { z } from 'zod';
import { candleEvent } from '../candles.js';
import { decimal, describeIssues, epochMs, epochMsString, parseJson, positiveDecimal } from '../decimals.js';
import type { BybitRiskLimit, KlineEvent, MarketEvent, OpenInterestEvent } from '../events.js';
import type { ParseResult } from '../live-source.js';

/**
 * Bybit's `openInterest` is documented as the sum of both sides (docs/exchange-sources.md); the model, like
 * Binance's figure, counts one side. Halved everywhere, in history and live alike, so the series has no seam.
 */
const ONE_SIDE_OF_BYBIT_OPEN_INTEREST = 0.5;

/** Topics of one symbol on the public linear stream, in a stable order. */
export function topicsOf(symbol: string): string[] {
  return [`publicTrade.${symbol}`, `tickers.${symbol}`, `allLiquidation.${symbol}`, `kline.1.${symbol}`];
}

const side = z.enum(['Buy', 'Sell']);
const trade = z.object({ T: epochMs, s: z.string(), S: side, v: positiveDecimal, p: positiveDecimal });
/** Deltas carry only the fields that changed: each one present is an update. */
const ticker = z.object({
  symbol: z.string(),
  markPrice: positiveDecimal.optional(),
  openInterest: decimal.optional(),
});
const liquidation = z.object({ T: epochMs, s: z.string(), S: side, v: positiveDecimal, p: positiveDecimal });
const kline = z.object({
  start: epochMs,
  end: epochMs,
  open: positiveDecimal,
  high: positiveDecimal,
  low: positiveDecimal,
  close: positiveDecimal,
  volume: decimal,
  /** Quote-asset (USDT) volume: turnover / volume is the candle's VWAP. */
  turnover: decimal,
  confirm: z.boolean(),
  timestamp: epochMs,
});
const topicMessage = z.object({ topic: z.string(), ts: epochMs, data: z.unknown() });
const opReply = z.object({ op: z.string(), success: z.boolean(), ret_msg: z.string().optional() });

/** Each topic's `data` → normalized events; `ts` is the message time, `symbol` the topic's last part. */
const TOPIC_PARSERS: Record<string, (data: unknown, ts: number, symbol: string) => MarketEvent[]> = {
  publicTrade: (data) =>
    z
      .array(trade)
      .parse(data)
      // S is the taker's side.
      .map((t) => ({ kind: 'trade', symbol: t.s, time: t.T, price: t.p, qty: t.v, takerBuy: t.S === 'Buy' })),
  tickers: (data, ts) => {
    const t = ticker.parse(data);
    const events: MarketEvent[] = [];
    if (t.markPrice !== undefined) events.push({ kind: 'markPrice', symbol: t.symbol, time: ts, price: t.markPrice });
    if (t.openInterest !== undefined)
      events.push({
        kind: 'openInterest',
        symbol: t.symbol,
        time: ts,
        openInterest: t.openInterest * ONE_SIDE_OF_BYBIT_OPEN_INTEREST,
      });
    return events;
  },
  allLiquidation: (data) =>
    z
      .array(liquidation)
      .parse(data)
      // Bybit names the liquidated position's side: "Buy" is a long liquidated (the opposite of Binance's order side).
      .map((l) => ({
        kind: 'liquidation',
        symbol: l.s,
        time: l.T,
        price: l.p,
        qty: l.v,
        side: l.S === 'Buy' ? 'long' : 'short',
      })),
  kline: (data, _ts, symbol) =>
    z
      .array(kline)
      .parse(data)
      .map((k) =>
        candleEvent(symbol, k.timestamp, {
          openTime: k.start,
          closeTime: k.end,
          open: k.open,
          high: k.high,
          low: k.low,
          close: k.close,
          volume: k.volume,
          quoteVolume: k.turnover,
          closed: k.confirm,
        }),
      ),
};

/** One public-stream message → normalized events (none for subscribe and ping answers), or why it was rejected. Never throws. */
export function parseStreamMessage(text: string): ParseResult {
  const parsed = parseJson(text);
  if (!parsed.ok) return parsed;
  const { json } = parsed;
  const reply = opReply.safeParse(json);
  if (reply.success) {
    return reply.data.success
      ? { ok: true, events: [] }
      : { ok: false, reason: `${reply.data.op} refused: ${reply.data.ret_msg ?? 'no reason given'}` };
  }
  const message = topicMessage.safeParse(json);
  if (!message.success) return { ok: false, reason: 'not a topic message {topic, ts, data}' };
  const { topic, ts, data } = message.data;
  const parse = TOPIC_PARSERS[topic.slice(0, topic.indexOf('.'))];
  if (!parse) return { ok: false, reason: `unexpected topic ${topic}` };
  try {
    return { ok: true, events: parse(data, ts, topic.slice(topic.lastIndexOf('.') + 1)) };
  } catch (error) {
    return { ok: false, reason: `bad ${topic} payload (${describeIssues(error)})` };
  }
}

const envelope = z.object({ retCode: z.number(), retMsg: z.string(), result: z.unknown() });

/** A v5 REST body's `result`; a non-zero retCode (a refusal in an HTTP 200) becomes an Error with Bybit's message. */
export function resultOf(path: string, body: unknown): unknown {
  const parsed = envelope.safeParse(body);
  if (!parsed.success) throw new Error(`bybit ${path}: not a {retCode, retMsg, result} body`);
  if (parsed.data.retCode !== 0) throw new Error(`bybit ${path}: retCode ${parsed.data.retCode} ${parsed.data.retMsg}`);
  return parsed.data.result;
}

const listResult = z.object({ list: z.array(z.unknown()), nextPageCursor: z.string().optional() });

/** `result.list` (and the next page's cursor, "" at the end) of a v5 list response. */
export function listOf(path: string, body: unknown): { list: unknown[]; cursor: string } {
  const parsed = listResult.safeParse(resultOf(path, body));
  if (!parsed.success) throw new Error(`bybit ${path}: result has no list`);
  return { list: parsed.data.list, cursor: parsed.data.nextPageCursor ?? '' };
}

const klineRow = z
  .tuple([epochMsString, positiveDecimal, positiveDecimal, positiveDecimal, positiveDecimal, decimal, decimal])
  .rest(z.unknown());

/** One `/v5/market/kline` row `[start, open, high, low, close, volume, turnover]` → a closed kline stamped at its close, or null. */
export function parseKlineRow(symbol: string, intervalMs: number, row: unknown): KlineEvent | null {
  const parsed = klineRow.safeParse(row);
  if (!parsed.success) return null;
  const [openTime, open, high, low, close, volume, quoteVolume] = parsed.data;
  const closeTime = openTime + intervalMs - 1;
  return candleEvent(symbol, closeTime, {
    openTime,
    closeTime,
    open,
    high,
    low,
    close,
    volume,
    quoteVolume,
    closed: true,
  });
}

const openInterestRow = z.object({ openInterest: decimal, timestamp: epochMsString });

/**
 * One `/v5/market/open-interest` row → event (one side, see ONE_SIDE_OF_BYBIT_OPEN_INTEREST), or null.
 * Not one parser with Binance's parseOpenInterestHistRow: the rows only look alike. Bybit's has no
 * symbol, sends its time as a string and counts both sides; Binance's names the symbol, sends a number
 * and `sumOpenInterest` is one side already. What they share is the event they build.
 */
export function parseOpenInterestRow(symbol: string, row: unknown): OpenInterestEvent | null {
  const parsed = openInterestRow.safeParse(row);
  if (!parsed.success) return null;
  return {
    kind: 'openInterest',
    symbol,
    time: parsed.data.timestamp,
    openInterest: parsed.data.openInterest * ONE_SIDE_OF_BYBIT_OPEN_INTEREST,
  };
}

const instrumentRow = z.object({
  symbol: z.string(),
  contractType: z.string(),
  status: z.string(),
  settleCoin: z.string(),
  priceFilter: z.object({ tickSize: positiveDecimal }),
});

/**
 * `symbol` in `/v5/market/instruments-info` rows: its tick size when it is a trading USDT perpetual (the
 * linear category also holds USDC perpetuals and dated futures), else why not.
 */
export function instrumentOf(symbol: string, rows: readonly unknown[]): { tickSize: number } | { why: string } {
  const row = rows.map((r) => instrumentRow.safeParse(r)).find((r) => r.success && r.data.symbol === symbol);
  if (!row?.success) return { why: 'not listed by Bybit' };
  const { contractType, status, settleCoin, priceFilter } = row.data;
  if (contractType !== 'LinearPerpetual' || settleCoin !== 'USDT')
    return { why: `a ${contractType} settled in ${settleCoin}, not a USDT perpetual` };
  return status === 'Trading' ? { tickSize: priceFilter.tickSize } : { why: `status ${status}` };
}

const riskLimitRow = z.object({
  riskLimitValue: positiveDecimal,
  maintenanceMargin: positiveDecimal,
  initialMargin: positiveDecimal,
  maxLeverage: positiveDecimal,
  // "" on tier 1.
  mmDeduction: z.union([z.literal('').transform(() => 0), decimal]),
});

/**
 * `/v5/market/risk-limit` rows → tiers sorted by cap. The rates come as fractions (0.005) for linear
 * contracts but the doc's example shows percent-like values (0.5): whichever makes the initial margin
 * equal 1/maxLeverage is taken (docs/exchange-sources.md). Throws when a row fits neither.
 */
export function parseRiskLimits(rows: readonly unknown[]): BybitRiskLimit[] {
  return rows
    .map((row, index) => {
      const parsed = riskLimitRow.safeParse(row);
      if (!parsed.success) throw new Error(`risk-limit row ${index + 1}: ${describeIssues(parsed.error)}`);
      const { riskLimitValue, maintenanceMargin, initialMargin, maxLeverage, mmDeduction } = parsed.data;
      const scale = [1, 100].find((s) => Math.abs((initialMargin / s) * maxLeverage - 1) < 0.01);
      if (scale === undefined)
        throw new Error(
          `risk-limit row ${index + 1}: initialMargin ${initialMargin} is not 1/maxLeverage ${maxLeverage}`,
        );
      return {
        valueCap: riskLimitValue,
        maxLeverage,
        maintenanceMarginRate: maintenanceMargin / scale,
        mmDeduction,
      };
    })
    .sort((a, b) => a.valueCap - b.valueCap);
}
