/**
 * A local stand-in for Binance USDⓈ-M (the one thing faked in this project): the combined market stream
 * (`/market/stream?streams=…`, `{stream, data}` frames, server pings) and the public REST endpoints the
 * live source uses, in Binance's exact JSON shapes and with `X-MBX-USED-WEIGHT-1M` headers. Tests drive it:
 * push events, drop or stall connections, send garbage, rate-limit REST, and inspect what clients did.
 */
import type { KlineCandle } from '../../src/market/events.js';
import { dec, FakeExchangeServer, type Reply } from './fake-exchange-server.js';

export { dec };
export type { FakeConnection, RecordedRequest } from './fake-exchange-server.js';

export interface FakeExchangeOptions {
  /** Server ping interval per connection (Binance: 3 min). */
  pingIntervalMs?: number;
  /** Route of the combined stream. Default '/market/stream'. */
  streamRoute?: string;
}

export type KlineInput = KlineCandle;

export interface OpenInterestPoint {
  timestamp: number;
  sumOpenInterest: number;
}

const KLINE_MS: Record<string, number> = { '1m': 60_000, '5m': 300_000 };

export class FakeExchange extends FakeExchangeServer {
  readonly streamRoute: string;
  private readonly klines = new Map<string, KlineInput[]>();
  private readonly openInterestHist = new Map<string, OpenInterestPoint[]>();
  private readonly openInterestNow = new Map<string, { openInterest: number; time: number }>();
  /** Listed contracts and their PRICE_FILTER tick sizes as Binance prints them. */
  private readonly tickSizes = new Map<string, string>([
    ['BTCUSDT', '0.10'],
    ['ETHUSDT', '0.01'],
    ['SOLUSDT', '0.0100'],
  ]);
  private weightMinute = 0;
  private weightUsed = 0;

  private constructor(options: FakeExchangeOptions) {
    const streamRoute = options.streamRoute ?? '/market/stream';
    super([streamRoute], options.pingIntervalMs ?? 180_000);
    this.streamRoute = streamRoute;
  }

  static async start(options: FakeExchangeOptions = {}): Promise<FakeExchange> {
    const exchange = new FakeExchange(options);
    await exchange.listen();
    return exchange;
  }

  // ── REST data ─────────────────────────────────────────────────────────────

  setKlines(symbol: string, interval: '1m' | '5m', rows: KlineInput[]): void {
    this.klines.set(
      `${symbol}:${interval}`,
      [...rows].sort((a, b) => a.openTime - b.openTime),
    );
  }

  setOpenInterestHistory(symbol: string, points: OpenInterestPoint[]): void {
    this.openInterestHist.set(
      symbol,
      [...points].sort((a, b) => a.timestamp - b.timestamp),
    );
  }

  setOpenInterest(symbol: string, openInterest: number, time = Date.now()): void {
    this.openInterestNow.set(symbol, { openInterest, time });
  }

  /** Lists `symbol` in exchangeInfo with this PRICE_FILTER tick size (a decimal string, e.g. '0.50'). */
  setTickSize(symbol: string, tickSize: string): void {
    this.tickSizes.set(symbol, tickSize);
  }

  /** The next `count` REST requests are answered `status` with `Retry-After: retryAfterSeconds`. */
  rateLimitNext(count: number, retryAfterSeconds: number, status: 429 | 418 = 429): void {
    this.replyNext(count, {
      status,
      body: { code: -1003, msg: 'Too many requests; current limit of IP is 2400 requests per minute.' },
      headers: { 'retry-after': String(retryAfterSeconds) },
    });
  }

  /** Sets the weight reported as used in the current minute (as if other clients shared the IP). */
  setUsedWeight(weight: number): void {
    this.rollWeightMinute();
    this.weightUsed = weight;
  }

  // ── stream control ────────────────────────────────────────────────────────

  /** Sends `{stream, data}` to every live connection subscribed to `stream`. Returns how many got it. */
  push(stream: string, data: unknown): number {
    return this.sendToSubscribers(stream, JSON.stringify({ stream, data }));
  }

