import type { MarketEvent } from '../events.js';
import { LiveSource, type CandleMs, type LiveSourceOptions, type StreamSpec } from '../live-source.js';
import { fetchHistory } from './history.js';
import { parseOpenInterest, parseStreamMessage, parseTickSizes, streamNames } from './payloads.js';
import { BINANCE_REST_BUDGET } from './rest.js';

export interface BinanceOptions extends LiveSourceOptions {
  /** WebSocket base URL. Default 'wss://fstream.binance.com'. */
  wsBaseUrl?: string;
  /** Combined-stream route (2026 routing). Default '/market/stream'. */
  streamRoute?: string;
  /** REST base URL. Default 'https://fapi.binance.com'. */
  restBaseUrl?: string;
  /** Open-interest polling interval (there is no OI stream). Default 5000. */
  openInterestPollMs?: number;
  /** Rotate the connection after this long, before Binance's 24 h cut. Default 23 h 50 min. */
  maxConnectionAgeMs?: number;
}

/**
 * Binance USDⓈ-M live data: reads each symbol's tick size (exchangeInfo), backfills history over REST
 * (klines and openInterestHist, the latter reaching back 30 days at most), then streams aggTrade, markPrice@1s, forceOrder and kline_1m for every symbol on
 * one combined connection (streams named in the URL; the client sends nothing), and polls open interest.
 */
export class BinanceSource extends LiveSource {
  readonly name = 'binance' as const;
  private readonly streamUrl: string;
  private readonly openInterestPollMs: number;
  private readonly maxConnectionAgeMs: number;

  constructor(options: BinanceOptions) {
    super('binance', options, options.restBaseUrl ?? 'https://fapi.binance.com', BINANCE_REST_BUDGET);
    this.openInterestPollMs = options.openInterestPollMs ?? 5000;
    this.maxConnectionAgeMs = options.maxConnectionAgeMs ?? (23 * 60 + 50) * 60_000;
    this.streamUrl = `${options.wsBaseUrl ?? 'wss://fstream.binance.com'}${options.streamRoute ?? '/market/stream'}?streams=${streamNames(this.symbols).join('/')}`;
  }

  /**
   * Each symbol's PRICE_FILTER tick size, stamped `from` (the history's start). Rejects when a configured
   * symbol is not listed on Binance USDⓈ-M. (Its brackets come from shipped tables: the endpoint is signed.)
   */
  protected async prepare(from: number): Promise<MarketEvent[]> {
    let body: unknown;
    try {
      body = await this.rest.getJson('/fapi/v1/exchangeInfo', {}, 1);
    } catch (error) {
      if (this.abort.signal.aborted) throw error;
      // Binance's own prices are on the tick already; without it only mark prices may show extra decimals.
      this.tracker.countError();
      this.logger?.error({ err: error }, 'binance exchangeInfo failed; serving prices without tick sizes');
      return [];
    }
    const ticks = parseTickSizes(body);
    if (!ticks) {
      this.reject('malformed exchangeInfo response', body);
      return [];
    }
    const unlisted = this.symbols.filter((symbol) => !ticks.has(symbol));
    if (unlisted.length > 0) {
      throw new Error(`binance: not listed on Binance USDⓈ-M (exchangeInfo): ${unlisted.join(', ')}`);
    }
    return this.symbols.map((symbol) => ({ kind: 'instrument', symbol, time: from, tickSize: ticks.get(symbol)! }));
  }

  protected fetchHistory(
    symbol: string,
    from: number,
    to: number,
    candleMs: CandleMs,
    onMalformed: (what: string, sample: unknown) => void,
  ): Promise<MarketEvent[]> {
    return fetchHistory(this.rest, symbol, from, to, candleMs, onMalformed);
  }

  protected streams(): StreamSpec[] {
    return [
      { label: 'market', url: this.streamUrl, maxConnectionAgeMs: this.maxConnectionAgeMs, parse: parseStreamMessage },
    ];
  }

  protected override poll(): Promise<void> {
    const signal = this.abort.signal;
    return this.pollEvery(this.openInterestPollMs, async () => {
      for (const symbol of this.symbols) {
        try {
          const body = await this.rest.getJson('/fapi/v1/openInterest', { symbol }, 1);
          const event = parseOpenInterest(body);
          if (event) this.deliver(event);
          else this.reject('malformed openInterest response', body);
        } catch (error) {
          if (signal.aborted) return;
          this.reject('openInterest request failed', error instanceof Error ? error.message : String(error));
        }
      }
    });
  }
}
