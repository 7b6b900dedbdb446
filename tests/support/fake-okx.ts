/**
 * A local stand-in for OKX v5 (public): the public and business streams at /ws/v5/public and
 * /ws/v5/business (subscribe with `{"op":"subscribe","args":[{channel, instId}]}`, each answered with an
 * `{event:"subscribe"}`, text `ping` answered `pong`, `{arg, data}` pushes, channels only on their own
 * route) and the REST endpoints the live source uses, in OKX's shapes (`{code, msg, data}`, strings for
 * numbers and times, newest rows first, sizes in contracts, a 429 with code 50011 when rate limited).
 */
import type { KlineCandle } from '../../src/market/events.js';
import { dec, FakeExchangeServer, type ConnectionState, type Reply } from './fake-exchange-server.js';

export const OKX_PUBLIC_ROUTE = '/ws/v5/public';
export const OKX_BUSINESS_ROUTE = '/ws/v5/business';
const CHANNELS_BY_ROUTE: Record<string, readonly string[]> = {
  [OKX_PUBLIC_ROUTE]: ['trades', 'mark-price', 'open-interest', 'liquidation-orders', 'funding-rate'],
  [OKX_BUSINESS_ROUTE]: ['candle1m', 'candle5m', 'mark-price-candle1m'],
};

export interface OkxSwap {
  instId: string;
  /** Base asset per contract, e.g. 0.01 for BTC-USDT-SWAP. */
  ctVal: number;
}

export interface OkxTierRow {
  maxSz: string;
  mmr: string;
  imr: string;
  maxLever: string;
}

const ok = (data: unknown[]): Reply => ({ status: 200, body: { code: '0', msg: '', data } });
const refused = (code: string, msg: string): Reply => ({ status: 200, body: { code, msg, data: [] } });
const instFamilyOf = (instId: string) => instId.replace(/-SWAP$/, '');

export class FakeOkx extends FakeExchangeServer {
  private readonly swaps = new Map<string, OkxSwap>();
  private readonly tiers = new Map<string, OkxTierRow[]>();
  private readonly candles = new Map<string, KlineCandle[]>();
  private readonly openInterest = new Map<string, Array<{ ts: number; oiContracts: number }>>();

  private constructor() {
    super([OKX_PUBLIC_ROUTE, OKX_BUSINESS_ROUTE]);
  }

  static async start(): Promise<FakeOkx> {
    const exchange = new FakeOkx();
    await exchange.listen();
    return exchange;
  }

  get wsUrl(): string {
    return `${this.wsBaseUrl}${OKX_PUBLIC_ROUTE}`;
  }

  get wsBusinessUrl(): string {
    return `${this.wsBaseUrl}${OKX_BUSINESS_ROUTE}`;
  }

  // ── REST data ─────────────────────────────────────────────────────────────

  /** Lists a USDT-margined linear swap (instruments also lists a coin-margined one nobody asked for). */
  listSwap(swap: OkxSwap): void {
    this.swaps.set(swap.instId, swap);
  }

  /** Isolated tiers of an instrument family, sizes in contracts. */
  setTiers(instFamily: string, rows: OkxTierRow[]): void {
    this.tiers.set(instFamily, rows);
  }

  /** Candles with `volume` in base asset (OKX's volCcy); vol in contracts is derived with ctVal. */
  setCandles(instId: string, bar: '1m' | '5m', rows: KlineCandle[]): void {
    this.candles.set(
      `${instId}:${bar}`,
      [...rows].sort((a, b) => a.openTime - b.openTime),
    );
  }

  setOpenInterestHistory(instId: string, points: Array<{ ts: number; oiContracts: number }>): void {
    this.openInterest.set(
      instId,
      [...points].sort((a, b) => a.ts - b.ts),
    );
  }

  /** The next `count` REST requests get 429 with OKX's code 50011. */
  rateLimitNext(count: number): void {
    this.replyNext(count, { status: 429, body: { code: '50011', msg: 'Too Many Requests', data: [] } });
  }

  // ── stream control ────────────────────────────────────────────────────────