  pushAggTrade(
    symbol: string,
    t: { id?: number; price: number; qty: number; buyerIsMaker: boolean; time: number },
  ): number {
    const id = t.id ?? t.time;
    return this.push(`${symbol.toLowerCase()}@aggTrade`, {
      e: 'aggTrade',
      E: t.time + 5,
      s: symbol,
      a: id,
      p: dec(t.price),
      q: dec(t.qty),
      f: id * 10,
      l: id * 10 + 1,
      T: t.time,
      m: t.buyerIsMaker,
    });
  }

  pushMarkPrice(symbol: string, m: { price: number; time: number }): number {
    return this.push(`${symbol.toLowerCase()}@markPrice@1s`, {
      e: 'markPriceUpdate',
      E: m.time,
      s: symbol,
      p: dec(m.price),
      ap: dec(m.price),
      i: dec(m.price * 0.9999),
      P: dec(m.price),
      r: '0.00010000',
      T: m.time + 3_600_000,
    });
  }

  /** `side` is the order side: SELL liquidates a long. */
  pushForceOrder(
    symbol: string,
    f: { side: 'BUY' | 'SELL'; price: number; averagePrice: number; qty: number; time: number },
  ): number {
    return this.push(`${symbol.toLowerCase()}@forceOrder`, {
      e: 'forceOrder',
      E: f.time + 3,
      o: {
        s: symbol,
        S: f.side,
        o: 'LIMIT',
        f: 'IOC',
        q: dec(f.qty),
        p: dec(f.price),
        ap: dec(f.averagePrice),
        X: 'FILLED',
        l: dec(f.qty),
        z: dec(f.qty),
        T: f.time,
      },
    });
  }

  pushKline(symbol: string, k: KlineInput & { eventTime: number; closed: boolean }): number {
    return this.push(`${symbol.toLowerCase()}@kline_1m`, {
      e: 'kline',
      E: k.eventTime,
      s: symbol,
      k: {
        t: k.openTime,
        T: k.openTime + 59_999,
        s: symbol,
        i: '1m',
        f: 100,
        L: 200,
        o: dec(k.open),
        c: dec(k.close),
        h: dec(k.high),
        l: dec(k.low),
        v: dec(k.volume),
        n: 100,
        x: k.closed,
        q: dec(k.quoteVolume),
        V: dec(k.takerBuyVolume),
        Q: dec(k.takerBuyVolume * k.close),
        B: '0',
      },
    });
  }

  // ── internals ─────────────────────────────────────────────────────────────

  protected override initialStreams(url: URL): string[] {
    return (url.searchParams.get('streams') ?? '').split('/').filter(Boolean);
  }

  protected override commonHeaders(): Record<string, string> {
    return { 'x-mbx-used-weight-1m': String(this.weightUsed) };
  }

  protected answer(path: string, params: Record<string, string>): Reply {
    const reply = (status: number, body: unknown): Reply => ({ status, body });
    if (path === '/fapi/v1/exchangeInfo') {
      this.addWeight(1);
      return reply(200, this.exchangeInfo());
    }
    const symbol = params.symbol;
    if (!symbol) {
      return reply(400, {
        code: -1102,
        msg: "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.",
      });
    }
    switch (path) {
      case '/fapi/v1/openInterest': {
        this.addWeight(1);
        const oi = this.openInterestNow.get(symbol);
        if (!oi) return reply(400, { code: -1121, msg: 'Invalid symbol.' });
        return reply(200, { openInterest: dec(oi.openInterest), symbol, time: oi.time });
      }
      case '/fapi/v1/klines': {
        const interval = params.interval ?? '';
        const limit = Number(params.limit ?? 500);
        if (!KLINE_MS[interval] || !(limit >= 1 && limit <= 1500)) {
          return reply(400, { code: -1130, msg: 'Invalid data sent for a parameter.' });
        }
        this.addWeight(limit < 100 ? 1 : limit < 500 ? 2 : limit <= 1000 ? 5 : 10);
        const rows = this.klines.get(`${symbol}:${interval}`) ?? [];
        const page = pageOf(rows, (k) => k.openTime, params, limit);
        return reply(
          200,
          page.map((k) => [
            k.openTime,
            dec(k.open),
            dec(k.high),
            dec(k.low),
            dec(k.close),
            dec(k.volume),
            k.openTime + KLINE_MS[interval]! - 1,
            dec(k.quoteVolume),
            100,
            dec(k.takerBuyVolume),
            dec(k.takerBuyVolume * k.close),
            '0',
          ]),
        );
      }
      case '/futures/data/openInterestHist': {
        const limit = Number(params.limit ?? 30);
        if (params.period !== '5m' || !(limit >= 1 && limit <= 500)) {
          return reply(400, { code: -1130, msg: 'Invalid data sent for a parameter.' });
        }
        const points = this.openInterestHist.get(symbol) ?? [];
        const price = this.klines.get(`${symbol}:1m`)?.at(-1)?.close ?? 1;
        return reply(
          200,
          pageOf(points, (p) => p.timestamp, params, limit).map((p) => ({
            symbol,
            sumOpenInterest: dec(p.sumOpenInterest),
            sumOpenInterestValue: dec(p.sumOpenInterest * price),
            CMCCirculatingSupply: '19800000',
            timestamp: p.timestamp,
          })),
        );
      }
      default:
        return reply(404, { code: -5000, msg: 'Path not found' });
    }
  }

