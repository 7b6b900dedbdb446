import type { Logger } from 'pino';
import type { MarginTiersEvent, MarketEvent, MarketEventSink } from './events.js';
import type { Exchange, MarketSource, OlderHistory, SourceHealth } from './source.js';
import { AbortedError, sleep, systemClock, yieldToEventLoop } from './clock.js';
import { HealthTracker, shouldLogError } from './source-health.js';
import { RestClient, type RestBudget } from './rest-client.js';
import { StreamConnection, type StreamConnectionOptions } from './stream-connection.js';

/** Settings every live exchange source shares; each exchange adds its URLs. */
export interface LiveSourceOptions {
  /** Upper-case symbols as the server names them, e.g. ['BTCUSDT']. */
  symbols: readonly string[];
  /** History backfilled at start (older history is fetched on request, `olderHistory`). Default 24 h. */
  historyMs?: number;
  /** No stream message for this long → degraded and reconnect. Default 15000. */
  staleAfterMs?: number;
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

/** What one stream message turned into: events (possibly none, e.g. a subscribe ack), or why it was rejected. */
export type ParseResult = { ok: true; events: MarketEvent[] } | { ok: false; reason: string };

/** One WebSocket an exchange source keeps open, and how to read its messages. */
export interface StreamSpec extends Pick<
  StreamConnectionOptions,
  'url' | 'subscribe' | 'heartbeat' | 'maxConnectionAgeMs'
> {
  /** Names the stream in health details when a source keeps more than one (OKX public and business). */
  label: string;
  parse: (text: string) => ParseResult;
}

const BACKFILL_EVENTS_PER_YIELD = 5000;
/** Candle width of the history fetched: 1 minute, or 5 where the length of the history asks for fewer requests. */
export type CandleMs = 60_000 | 300_000;
const MINUTE = 60_000;
const FIVE_MINUTES = 300_000;
/** A start's history up to a day is fetched in 1-minute candles; longer ones and older history in 5-minute ones. */
const ONE_MINUTE_CANDLES_UP_TO_MS = 24 * 3600_000;

/**
 * What Binance, Bybit and OKX live sources have in common: prepare (instruments, margin tiers), backfill
 * history over REST within the exchange's request budget, then stream over WebSockets that reconnect with
 * backoff and are replaced when stalled. Nothing from the network is trusted: malformed input is counted
 * and logged with a sample, never thrown; events from a clock far ahead of ours are rejected.
 * Each exchange supplies the URLs, the parsers and the REST calls.
 */
export abstract class LiveSource implements MarketSource {
  abstract readonly name: Exchange;
  get exchange(): Exchange {
    return this.name;
  }
  readonly symbols: readonly string[];
  protected readonly abort = new AbortController();
  protected readonly rest: RestClient;
  protected readonly logger: Logger | undefined;
  protected readonly tracker: HealthTracker;
  private readonly historyMs: number;
  private readonly staleAfterMs: number;
  private readonly maxClockAheadMs: number;
  private readonly reconnectBaseMs: number;
  private readonly reconnectMaxMs: number;
  private connections: StreamConnection[] = [];
  /** Which of the connections are open: polls go on without them and must not report live. */
  private streamsUp: boolean[] = [];
  /** Set while the exchange's timestamps run ahead of the local clock (health degraded). */
  private clockAhead = false;
  private sink: MarketEventSink | null = null;
  private polling: Promise<void> | null = null;
  /** Where the history backfilled at start begins. */
  private recentFrom = 0;

  /** Older history over the same REST calls as the start's backfill, within the same request budget. */
  readonly olderHistory: OlderHistory = {
    recentFrom: () => this.recentFrom,
    // The REST calls take inclusive ranges; older history ends before the start's.
    fetch: (from, to) => this.fetchAll(from, Math.min(to, this.recentFrom) - 1, FIVE_MINUTES, false),
  };

