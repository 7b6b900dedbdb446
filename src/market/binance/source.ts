import type { Logger } from 'pino';
import type { MarketEvent, MarketEventSink } from '../events.js';
import type { MarketSource, SourceHealth } from '../source.js';
import { AbortedError, sleep, systemClock, yieldToEventLoop } from '../clock.js';
import { HealthTracker, shouldLogError } from '../source-health.js';
import { StreamConnection } from './connection.js';
import { fetchHistory } from './history.js';
import { parseOpenInterest, parseStreamMessage, parseTickSizes, streamNames } from './payloads.js';
import { BinanceRestClient } from './rest.js';

export interface BinanceOptions {
  /** Upper-case symbols, e.g. ['BTCUSDT']; streams are subscribed lowercase. */
  symbols: readonly string[];
  /** WebSocket base URL. Default 'wss://fstream.binance.com'. */
  wsBaseUrl?: string;
  /** Combined-stream route (2026 routing). Default '/market/stream'. */
  streamRoute?: string;
  /** REST base URL. Default 'https://fapi.binance.com'. */
  restBaseUrl?: string;
  /** History backfilled at start from klines and openInterestHist (the latter reaches back 30 days at most). Default 24 h. */
  historyMs?: number;
  /** Open-interest polling interval (there is no OI stream). Default 5000. */
  openInterestPollMs?: number;
  /** No stream message for this long → degraded and reconnect. Default 15000 (markPrice@1s alone sends one per second). */
  staleAfterMs?: number;
  /** Rotate the connection after this long, before Binance's 24 h cut. Default 23 h 50 min. */
  maxConnectionAgeMs?: number;
  /**
   * Live events stamped further ahead of the local clock than this are rejected. Default 60000.
   * The engine's time only moves forward, so one event from the future would make every later
   * event "late" and freeze the heatmap's columns until real time caught up.
   */
  maxClockAheadMs?: number;
  /** Reconnect/retry backoff: full jitter up to min(max, base·2^attempt). Defaults 1000 and 60000. */
  reconnectBaseMs?: number;
  reconnectMaxMs?: number;
  logger?: Logger;
}

const BACKFILL_EVENTS_PER_YIELD = 5000;

/**
 * Binance USDⓈ-M live data: reads each symbol's tick size (exchangeInfo), backfills history over REST, then streams aggTrade, markPrice@1s,
 * forceOrder and kline_1m for every symbol on one combined connection, and polls open interest.
 * Nothing from the network is trusted: malformed input is counted and logged with a sample, never thrown.
 */
export class BinanceSource implements MarketSource {
  readonly name = 'binance' as const;
  readonly symbols: readonly string[];
  private readonly tracker = new HealthTracker('binance', systemClock);
  private readonly abort = new AbortController();
  private readonly rest: BinanceRestClient;
  private readonly connection: StreamConnection;
  private readonly historyMs: number;
  private readonly openInterestPollMs: number;
  private readonly maxClockAheadMs: number;
  /** Set while the stream's timestamps run ahead of the local clock (health degraded). */
  private clockAhead = false;
  /** Whether the stream connection is open: open-interest polls go on without it and must not report live. */
  private streamUp = false;
  private readonly logger: Logger | undefined;
  private sink: MarketEventSink | null = null;
  private polling: Promise<void> | null = null;

  constructor(options: BinanceOptions) {
    if (options.symbols.length === 0) throw new Error('binance: at least one symbol is required');
    this.symbols = [...options.symbols];
    this.logger = options.logger;
    this.historyMs = options.historyMs ?? 24 * 3600_000;
    this.openInterestPollMs = options.openInterestPollMs ?? 5000;
    this.maxClockAheadMs = options.maxClockAheadMs ?? 60_000;
    const reconnectBaseMs = options.reconnectBaseMs ?? 1000;
    const reconnectMaxMs = options.reconnectMaxMs ?? 60_000;
    this.rest = new BinanceRestClient({
      baseUrl: options.restBaseUrl ?? 'https://fapi.binance.com',
      clock: systemClock,
      signal: this.abort.signal,
      retryBaseMs: reconnectBaseMs,
      retryMaxMs: reconnectMaxMs,
      onRateLimited: (status, retryAfterMs) => {
        this.tracker.countError();
        if (this.tracker.current === 'connecting') {
          this.tracker.set(
            'connecting',
            `backfill rate limited (HTTP ${status}); retrying in ${Math.ceil(retryAfterMs / 1000)} s`,
          );
        }
      },
      ...(options.logger ? { logger: options.logger } : {}),
    });
    const url = `${options.wsBaseUrl ?? 'wss://fstream.binance.com'}${options.streamRoute ?? '/market/stream'}?streams=${streamNames(this.symbols).join('/')}`;
    this.connection = new StreamConnection({
      url,
      staleAfterMs: options.staleAfterMs ?? 15_000,
      maxConnectionAgeMs: options.maxConnectionAgeMs ?? (23 * 60 + 50) * 60_000,
      reconnectBaseMs,
      reconnectMaxMs,
      onMessage: (text) => this.handleMessage(text),
      onOpen: () => {
        this.streamUp = true;
        this.tracker.set('live', null);
      },
      onDown: (detail, connected) => {
        this.streamUp = false;
        this.tracker.set('degraded', detail, connected);
        this.logger?.warn({ detail }, 'binance stream down');
      },
      ...(options.logger ? { logger: options.logger } : {}),
    });
  }

