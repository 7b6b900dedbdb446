/**
 * A local stand-in for Bybit v5 linear (public): the stream at /v5/public/linear (subscribe with
 * `{"op":"subscribe","args":[topics]}`, answer `{"op":"ping"}`, `{topic, type, ts, data}` pushes) and the
 * REST endpoints the live source uses, in Bybit's shapes (`{retCode, retMsg, result}`, newest rows first,
 * cursor paging, a 403 when rate limited).
 */
import type { KlineCandle } from '../../src/market/events.js';
import { dec, FakeExchangeServer, type ConnectionState, type Reply } from './fake-exchange-server.js';

export const BYBIT_STREAM_ROUTE = '/v5/public/linear';

export interface BybitRiskLimitRow {
  riskLimitValue: string;
  maintenanceMargin: string;
  initialMargin: string;
  maxLeverage: string;
  mmDeduction: string;
}

const ok = (result: unknown): Reply => ({
  status: 200,
  body: { retCode: 0, retMsg: 'OK', result, retExtInfo: {}, time: Date.now() },
});
const refused = (retCode: number, retMsg: string): Reply => ({
  status: 200,
  body: { retCode, retMsg, result: {}, retExtInfo: {}, time: Date.now() },
});
const KNOWN_TOPIC =
  /^(publicTrade|tickers|allLiquidation)\.[A-Z0-9]+$|^kline\.(1|3|5|15|30|60|120|240|360|720|D|W|M)\.[A-Z0-9]+$/;

export class FakeBybit extends FakeExchangeServer {
  private readonly klines = new Map<string, KlineCandle[]>();
  private readonly openInterest = new Map<string, Array<{ timestamp: number; openInterest: number }>>();
  private readonly riskLimits = new Map<string, BybitRiskLimitRow[]>();
  private readonly instruments = new Map<string, { contractType: string; settleCoin: string; status: string }>();

  private constructor() {
    super([BYBIT_STREAM_ROUTE]);
  }

  static async start(): Promise<FakeBybit> {
    const exchange = new FakeBybit();
    await exchange.listen();
    return exchange;
  }

  get wsUrl(): string {
    return `${this.wsBaseUrl}${BYBIT_STREAM_ROUTE}`;
  }

  // ── REST data ─────────────────────────────────────────────────────────────

  setKlines(symbol: string, interval: '1' | '5', rows: KlineCandle[]): void {
    this.klines.set(
      `${symbol}:${interval}`,
      [...rows].sort((a, b) => a.openTime - b.openTime),
    );
  }

  /** Open interest as Bybit reports it (documented as both sides). */
  setOpenInterestHistory(symbol: string, points: Array<{ timestamp: number; openInterest: number }>): void {
    this.openInterest.set(
      symbol,
      [...points].sort((a, b) => a.timestamp - b.timestamp),
    );
  }

  /** Lists an instrument in the linear category; by default a trading USDT perpetual. */
  listInstrument(
    symbol: string,
    instrument: { contractType?: string; settleCoin?: string; status?: string } = {},
  ): void {
    this.instruments.set(symbol, {
      contractType: 'LinearPerpetual',
      settleCoin: 'USDT',
      status: 'Trading',
      ...instrument,
    });
  }

  setRiskLimits(symbol: string, rows: BybitRiskLimitRow[]): void {
    this.riskLimits.set(symbol, rows);
  }

  /** The next `count` REST requests get 403 (Bybit's IP rate limit: no Retry-After). */
  rateLimitNext(count: number): void {
    this.replyNext(count, { status: 403, body: { retCode: 10006, retMsg: 'Too many visits!' } });
  }

  // ── stream control ────────────────────────────────────────────────────────

  /** Sends `{topic, type, ts, data}` to every live connection subscribed to `topic`. Returns how many got it. */
  push(topic: string, type: 'snapshot' | 'delta', ts: number, data: unknown): number {
    return this.sendToSubscribers(topic, JSON.stringify({ topic, type, ts, data }));
  }

  /** `side` is the taker's side. */
  pushTrades(
    symbol: string,
    trades: Array<{ price: number; qty: number; side: 'Buy' | 'Sell'; time: number }>,
  ): number {
    return this.push(
      `publicTrade.${symbol}`,
      'snapshot',
      Math.max(...trades.map((t) => t.time)) + 2,
      trades.map((t, i) => ({
        T: t.time,
        s: symbol,
        S: t.side,
        v: dec(t.qty),
        p: dec(t.price),
        L: 'PlusTick',
        i: `trade-${t.time}-${i}`,
        BT: false,
        RPI: false,
        seq: t.time,
      })),
    );
  }

  /** A tickers message: a snapshot carries every field, a delta only the changed ones (those given). */
  pushTicker(
    symbol: string,
    type: 'snapshot' | 'delta',
    ts: number,
    fields: { markPrice?: number; openInterest?: number; lastPrice?: number },
  ): number {
    const data: Record<string, string> = { symbol };
    if (type === 'snapshot') Object.assign(data, { fundingRate: '0.0001', indexPrice: dec(fields.markPrice ?? 1) });
    for (const [key, value] of Object.entries(fields)) data[key] = dec(value);
    if (fields.openInterest !== undefined && fields.markPrice !== undefined)
      data.openInterestValue = dec(fields.openInterest * fields.markPrice);
    return this.push(`tickers.${symbol}`, type, ts, data);
  }

