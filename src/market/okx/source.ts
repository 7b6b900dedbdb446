import type { MarketEvent } from '../events.js';
import { LiveSource, type CandleMs, type LiveSourceOptions, type StreamSpec } from '../live-source.js';
import type { RestBudget } from '../rest-client.js';
import {
  channelArgs,
  dataOf,
  instrumentsFor,
  parseCandleRow,
  parseOpenInterestRow,
  parsePositionTiers,
  parseStreamMessage,
  type OkxInstrument,
} from './payloads.js';

export interface OkxOptions extends LiveSourceOptions {
  /** Public stream (trades, mark price, open interest, liquidations). Default 'wss://ws.okx.com:8443/ws/v5/public'. */
  wsUrl?: string;
  /** Business stream (candles). Default 'wss://ws.okx.com:8443/ws/v5/business'. */
  wsBusinessUrl?: string;
  /** REST base URL. Default 'https://www.okx.com'. */
  restBaseUrl?: string;
}

/**
 * OKX limits each public endpoint separately, per IP; the strictest this source calls (the trading-statistics
 * open-interest history) allows 5 requests per 2 s, so every request keeps to that. A 429 without
 * Retry-After waits one window (docs/exchange-sources.md).
 */
export const OKX_REST_BUDGET: RestBudget = {
  exchange: 'okx',
  limit: 5,
  windowMs: 2_000,
  rateLimitStatuses: [429],
  defaultRetryAfterMs: 2_000,
};

const MINUTE = 60_000;
const CANDLE_LIMIT = 100;
const OPEN_INTEREST_LIMIT = 100;
/** OKX drops a connection after 30 s without data and asks for a `ping` before then. */
const PING_INTERVAL_MS = 20_000;

/**
 * OKX v5 USDT-margined linear swaps: maps each symbol to its swap by instrument metadata, loads the
 * isolated position tiers, backfills candles and 5-minute open interest over REST, then streams trades,
 * mark price, open interest and liquidation orders on the public connection and 1-minute candles on the
 * business one. Sizes come in contracts and are turned into base asset with the contract value.
 */
export class OkxSource extends LiveSource {
  readonly name = 'okx' as const;
  private readonly wsUrl: string;
  private readonly wsBusinessUrl: string;
  private readonly heartbeatMs: number;
  /** By symbol, filled by `prepare`. */
  private instruments = new Map<string, OkxInstrument>();

  constructor(options: OkxOptions) {
    super('okx', options, options.restBaseUrl ?? 'https://www.okx.com', OKX_REST_BUDGET);
    this.wsUrl = options.wsUrl ?? 'wss://ws.okx.com:8443/ws/v5/public';
    this.wsBusinessUrl = options.wsBusinessUrl ?? 'wss://ws.okx.com:8443/ws/v5/business';
    this.heartbeatMs = this.pingIntervalWithin(PING_INTERVAL_MS);
  }

  /**
   * Instruments (tick sizes and contract sizes; a symbol OKX does not list refuses the start), then each
   * one's position tiers (a symbol whose tiers fail keeps the model's tier 1, with the reason logged).
   */
  protected async prepare(from: number): Promise<MarketEvent[]> {
    const path = '/api/v5/public/instruments';
    this.instruments = instrumentsFor(this.symbols, dataOf(path, await this.rest.getJson(path, { instType: 'SWAP' })));
    this.refuseUnlisted(
      this.symbols
        .filter((symbol) => !this.instruments.has(symbol))
        .map((symbol) => ({ symbol, why: 'no live USDT-margined swap on OKX' })),
    );

    const events: MarketEvent[] = [...this.instruments.values()].map(({ symbol, tickSize }): MarketEvent => ({
      kind: 'instrument',
      symbol,
      time: from,
      tickSize,
    }));
    for (const { symbol, instFamily, contractSize } of this.instruments.values()) {
      const loaded = await this.marginTiers('position tiers', instFamily, async () => {
        const tiersPath = '/api/v5/public/position-tiers';
        const rows = dataOf(
          tiersPath,
          await this.rest.getJson(tiersPath, { instType: 'SWAP', tdMode: 'isolated', instFamily }),
        );
        const tiers = parsePositionTiers(rows, contractSize);
        return { kind: 'marginTiers', exchange: 'okx', symbol, time: from, tiers };
      });
      if (loaded) events.push(loaded);
    }
    return events;
  }

  protected async fetchHistory(
    symbol: string,
    from: number,
    to: number,
    barMs: CandleMs,
    onMalformed: (what: string, sample: unknown) => void,
  ): Promise<MarketEvent[]> {
    const { instId } = this.instruments.get(symbol)!;
    const events: MarketEvent[] = [];
    // Rows come newest first; `after` asks for rows older than a time.
    for (let after = to + 1; after > from;) {
      const path = '/api/v5/market/history-candles';
      const rows = dataOf(
        path,
        await this.rest.getJson(path, { instId, bar: barMs === MINUTE ? '1m' : '5m', after, limit: CANDLE_LIMIT }),
      );
      let oldest = Infinity;
      for (const row of rows) {
        const kline = parseCandleRow(symbol, barMs, row);
        if (!kline) {
          onMalformed('candle row', row);
          continue;
        }
        oldest = Math.min(oldest, kline.openTime);
        if (kline.closed && kline.closeTime <= to && kline.openTime >= from) events.push(kline);
      }
      if (rows.length < CANDLE_LIMIT || !(oldest < after)) break;
      after = oldest;
    }

    for (let end = to; end >= from;) {
      const path = '/api/v5/rubik/stat/contracts/open-interest-history';
      const rows = dataOf(
        path,
        await this.rest.getJson(path, { instId, period: '5m', end, limit: OPEN_INTEREST_LIMIT }),
      );
      let oldest = Infinity;
      for (const row of rows) {
        const point = parseOpenInterestRow(symbol, row);
        if (!point) {
          onMalformed('open-interest row', row);
          continue;
        }
        oldest = Math.min(oldest, point.time);
        if (point.time >= from && point.time <= to) events.push(point);
      }
      if (rows.length < OPEN_INTEREST_LIMIT || !(oldest <= end)) break;
      end = oldest - 1;
    }
    // Stable: at equal times a candle close precedes the OI point, as the two series were fetched.
    return events.sort((a, b) => a.time - b.time);
  }

  protected streams(): StreamSpec[] {
    const byInstId = new Map([...this.instruments.values()].map((instrument) => [instrument.instId, instrument]));
    const args = channelArgs([...this.instruments.values()]);
    const heartbeat = { intervalMs: this.heartbeatMs, message: 'ping' };
    const parse = (text: string) => parseStreamMessage(text, byInstId);
    return [
      {
        label: 'public',
        url: this.wsUrl,
        subscribe: [JSON.stringify({ op: 'subscribe', args: args.public })],
        heartbeat,
        parse,
      },
      {
        label: 'business',
        url: this.wsBusinessUrl,
        subscribe: [JSON.stringify({ op: 'subscribe', args: args.business })],
        heartbeat,
        parse,
      },
    ];
  }
}