  /**
   * Reads the symbols' tick sizes, backfills every symbol (events in time order), then opens the stream and
   * starts polling open interest. Rejects when a configured symbol is not listed on Binance USDⓈ-M.
   */
  async start(sink: MarketEventSink): Promise<void> {
    if (this.sink) throw new Error('binance: already started');
    this.sink = sink;
    this.tracker.set('connecting', 'reading instrument info');
    const to = Date.now();
    try {
      await this.readTickSizes(to - this.historyMs);
      this.tracker.set('connecting', 'backfilling history');
      await this.backfill(to);
    } catch (error) {
      if (error instanceof AbortedError || this.abort.signal.aborted) return;
      throw error;
    }
    if (this.abort.signal.aborted) return;
    this.tracker.set('connecting', 'connecting to stream');
    this.connection.start();
    this.polling = this.pollOpenInterest();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.all([this.connection.stop(), this.polling]);
    this.sink = null;
    this.tracker.set('stopped', 'stopped');
  }

  health(): SourceHealth {
    return this.tracker.snapshot();
  }

  /** Sends each symbol's PRICE_FILTER tick size ahead of its prices, stamped `from` (the history's start). */
  private async readTickSizes(from: number): Promise<void> {
    let body: unknown;
    try {
      body = await this.rest.getJson('/fapi/v1/exchangeInfo', {}, 1);
    } catch (error) {
      if (this.abort.signal.aborted) throw new AbortedError();
      // Binance's own prices are on the tick already; without it only mark prices may show extra decimals.
      this.tracker.countError();
      this.logger?.error({ err: error }, 'binance exchangeInfo failed; serving prices without tick sizes');
      return;
    }
    const ticks = parseTickSizes(body);
    if (!ticks) {
      this.reject('malformed exchangeInfo response', body);
      return;
    }
    const unlisted = this.symbols.filter((symbol) => !ticks.has(symbol));
    if (unlisted.length > 0) {
      throw new Error(`binance: not listed on Binance USDⓈ-M (exchangeInfo): ${unlisted.join(', ')}`);
    }
    for (const symbol of this.symbols) {
      this.deliver({ kind: 'instrument', symbol, time: from, tickSize: ticks.get(symbol)! });
    }
  }

  private async backfill(to: number): Promise<void> {
    const perSymbol: MarketEvent[][] = [];
    // One symbol at a time: the weight budget is shared, and parallel pages would only queue anyway.
    for (const symbol of this.symbols) {
      try {
        perSymbol.push(
          await fetchHistory(this.rest, symbol, to - this.historyMs, to, (what, sample) =>
            this.reject(`malformed ${what}`, sample),
          ),
        );
      } catch (error) {
        if (this.abort.signal.aborted) throw new AbortedError();
        // A symbol without history still streams live; the heatmap just starts emptier.
        this.tracker.countError();
        this.logger?.error({ err: error, symbol }, 'binance backfill failed; continuing live without history');
      }
    }
    const events = perSymbol.flat().sort((a, b) => a.time - b.time);
    for (let i = 0; i < events.length; i++) {
      this.deliver(events[i]!);
      if ((i + 1) % BACKFILL_EVENTS_PER_YIELD === 0) await yieldToEventLoop();
      if (this.abort.signal.aborted) return;
    }
    this.logger?.info({ symbols: this.symbols, events: events.length }, 'binance backfill done');
  }

  private async pollOpenInterest(): Promise<void> {
    const signal = this.abort.signal;
    try {
      while (!signal.aborted) {
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
        await sleep(systemClock, this.openInterestPollMs, signal);
      }
    } catch (error) {
      if (!(error instanceof AbortedError)) throw error;
    }
  }

  private handleMessage(text: string): void {
    const result = parseStreamMessage(text);
    if (!result.ok) {
      this.reject(result.reason, text);
      return;
    }
    this.deliver(result.event);
  }

  private deliver(event: MarketEvent): void {
    if (!this.sink) return;
    const ahead = event.time - Date.now();
    if (ahead > this.maxClockAheadMs) {
      this.clockAhead = true;
      this.tracker.set(
        'degraded',
        `exchange timestamps ${Math.round(ahead / 1000)} s ahead of the local clock: events rejected (check NTP)`,
        true,
      );
      this.reject('timestamp ahead of the local clock', event);
      return;
    }
    if (this.clockAhead) {
      this.clockAhead = false;
      if (this.streamUp) this.tracker.set('live', null);
    }
    try {
      this.sink(event);
      this.tracker.eventDelivered();
    } catch (error) {
      // A consumer bug must not take the feed down with it.
      this.reject('event sink threw', error instanceof Error ? error.message : String(error));
    }
  }

  private reject(reason: string, sample: unknown): void {
    const count = this.tracker.countError();
    if (shouldLogError(count)) {
      const text = typeof sample === 'string' ? sample : JSON.stringify(sample);
      this.logger?.warn({ reason, sample: text?.slice(0, 300), errors: count }, 'binance input rejected');
    }
  }
}