  /** Sends `{arg, data}` to every live connection subscribed to the channel (and instId). Returns how many got it. */
  push(arg: { channel: string; instId?: string; instType?: string }, data: unknown[]): number {
    return this.sendToSubscribers(streamOf(arg), JSON.stringify({ arg, data }));
  }

  /** `side` is the taker's; `contracts` the size in contracts. */
  pushTrades(instId: string, trades: Array<{ price: number; contracts: number; side: 'buy' | 'sell'; time: number }>) {
    return this.push(
      { channel: 'trades', instId },
      trades.map((t, i) => ({
        instId,
        tradeId: String(t.time * 10 + i),
        px: dec(t.price),
        sz: dec(t.contracts),
        side: t.side,
        ts: String(t.time),
        count: '1',
      })),
    );
  }

  pushMarkPrice(instId: string, m: { price: number; time: number }): number {
    return this.push({ channel: 'mark-price', instId }, [
      { instType: 'SWAP', instId, markPx: dec(m.price), ts: String(m.time) },
    ]);
  }

  pushOpenInterest(instId: string, o: { contracts: number; ctVal: number; price: number; time: number }): number {
    return this.push({ channel: 'open-interest', instId }, [
      {
        instType: 'SWAP',
        instId,
        oi: dec(o.contracts),
        oiCcy: dec(o.contracts * o.ctVal),
        oiUsd: dec(o.contracts * o.ctVal * o.price),
        ts: String(o.time),
      },
    ]);
  }

  /** Liquidation orders of any swap (the channel carries them all); `contracts` is the size in contracts. */
  pushLiquidations(
    orders: Array<{
      instId: string;
      details: Array<{
        side: 'buy' | 'sell';
        posSide: 'long' | 'short' | 'net';
        bankruptcyPrice: number;
        contracts: number;
        time: number;
      }>;
    }>,
  ): number {
    return this.push(
      { channel: 'liquidation-orders', instType: 'SWAP' },
      orders.map(({ instId, details }) => ({
        instType: 'SWAP',
        instFamily: instFamilyOf(instId),
        uly: instFamilyOf(instId),
        instId,
        details: details.map((d) => ({
          side: d.side,
          posSide: d.posSide,
          bkPx: dec(d.bankruptcyPrice),
          sz: dec(d.contracts),
          bkLoss: '0',
          ccy: '',
          ts: String(d.time),
        })),
      })),
    );
  }

  /** One candle1m row on the business stream; `volume` in base asset. */
  pushCandle(instId: string, ctVal: number, k: KlineCandle & { confirmed: boolean }): number {
    return this.push({ channel: 'candle1m', instId }, [candleRow(k, ctVal, k.confirmed)]);
  }

  // ── internals ─────────────────────────────────────────────────────────────

  protected override onClientMessage(connection: ConnectionState, text: string): void {
    const send = (message: unknown) => connection.socket.send(JSON.stringify(message));
    const connId = `conn${connection.id}`;
    if (text === 'ping') {
      connection.pings++;
      connection.socket.send('pong');
      return;
    }
    let request: { op?: unknown; args?: unknown };
    try {
      request = JSON.parse(text) as typeof request;
    } catch {
      send({ event: 'error', code: '60012', msg: `Invalid request: ${text.slice(0, 50)}`, connId });
      return;
    }
    if (request.op !== 'subscribe' || !Array.isArray(request.args)) {
      send({ event: 'error', code: '60012', msg: `Invalid request: ${text.slice(0, 50)}`, connId });
      return;
    }
    for (const arg of request.args as Array<{ channel?: string; instId?: string; instType?: string }>) {
      if (!CHANNELS_BY_ROUTE[connection.route]!.includes(arg.channel ?? '')) {
        send({
          event: 'error',
          code: '60018',
          msg: `Wrong URL or channel:${arg.channel}, instId:${arg.instId}`,
          connId,
        });
        continue;
      }
      connection.streams.push(streamOf(arg));
      send({ event: 'subscribe', arg, connId });
    }
  }