  /** `side` as Bybit sends it: "Buy" means a long position was liquidated. */
  pushLiquidations(
    symbol: string,
    liquidations: Array<{ side: 'Buy' | 'Sell'; bankruptcyPrice: number; qty: number; time: number }>,
  ): number {
    return this.push(
      `allLiquidation.${symbol}`,
      'snapshot',
      Math.max(...liquidations.map((l) => l.time)) + 5,
      liquidations.map((l) => ({ T: l.time, s: symbol, S: l.side, v: dec(l.qty), p: dec(l.bankruptcyPrice) })),
    );
  }

  pushKline(symbol: string, k: KlineCandle & { timestamp: number; confirm: boolean }): number {
    return this.push(`kline.1.${symbol}`, 'snapshot', k.timestamp, [
      {
        start: k.openTime,
        end: k.openTime + 59_999,
        interval: '1',
        open: dec(k.open),
        close: dec(k.close),
        high: dec(k.high),
        low: dec(k.low),
        volume: dec(k.volume),
        turnover: dec(k.quoteVolume),
        confirm: k.confirm,
        timestamp: k.timestamp,
      },
    ]);
  }

  // ── internals ─────────────────────────────────────────────────────────────

  protected override onClientMessage(connection: ConnectionState, text: string): void {
    let request: { op?: unknown; args?: unknown; req_id?: unknown };
    try {
      request = JSON.parse(text) as typeof request;
    } catch {
      return;
    }
    const answer = (success: boolean, retMsg: string) =>
      connection.socket.send(
        JSON.stringify({
          success,
          ret_msg: retMsg,
          conn_id: `conn-${connection.id}`,
          req_id: request.req_id ?? '',
          op: request.op,
        }),
      );
    if (request.op === 'ping') {
      connection.pings++;
      answer(true, 'pong');
      return;
    }
    if (request.op !== 'subscribe' || !Array.isArray(request.args)) {
      answer(false, `error:unknown op ${String(request.op)}`);
      return;
    }
    const args = request.args.map(String);
    const bad = args.find((topic) => !KNOWN_TOPIC.test(topic));
    if (bad) return answer(false, `error:handler not found,topic:${bad}`);
    if ([...connection.streams, ...args].join('').length > 21_000)
      return answer(false, 'error:args length exceeds 21000 characters');
    connection.streams.push(...args);
    answer(true, '');
  }

  protected answer(path: string, params: Record<string, string>): Reply {
    if (params.category !== 'linear') return refused(10001, 'params error: category invalid');
    const symbol = params.symbol ?? '';
    switch (path) {
      case '/v5/market/instruments-info': {
        const instrument = this.instruments.get(symbol);
        return ok({
          category: 'linear',
          list: instrument
            ? [
                {
                  symbol,
                  ...instrument,
                  baseCoin: symbol.replace(/USDT$|PERP$/, ''),
                  quoteCoin: instrument.settleCoin,
                  priceFilter: { minPrice: '0.10', maxPrice: '1999999.80', tickSize: '0.10' },
                  lotSizeFilter: { maxOrderQty: '1190', minOrderQty: '0.001', qtyStep: '0.001' },
                  leverageFilter: { minLeverage: '1', maxLeverage: '100.00', leverageStep: '0.01' },
                  fundingInterval: 480,
                },
              ]
            : [],
          nextPageCursor: '',
        });
      }
      case '/v5/market/risk-limit': {
        const rows = this.riskLimits.get(symbol);
        if (!rows) return refused(10001, 'params error: symbol invalid');
        return ok({
          category: 'linear',
          list: rows.map((row, i) => ({ id: i + 1, symbol, isLowestRisk: i === 0 ? 1 : 0, ...row })),
          nextPageCursor: '',
        });
      }
      case '/v5/market/kline': {
        const limit = Number(params.limit ?? 200);
        if (!(limit >= 1 && limit <= 1000) || !['1', '5'].includes(params.interval ?? ''))
          return refused(10001, 'params error');
        const rows = this.klines.get(`${symbol}:${params.interval}`) ?? [];
        const start = Number(params.start ?? 0);
        const end = Number(params.end ?? Infinity);
        const page = rows
          .filter((k) => k.openTime >= start && k.openTime <= end)
          .reverse()
          .slice(0, limit);
        return ok({
          symbol,
          category: 'linear',
          list: page.map((k) => [
            String(k.openTime),
            dec(k.open),
            dec(k.high),
            dec(k.low),
            dec(k.close),
            dec(k.volume),
            dec(k.quoteVolume),
          ]),
        });
      }
      case '/v5/market/open-interest': {
        const limit = Number(params.limit ?? 50);
        if (!(limit >= 1 && limit <= 200) || params.intervalTime !== '5min') return refused(10001, 'params error');
        const start = Number(params.startTime ?? 0);
        const end = Number(params.endTime ?? Infinity);
        const rows = (this.openInterest.get(symbol) ?? [])
          .filter((p) => p.timestamp >= start && p.timestamp <= end)
          .reverse();
        const offset = Number(params.cursor ?? 0);
        const page = rows.slice(offset, offset + limit);
        return ok({
          symbol,
          category: 'linear',
          list: page.map((p) => ({ openInterest: dec(p.openInterest), timestamp: String(p.timestamp) })),
          nextPageCursor: offset + limit < rows.length ? String(offset + limit) : '',
        });
      }
      default:
        return { status: 404, body: { retCode: 10404, retMsg: 'path not found' } };
    }
  }
}