  protected constructor(exchange: Exchange, options: LiveSourceOptions, restBaseUrl: string, budget: RestBudget) {
    if (options.symbols.length === 0) throw new Error(`${exchange}: at least one symbol is required`);
    this.symbols = [...options.symbols];
    this.logger = options.logger;
    this.tracker = new HealthTracker(exchange, systemClock);
    this.historyMs = options.historyMs ?? 24 * 3600_000;
    this.staleAfterMs = options.staleAfterMs ?? 15_000;
    this.maxClockAheadMs = options.maxClockAheadMs ?? 60_000;
    this.reconnectBaseMs = options.reconnectBaseMs ?? 1000;
    this.reconnectMaxMs = options.reconnectMaxMs ?? 60_000;
    this.rest = new RestClient(
      {
        baseUrl: restBaseUrl,
        clock: systemClock,
        signal: this.abort.signal,
        retryBaseMs: this.reconnectBaseMs,
        retryMaxMs: this.reconnectMaxMs,
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
      },
      budget,
    );
  }

  /**
   * Instruments (tick sizes) and margin tiers the streams and the model need, as events delivered before
   * any history, stamped `from` (the history's start). Rejects when a configured symbol is not listed
   * (`refuseUnlisted`).
   */
  protected abstract prepare(from: number): Promise<MarketEvent[]>;
  /** Past candles (`candleMs` wide) and open interest of one symbol in [from, to], in time order; malformed rows reported. */
  protected abstract fetchHistory(
    symbol: string,
    from: number,
    to: number,
    candleMs: CandleMs,
    onMalformed: (what: string, sample: unknown) => void,
  ): Promise<MarketEvent[]>;
  /** The WebSockets to keep open (called after `prepare`). */
  protected abstract streams(): StreamSpec[];
  /** Data an exchange only serves over REST, polled until stopped (Binance's open interest). */
  protected poll(): Promise<void> | null {
    return null;
  }

  /** Prepares and backfills every symbol (events in time order), then opens the streams. */
  async start(sink: MarketEventSink): Promise<void> {
    if (this.sink) throw new Error(`${this.name}: already started`);
    this.sink = sink;
    const to = Date.now();
    const from = to - this.historyMs;
    this.recentFrom = from;
    try {
      this.tracker.set('connecting', 'reading instrument info');
      for (const event of await this.prepare(from)) this.deliver(event);
      this.tracker.set('connecting', 'backfilling history');
      await this.backfill(from, to);
    } catch (error) {
      if (error instanceof AbortedError || this.abort.signal.aborted) return;
      throw error;
    }
    if (this.abort.signal.aborted) return;
    this.tracker.set('connecting', 'connecting to stream');
    const specs = this.streams();
    this.streamsUp = specs.map(() => false);
    this.connections = specs.map((spec, index) => this.connect(spec, index, specs.length > 1));
    for (const connection of this.connections) connection.start();
    this.polling = this.poll();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.all([...this.connections.map((connection) => connection.stop()), this.polling]);
    this.sink = null;
    this.tracker.set('stopped', 'stopped');
  }

  health(): SourceHealth {
    return this.tracker.snapshot();
  }

  private connect(spec: StreamSpec, index: number, labelled: boolean): StreamConnection {
    const { label, parse, ...connection } = spec;
    return new StreamConnection({
      ...connection,
      name: `${this.name} ${label} stream`,
      staleAfterMs: this.staleAfterMs,
      reconnectBaseMs: this.reconnectBaseMs,
      reconnectMaxMs: this.reconnectMaxMs,
      onMessage: (text) => {
        const result = parse(text);
        if (!result.ok) this.reject(result.reason, text);
        else for (const event of result.events) this.deliver(event);
      },
      onOpen: () => {
        this.streamsUp[index] = true;
        if (this.streamsUp.every(Boolean) && !this.clockAhead) this.tracker.set('live', null);
      },
      onDown: (detail, connected) => {
        this.streamsUp[index] = false;
        this.tracker.set('degraded', labelled ? `${label} stream ${detail}` : detail, connected);
        this.logger?.warn({ detail, stream: label }, `${this.name} stream down`);
      },
      ...(this.logger ? { logger: this.logger } : {}),
    });
  }