  /** `GET /fapi/v1/exchangeInfo` in Binance's format, trimmed to the fields a market-data client reads. */
  private exchangeInfo(): unknown {
    return {
      timezone: 'UTC',
      serverTime: Date.now(),
      futuresType: 'U_MARGINED',
      rateLimits: [{ rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 2400 }],
      exchangeFilters: [],
      assets: [{ asset: 'USDT', marginAvailable: true, autoAssetExchange: '-10000' }],
      symbols: [...this.tickSizes].map(([symbol, tickSize]) => ({
        symbol,
        pair: symbol,
        contractType: 'PERPETUAL',
        deliveryDate: 4133404800000,
        onboardDate: 1569398400000,
        status: 'TRADING',
        baseAsset: symbol.replace(/USDT$/, ''),
        quoteAsset: 'USDT',
        marginAsset: 'USDT',
        pricePrecision: tickSize.split('.')[1]?.length ?? 0,
        quantityPrecision: 3,
        underlyingType: 'COIN',
        filters: [
          { filterType: 'PRICE_FILTER', minPrice: tickSize, maxPrice: '4529764', tickSize },
          { filterType: 'LOT_SIZE', minQty: '0.001', maxQty: '1000', stepSize: '0.001' },
          { filterType: 'MARKET_LOT_SIZE', minQty: '0.001', maxQty: '120', stepSize: '0.001' },
          { filterType: 'MAX_NUM_ORDERS', limit: 200 },
          { filterType: 'MIN_NOTIONAL', notional: '100' },
          { filterType: 'PERCENT_PRICE', multiplierUp: '1.0500', multiplierDown: '0.9500', multiplierDecimal: '4' },
        ],
        orderTypes: [
          'LIMIT',
          'MARKET',
          'STOP',
          'STOP_MARKET',
          'TAKE_PROFIT',
          'TAKE_PROFIT_MARKET',
          'TRAILING_STOP_MARKET',
        ],
        timeInForce: ['GTC', 'IOC', 'FOK', 'GTX'],
      })),
    };
  }

  private rollWeightMinute(): void {
    const minute = Math.floor(Date.now() / 60_000);
    if (minute !== this.weightMinute) {
      this.weightMinute = minute;
      this.weightUsed = 0;
    }
  }

  private addWeight(weight: number): void {
    this.rollWeightMinute();
    this.weightUsed += weight;
  }
}

/** Binance paging: rows in [startTime, endTime] ascending, the first `limit` from startTime, else the last `limit`. */
function pageOf<T>(rows: T[], timeOf: (row: T) => number, params: Record<string, string>, limit: number): T[] {
  const start = params.startTime === undefined ? -Infinity : Number(params.startTime);
  const end = params.endTime === undefined ? Infinity : Number(params.endTime);
  const inRange = rows.filter((row) => timeOf(row) >= start && timeOf(row) <= end);
  return params.startTime === undefined ? inRange.slice(-limit) : inRange.slice(0, limit);
}
