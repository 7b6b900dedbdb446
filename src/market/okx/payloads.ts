import { z } from 'zod';
import { candleEvent } from '../candles.js';
import { decimal, describeIssues, epochMsString, parseJson, positiveDecimal } from '../decimals.js';
import type { KlineEvent, MarketEvent, OkxPositionTier, OpenInterestEvent } from '../events.js';
import type { ParseResult } from '../live-source.js';

/** A USDT-margined swap as the source uses it: the server's symbol and the size of one contract in base asset. */
export interface OkxInstrument {
  symbol: string;
  instId: string;
  instFamily: string;
  /** Base asset per contract: ctVal × ctMult (0.01 BTC for BTC-USDT-SWAP). */
  contractSize: number;
  tickSize: number;
}

const envelope = z.object({ code: z.string(), msg: z.string(), data: z.array(z.unknown()) });

/** A v5 REST body's `data`; a code other than "0" (a refusal, even in an HTTP 200) becomes an Error with OKX's message. */
export function dataOf(path: string, body: unknown): unknown[] {
  const parsed = envelope.safeParse(body);
  if (!parsed.success) throw new Error(`okx ${path}: not a {code, msg, data} body`);
  if (parsed.data.code !== '0') throw new Error(`okx ${path}: code ${parsed.data.code} ${parsed.data.msg}`);
  return parsed.data.data;
}

const instrumentRow = z.object({
  instId: z.string(),
  instFamily: z.string(),
  ctVal: positiveDecimal,
  ctMult: positiveDecimal,
  ctValCcy: z.string(),
  ctType: z.string(),
  settleCcy: z.string(),
  state: z.string(),
  tickSz: positiveDecimal,
});

/**
 * The live USDT-margined linear swap of each symbol, matched on the instrument's own metadata (contract
 * currency + settlement currency = BTC + USDT), not by rewriting names. Symbols without one are absent.
 */
export function instrumentsFor(symbols: readonly string[], rows: readonly unknown[]): Map<string, OkxInstrument> {
  const wanted = new Set(symbols);
  const found = new Map<string, OkxInstrument>();
  for (const row of rows) {
    const parsed = instrumentRow.safeParse(row);
    if (!parsed.success) continue;
    const { instId, instFamily, ctVal, ctMult, ctValCcy, ctType, settleCcy, state, tickSz } = parsed.data;
    const symbol = `${ctValCcy}${settleCcy}`;
    if (ctType !== 'linear' || settleCcy !== 'USDT' || state !== 'live' || !wanted.has(symbol)) continue;
    found.set(symbol, { symbol, instId, instFamily, contractSize: ctVal * ctMult, tickSize: tickSz });
  }
  return found;
}

const tierRow = z.object({ maxSz: positiveDecimal, mmr: positiveDecimal, maxLever: positiveDecimal });

/** `/api/v5/public/position-tiers` rows → tiers sized in base asset (OKX sizes them in contracts), sorted. */
export function parsePositionTiers(rows: readonly unknown[], contractSize: number): OkxPositionTier[] {
  return rows
    .map((row, index) => {
      const parsed = tierRow.safeParse(row);
      if (!parsed.success) throw new Error(`position-tiers row ${index + 1}: ${describeIssues(parsed.error)}`);
      return {
        maxSize: parsed.data.maxSz * contractSize,
        maxLeverage: parsed.data.maxLever,
        maintenanceMarginRate: parsed.data.mmr,
      };
    })
    .sort((a, b) => a.maxSize - b.maxSize);
}

const candleRow = z
  .tuple([
    epochMsString,
    positiveDecimal,
    positiveDecimal,
    positiveDecimal,
    positiveDecimal,
    decimal,
    decimal,
    decimal,
    z.enum(['0', '1']),
  ])
  .rest(z.unknown());

/**
 * One candle row `[ts, o, h, l, c, vol (contracts), volCcy (base), volCcyQuote, confirm]` → a kline event,
 * or null. Closed candles are stamped at their close, a forming one at its open.
 */
export function parseCandleRow(symbol: string, barMs: number, row: unknown): KlineEvent | null {
  const parsed = candleRow.safeParse(row);
  if (!parsed.success) return null;
  const [openTime, open, high, low, close, , volume, quoteVolume, confirm] = parsed.data;
  const closeTime = openTime + barMs - 1;
  const closed = confirm === '1';
  return candleEvent(symbol, closed ? closeTime : openTime, {
    openTime,
    closeTime,
    open,
    high,
    low,
    close,
    volume,
    quoteVolume,
    closed,
  });
}

const openInterestRow = z.tuple([epochMsString, decimal, decimal]).rest(z.unknown());

/** One `/api/v5/rubik/stat/contracts/open-interest-history` row `[ts, oi, oiCcy, oiUsd]` → event in base asset, or null. */
export function parseOpenInterestRow(symbol: string, row: unknown): OpenInterestEvent | null {
  const parsed = openInterestRow.safeParse(row);
  if (!parsed.success) return null;
  const [time, , openInterest] = parsed.data;
  return { kind: 'openInterest', symbol, time, openInterest };
}