  protected answer(path: string, params: Record<string, string>): Reply {
    switch (path) {
      case '/api/v5/public/instruments': {
        if (params.instType !== 'SWAP') return refused('51000', 'Parameter instType error');
        return ok([
          ...[...this.swaps.values()].map((swap) => ({
            instType: 'SWAP',
            instId: swap.instId,
            uly: instFamilyOf(swap.instId),
            instFamily: instFamilyOf(swap.instId),
            baseCcy: '',
            quoteCcy: '',
            settleCcy: 'USDT',
            ctVal: String(swap.ctVal),
            ctMult: '1',
            ctValCcy: swap.instId.split('-')[0],
            ctType: 'linear',
            state: 'live',
            tickSz: '0.1',
            lotSz: '0.01',
            lever: '100',
          })),
          {
            instType: 'SWAP',
            instId: 'BTC-USD-SWAP',
            uly: 'BTC-USD',
            instFamily: 'BTC-USD',
            settleCcy: 'BTC',
            ctVal: '100',
            ctMult: '1',
            ctValCcy: 'USD',
            ctType: 'inverse',
            state: 'live',
          },
        ]);
      }
      case '/api/v5/public/position-tiers': {
        if (params.instType !== 'SWAP' || !params.tdMode) return refused('51000', 'Parameter error');
        const rows = this.tiers.get(params.instFamily ?? '');
        if (!rows) return refused('51001', 'Instrument ID does not exist');
        let minSz = '0';
        return ok(
          rows.map((row, i) => {
            const tier = {
              uly: params.instFamily,
              instFamily: params.instFamily,
              instId: '',
              tier: String(i + 1),
              minSz,
              ...row,
            };
            minSz = row.maxSz;
            return tier;
          }),
        );
      }
      case '/api/v5/market/history-candles': {
        const limit = Number(params.limit ?? 100);
        if (!(limit >= 1 && limit <= 100) || !['1m', '5m'].includes(params.bar ?? ''))
          return refused('51000', 'Parameter limit error');
        const swap = this.swaps.get(params.instId ?? '');
        if (!swap) return refused('51001', 'Instrument ID does not exist');
        const after = Number(params.after ?? Infinity);
        const barMs = params.bar === '1m' ? 60_000 : 300_000;
        const now = Date.now();
        const rows = (this.candles.get(`${swap.instId}:${params.bar}`) ?? [])
          .filter((k) => k.openTime < after)
          .reverse()
          .slice(0, limit);
        return ok(rows.map((k) => candleRow(k, swap.ctVal, k.openTime + barMs <= now)));
      }
      case '/api/v5/rubik/stat/contracts/open-interest-history': {
        const limit = Number(params.limit ?? 100);
        if (!(limit >= 1 && limit <= 100) || params.period !== '5m') return refused('51000', 'Parameter error');
        const swap = this.swaps.get(params.instId ?? '');
        if (!swap) return refused('51001', 'Instrument ID does not exist');
        const end = Number(params.end ?? Infinity);
        const price = this.candles.get(`${swap.instId}:1m`)?.at(-1)?.close ?? 1;
        const rows = (this.openInterest.get(swap.instId) ?? [])
          .filter((p) => p.ts <= end)
          .reverse()
          .slice(0, limit);
        return ok(
          rows.map((p) => [
            String(p.ts),
            dec(p.oiContracts),
            dec(p.oiContracts * swap.ctVal),
            dec(p.oiContracts * swap.ctVal * price),
          ]),
        );
      }
      default:
        return { status: 404, body: { code: '404', msg: 'Not Found', data: [] } };
    }
  }
}

/** How a connection's subscription is recorded: `channel:instId` (`liquidation-orders:SWAP`). */
function streamOf(arg: { channel?: string; instId?: string; instType?: string }): string {
  return `${arg.channel}:${arg.instId ?? arg.instType}`;
}

function candleRow(k: KlineCandle, ctVal: number, confirmed: boolean): string[] {
  return [
    String(k.openTime),
    dec(k.open),
    dec(k.high),
    dec(k.low),
    dec(k.close),
    dec(k.volume / ctVal),
    dec(k.volume),
    dec(k.quoteVolume),
    confirmed ? '1' : '0',
  ];
}
