import type { MarketEvent } from '../events.js';
import { LiveSource, type CandleMs, type LiveSourceOptions, type StreamSpec } from '../live-source.js';
import type { RestBudget } from '../rest-client.js';
import {
  listOf,
  parseKlineRow,
  parseOpenInterestRow,
  parseRiskLimits,
  parseStreamMessage,
  topicsOf,
  instrumentOf,
} from './payloads.js';

export interface BybitOptions extends LiveSourceOptions {
  /** Public linear stream. Default 'wss://stream.bybit.com/v5/public/linear'. */
  wsUrl?: string;
  /** REST base URL. Default 'https://api.bybit.com'. */
  restBaseUrl?: string;
}

/**
 * 600 requests per 5 s per IP; over it Bybit answers 403 and bans the IP for at least 10 minutes, with no
 * Retry-After, so a 403 waits 10 minutes (docs/exchange-sources.md).
 */
export const BYBIT_REST_BUDGET: RestBudget = {
  exchange: 'bybit',
  limit: 600,
  windowMs: 5_000,
  rateLimitStatuses: [403, 429],
  defaultRetryAfterMs: 10 * 60_000,
};

const MINUTE = 60_000;
const KLINE_LIMIT = 1000;
const OPEN_INTEREST_LIMIT = 200;
/** Topics per subscribe request: few enough to stay far under the 21,000-character limit of one connection's args. */
const TOPICS_PER_REQUEST = 10;
/** The documented heartbeat: `{"op":"ping"}` every 20 s. */
const PING_INTERVAL_MS = 20_000;

/**
 * Bybit v5 USDT linear perpetuals: checks each symbol's instrument and loads its risk-limit tiers,
 * backfills candles and 5-minute open interest over REST, then streams publicTrade, tickers (mark price
 * and open interest), allLiquidation and 1-minute klines on one public connection, pinging as Bybit asks.
 */
export class BybitSource extends LiveSource {
  readonly name = 'bybit' as const;
  private readonly wsUrl: string;
  private readonly heartbeatMs: number;

  constructor(options: BybitOptions) {
    super('bybit', options, options.restBaseUrl ?? 'https://api.bybit.com', BYBIT_REST_BUDGET);
    this.wsUrl = options.wsUrl ?? 'wss://stream.bybit.com/v5/public/linear';
    this.heartbeatMs = this.pingIntervalWithin(PING_INTERVAL_MS);
  }

  /**
   * Each symbol's instrument: its tick size, or a refusal to start when it is not a trading USDT perpetual
   * (one that cannot be fetched is kept, without a tick, like a failed backfill); then its risk limits (a
   * symbol whose table fails keeps the model's tier 1, with the reason logged).
   */
  protected async prepare(from: number): Promise<MarketEvent[]> {
    const events: MarketEvent[] = [];
    const unlisted: Array<{ symbol: string; why: string }> = [];
    for (const symbol of this.symbols) {
      const path = '/v5/market/instruments-info';
      try {
        const { list } = listOf(path, await this.rest.getJson(path, { category: 'linear', symbol }));
        const instrument = instrumentOf(symbol, list);
        if ('why' in instrument) unlisted.push({ symbol, why: instrument.why });
        else events.push({ kind: 'instrument', symbol, time: from, tickSize: instrument.tickSize });
      } catch (error) {
        if (this.abort.signal.aborted) throw error;
        this.reject(
          `${symbol} instrument not read; streaming it as configured, without its tick`,
          error instanceof Error ? error.message : String(error),
        );
      }
    }
    this.refuseUnlisted(unlisted);
    for (const symbol of this.symbols) {
      const loaded = await this.marginTiers('risk limits', symbol, async () => {
        const path = '/v5/market/risk-limit';
        const { list } = listOf(path, await this.rest.getJson(path, { category: 'linear', symbol }));
        const tiers = parseRiskLimits(list.filter((row) => (row as { symbol?: unknown }).symbol === symbol));
        return { kind: 'marginTiers', exchange: 'bybit', symbol, time: from, tiers };
      });
      if (loaded) events.push(loaded);
    }
    return events;
  }

  protected async fetchHistory(
    symbol: string,
    from: number,
    to: number,
    intervalMs: CandleMs,
    onMalformed: (what: string, sample: unknown) => void,
  ): Promise<MarketEvent[]> {
    const events: MarketEvent[] = [];
    // Rows come newest first: page backwards from `to`.
    for (let end = to; end >= from;) {
      const path = '/v5/market/kline';
      const { list } = listOf(
        path,
        await this.rest.getJson(path, {
          category: 'linear',
          symbol,
          interval: intervalMs / MINUTE,
          start: from,
          end,
          limit: KLINE_LIMIT,
        }),
      );
      let oldest = Infinity;
      for (const row of list) {
        const kline = parseKlineRow(symbol, intervalMs, row);
        if (!kline) {
          onMalformed('kline row', row);
          continue;
        }
        oldest = Math.min(oldest, kline.openTime);
        // The newest candle is usually still open; the live stream delivers it.
        if (kline.closeTime <= to && kline.openTime >= from) events.push(kline);
      }
      if (list.length < KLINE_LIMIT || !(oldest <= end)) break;
      end = oldest - 1;
    }

    for (let cursor = ''; ;) {
      const path = '/v5/market/open-interest';
      const page = listOf(
        path,
        await this.rest.getJson(path, {
          category: 'linear',
          symbol,
          intervalTime: '5min',
          startTime: from,
          endTime: to,
          limit: OPEN_INTEREST_LIMIT,
          ...(cursor ? { cursor } : {}),
        }),
      );
      for (const row of page.list) {
        const point = parseOpenInterestRow(symbol, row);
        if (point) events.push(point);
        else onMalformed('open-interest row', row);
      }
      if (page.list.length === 0 || !page.cursor || page.cursor === cursor) break;
      cursor = page.cursor;
    }
    // Stable: at equal times a candle close precedes the OI point, as the two series were fetched.
    return events.sort((a, b) => a.time - b.time);
  }

  protected streams(): StreamSpec[] {
    const topics = this.symbols.flatMap(topicsOf);
    const subscribe: string[] = [];
    for (let i = 0; i < topics.length; i += TOPICS_PER_REQUEST) {
      subscribe.push(JSON.stringify({ op: 'subscribe', args: topics.slice(i, i + TOPICS_PER_REQUEST) }));
    }
    return [
      {
        label: 'public',
        url: this.wsUrl,
        subscribe,
        heartbeat: { intervalMs: this.heartbeatMs, message: JSON.stringify({ op: 'ping' }) },
        parse: parseStreamMessage,
      },
    ];
  }
}