const trade = z.object({
  instId: z.string(),
  px: positiveDecimal,
  sz: positiveDecimal,
  side: z.enum(['buy', 'sell']),
  ts: epochMsString,
});
const markPrice = z.object({ instId: z.string(), markPx: positiveDecimal, ts: epochMsString });
const openInterest = z.object({ instId: z.string(), oiCcy: decimal, ts: epochMsString });
const liquidation = z.object({
  instId: z.string(),
  details: z.array(
    z.object({
      side: z.enum(['buy', 'sell']),
      posSide: z.enum(['long', 'short', 'net']),
      bkPx: positiveDecimal,
      sz: positiveDecimal,
      ts: epochMsString,
    }),
  ),
});
const pushMessage = z.object({
  arg: z.object({ channel: z.string(), instId: z.string().optional() }),
  data: z.array(z.unknown()),
});
const eventMessage = z.object({ event: z.string(), code: z.string().optional(), msg: z.string().optional() });

/** Channels the source subscribes to, by name: `data` rows → events. */
type ChannelParser = (
  rows: unknown[],
  instrumentOf: (instId: string) => OkxInstrument,
  argInstId: string,
) => MarketEvent[];
const CHANNEL_PARSERS: Record<string, ChannelParser> = {
  trades: (rows, instrumentOf) =>
    rows.map((row) => {
      const t = trade.parse(row);
      const { symbol, contractSize } = instrumentOf(t.instId);
      // side is the taker's; sz is in contracts.
      return { kind: 'trade', symbol, time: t.ts, price: t.px, qty: t.sz * contractSize, takerBuy: t.side === 'buy' };
    }),
  'mark-price': (rows, instrumentOf) =>
    rows.map((row) => {
      const m = markPrice.parse(row);
      return { kind: 'markPrice', symbol: instrumentOf(m.instId).symbol, time: m.ts, price: m.markPx };
    }),
  'open-interest': (rows, instrumentOf) =>
    rows.map((row) => {
      const o = openInterest.parse(row);
      return { kind: 'openInterest', symbol: instrumentOf(o.instId).symbol, time: o.ts, openInterest: o.oiCcy };
    }),
  'liquidation-orders': (rows, instrumentOf) =>
    rows.flatMap((row) => {
      const l = liquidation.parse(row);
      // The channel streams every swap: other instruments are not ours.
      let instrument: OkxInstrument;
      try {
        instrument = instrumentOf(l.instId);
      } catch {
        return [];
      }
      return l.details.map((d): MarketEvent => ({
        kind: 'liquidation',
        symbol: instrument.symbol,
        time: d.ts,
        price: d.bkPx,
        qty: d.sz * instrument.contractSize,
        // In net mode the liquidation order sells a long and buys back a short.
        side: d.posSide === 'long' || (d.posSide === 'net' && d.side === 'sell') ? 'long' : 'short',
      }));
    }),
  candle1m: (rows, instrumentOf, argInstId) => {
    const { symbol } = instrumentOf(argInstId);
    return rows.map((row) => {
      const kline = parseCandleRow(symbol, 60_000, row);
      if (!kline) throw new Error(`malformed candle ${JSON.stringify(row)?.slice(0, 100)}`);
      return kline;
    });
  },
};

/** The public and business channels of `instruments`, as subscribe arguments. */
export function channelArgs(instruments: readonly OkxInstrument[]): { public: object[]; business: object[] } {
  return {
    public: [
      ...instruments.flatMap(({ instId }) =>
        ['trades', 'mark-price', 'open-interest'].map((channel) => ({ channel, instId })),
      ),
      { channel: 'liquidation-orders', instType: 'SWAP' },
    ],
    business: instruments.map(({ instId }) => ({ channel: 'candle1m', instId })),
  };
}

/**
 * One stream message → normalized events (none for `pong` and subscribe answers), or why it was rejected.
 * Never throws. `instruments` is by instId.
 */
export function parseStreamMessage(text: string, instruments: ReadonlyMap<string, OkxInstrument>): ParseResult {
  if (text === 'pong') return { ok: true, events: [] };
  const parsed = parseJson(text);
  if (!parsed.ok) return parsed;
  const { json } = parsed;
  const event = eventMessage.safeParse(json);
  if (event.success) {
    return event.data.event === 'error'
      ? { ok: false, reason: `error ${event.data.code ?? ''}: ${event.data.msg ?? 'no message'}` }
      : { ok: true, events: [] };
  }
  const push = pushMessage.safeParse(json);
  if (!push.success) return { ok: false, reason: 'not a push {arg, data} or an {event} message' };
  const { channel, instId = '' } = push.data.arg;
  const parse = CHANNEL_PARSERS[channel];
  if (!parse) return { ok: false, reason: `unexpected channel ${channel}` };
  const instrumentOf = (id: string): OkxInstrument => {
    const instrument = instruments.get(id);
    if (!instrument) throw new Error(`instrument ${id} not subscribed`);
    return instrument;
  };
  try {
    return { ok: true, events: parse(push.data.data, instrumentOf, instId) };
  } catch (error) {
    return { ok: false, reason: `bad ${channel} payload (${describeIssues(error)})` };
  }
}