  private async backfill(from: number, to: number): Promise<void> {
    const events = await this.fetchAll(from, to, to - from <= ONE_MINUTE_CANDLES_UP_TO_MS ? MINUTE : FIVE_MINUTES);
    for (let i = 0; i < events.length; i++) {
      this.deliver(events[i]!);
      if ((i + 1) % BACKFILL_EVENTS_PER_YIELD === 0) await yieldToEventLoop();
      if (this.abort.signal.aborted) return;
    }
    this.logger?.info({ symbols: this.symbols, events: events.length }, `${this.name} backfill done`);
  }

  /**
   * Every symbol's history in [from, to] (inclusive), in time order. At start a symbol whose fetch fails is
   * left out, reported (it still streams live); older history rejects instead, so that the chunk is
   * fetched again rather than leave a hole in the middle of the history.
   */
  private async fetchAll(from: number, to: number, candleMs: CandleMs, leaveOutFailed = true): Promise<MarketEvent[]> {
    const perSymbol: MarketEvent[][] = [];
    if (to < from) return [];
    // One symbol at a time: the request budget is shared, and parallel pages would only queue anyway.
    for (const symbol of this.symbols) {
      try {
        perSymbol.push(
          await this.fetchHistory(symbol, from, to, candleMs, (what, sample) =>
            this.reject(`malformed ${what}`, sample),
          ),
        );
      } catch (error) {
        if (this.abort.signal.aborted) throw new AbortedError();
        this.tracker.countError();
        if (!leaveOutFailed) throw error;
        // A symbol without history still streams live; the heatmap just starts emptier.
        this.logger?.error({ err: error, symbol }, `${this.name} backfill failed; continuing live without history`);
      }
    }
    return perSymbol.flat().sort((a, b) => a.time - b.time);
  }

  /** Runs `once` every `intervalMs` until stopped; a failed round is reported and the next one runs anyway. */
  protected async pollEvery(intervalMs: number, once: () => Promise<void>): Promise<void> {
    const signal = this.abort.signal;
    try {
      while (!signal.aborted) {
        await once();
        await sleep(systemClock, intervalMs, signal);
      }
    } catch (error) {
      if (!(error instanceof AbortedError)) throw error;
    }
  }

  /**
   * A symbol's margin tiers (`table`: what the exchange calls them, listed under `listedAs`), or null when
   * they cannot be loaded or none are listed: the model then prices the symbol with tier 1, and the reason
   * is reported.
   */
  protected async marginTiers(
    table: string,
    listedAs: string,
    load: () => Promise<MarginTiersEvent>,
  ): Promise<MarginTiersEvent | null> {
    try {
      const event = await load();
      if (event.tiers.length === 0) throw new Error(`no ${table} listed for ${listedAs}`);
      return event;
    } catch (error) {
      if (this.abort.signal.aborted) throw error;
      this.reject(`${table} not loaded; pricing with tier 1`, error instanceof Error ? error.message : String(error));
      return null;
    }
  }

  /**
   * The exchange's ping interval, shortened to half the stale limit where that is shorter: a quiet but
   * healthy connection still answers pings, so pinging that often keeps it from looking stalled.
   */
  protected pingIntervalWithin(documentedMs: number): number {
    return Math.min(documentedMs, this.staleAfterMs / 2);
  }

  /** A configured symbol the exchange does not list stops the start, naming it and why (as Binance's source does). */
  protected refuseUnlisted(unlisted: ReadonlyArray<{ symbol: string; why: string }>): void {
    if (unlisted.length === 0) return;
    throw new Error(`${this.name}: not listed: ${unlisted.map(({ symbol, why }) => `${symbol} (${why})`).join(', ')}`);
  }

  protected deliver(event: MarketEvent): void {
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
      if (this.streamsUp.length > 0 && this.streamsUp.every(Boolean)) this.tracker.set('live', null);
    }
    try {
      this.sink(event);
      this.tracker.eventDelivered();
    } catch (error) {
      // A consumer bug must not take the feed down with it.
      this.reject('event sink threw', error instanceof Error ? error.message : String(error));
    }
  }

  protected reject(reason: string, sample: unknown): void {
    const count = this.tracker.countError();
    if (shouldLogError(count)) {
      const text = typeof sample === 'string' ? sample : JSON.stringify(sample);
      this.logger?.warn({ reason, sample: text?.slice(0, 300), errors: count }, `${this.name} input rejected`);
    }
  }
}
