import type { Logger } from 'pino';
import type { MarketEvent, MarketEventSink } from '../events.js';
import type { Exchange, MarketSource, OlderHistory, SourceHealth } from '../source.js';
import { systemClock, yieldToEventLoop, type Clock } from '../clock.js';
import { HealthTracker } from '../source-health.js';
import { SimulatedMarket } from './market.js';

export interface SimulatorOptions {
  /** Symbols to simulate, e.g. ['BTCUSDT', 'ETHUSDT']. Unknown names get a stable made-up price scale. */
  symbols: readonly string[];
  /** Whose market: each exchange's has its own size and premium over a price path they share. Default 'binance'. */
  exchange?: Exchange;
  /** PRNG seed; the same seed and start time give the same events. Default 1. */
  seed?: number;
  /** History emitted at start, ending at the start time. Default 24 h. */
  historyMs?: number;
  /**
   * How far back the history reaches in all, from the start time: `start` emits the last `historyMs` of
   * it, `olderHistory` the rest, on request. Default `historyMs` (nothing older).
   */
  historyReachMs?: number;
  /** Simulated step, both live (one step per `stepMs` of real time) and for the last hour of history. Default 1000. */
  stepMs?: number;
  /** Time source and timers; tests inject a manual clock. Default: the system clock. */
  clock?: Clock;
  logger?: Logger;
}

const DEFAULT_HISTORY_MS = 24 * 3600_000;
/**
 * History older than this is simulated at BACKFILL_COARSE_STEP_MS to keep a 24 h backfill at about
 * 50k events per symbol (≈150k for three) while the recent hour keeps full resolution.
 */
const FULL_RESOLUTION_HISTORY_MS = 3600_000;
const BACKFILL_COARSE_STEP_MS = 10_000;
/** History older than what `start` emits is simulated in 1-minute steps: the windows reaching back that far have 15-minute columns or wider. */
const OLDER_STEP_MS = 60_000;
/** Backfill steps between yields to the event loop, so the server stays responsive during it. */
const STEPS_PER_YIELD = 500;

/**
 * The default source: a deterministic synthetic market per symbol. `start` backfills `historyMs` of past
 * events in time order (coarse steps for the old part), then steps in real time every `stepMs`.
 * Event timestamps are on a fixed grid (multiples of the step), so timer jitter never changes the stream.
 */
export class SimulatorSource implements MarketSource {
  readonly name = 'simulator' as const;
  readonly exchange: Exchange;
  readonly symbols: readonly string[];
  private readonly seed: number;
  private readonly historyMs: number;
  private readonly stepMs: number;
  private readonly clock: Clock;
  private readonly logger: Logger | undefined;
  private readonly tracker: HealthTracker;
  private markets: SimulatedMarket[] = [];
  private sink: MarketEventSink | null = null;
  private lastStepAt = 0;
  private timer: unknown = null;
  private stopped = false;
  private readonly historyReachMs: number;
  /** The first older step (the simulation's beginning) and the first step `start` emitted. */
  private olderFrom = 0;
  private recentFrom = 0;
  /** The markets re-simulating the older history, and the next step they take. */
  private older: { markets: SimulatedMarket[]; next: number } | null = null;

  /**
   * The history before what `start` emitted: the same markets from the same beginning, so it joins the
   * recent history without a seam. Fetches in time order continue one simulation; any other re-runs it
   * from the beginning.
   */
  readonly olderHistory: OlderHistory = {
    recentFrom: () => this.recentFrom,
    fetch: (from, to) => this.simulateOlder(from, to),
  };

  constructor(options: SimulatorOptions) {
    if (options.symbols.length === 0) throw new Error('simulator: at least one symbol is required');
    this.symbols = [...options.symbols];
    this.exchange = options.exchange ?? 'binance';
    this.seed = options.seed ?? 1;
    this.historyMs = options.historyMs ?? DEFAULT_HISTORY_MS;
    this.stepMs = options.stepMs ?? 1000;
    if (!(this.stepMs > 0)) throw new Error(`simulator: stepMs must be positive, got ${this.stepMs}`);
    if (!(this.historyMs >= 0)) throw new Error(`simulator: historyMs must be ≥ 0, got ${this.historyMs}`);
    this.historyReachMs = Math.max(options.historyReachMs ?? this.historyMs, this.historyMs);
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger;
    this.tracker = new HealthTracker('simulator', this.clock);
  }

  async start(sink: MarketEventSink): Promise<void> {
    if (this.sink) throw new Error('simulator: already started');
    this.sink = sink;
    this.stopped = false;
    this.markets = this.symbols.map((symbol) => new SimulatedMarket(symbol, this.seed, this.exchange));
    this.tracker.set('connecting', 'backfilling history');

    const startedAt = this.clock.now();
    const end = alignDown(startedAt, this.stepMs);
    const coarseStep = Math.max(BACKFILL_COARSE_STEP_MS, this.stepMs);
    const fineFrom = alignDown(end - Math.min(this.historyMs, FULL_RESOLUTION_HISTORY_MS), this.stepMs);
    let time = alignDown(end - this.historyMs, coarseStep);
    for (const { symbol, tick } of this.markets) sink({ kind: 'instrument', symbol, time, tickSize: tick.size });
    this.recentFrom = time;
    this.olderFrom = alignDown(end - this.historyReachMs, OLDER_STEP_MS);
    this.older = null;
    let previous = time - coarseStep;
    if (this.historyReachMs > this.historyMs) {
      // The recent history continues the simulation from its beginning: run the older steps unseen first.
      const lastOlder = await this.stepOlder(this.markets, this.olderFrom, time, () => {});
      if (lastOlder === null) return;
      previous = lastOlder;
    }
    let steps = 0;
    while (time <= end) {
      this.stepAll(time, previous);
      previous = time;
      time = time < fineFrom ? Math.min(time + coarseStep, fineFrom) : time + this.stepMs;
      if (++steps % STEPS_PER_YIELD === 0) {
        await yieldToEventLoop();
        if (this.stopped) return;
      }
    }
    this.lastStepAt = previous;
    this.logger?.info(
      { exchange: this.exchange, symbols: this.symbols, steps, historyMs: this.historyMs },
      'simulator backfill done',
    );
    this.tracker.set('live', null);
    this.scheduleNextStep();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    this.sink = null;
    this.tracker.set('stopped', 'stopped');
  }

  health(): SourceHealth {
    return this.tracker.snapshot();
  }

  private async simulateOlder(from: number, to: number): Promise<MarketEvent[]> {
    const events: MarketEvent[] = [];
    const end = Math.min(to, this.recentFrom);
    const first =
      this.olderFrom + Math.ceil((Math.max(from, this.olderFrom) - this.olderFrom) / OLDER_STEP_MS) * OLDER_STEP_MS;
    if (first >= end) return events;
    if (this.older?.next !== first) {
      const markets = this.symbols.map((symbol) => new SimulatedMarket(symbol, this.seed, this.exchange));
      if (first > this.olderFrom && (await this.stepOlder(markets, this.olderFrom, first, () => {})) === null)
        return [];
      this.older = { markets, next: first };
    }
    const { markets } = this.older;
    this.older = null;
    if ((await this.stepOlder(markets, first, end, (event) => events.push(event))) === null) return [];
    this.older = { markets, next: first + Math.ceil((end - first) / OLDER_STEP_MS) * OLDER_STEP_MS };
    return events;
  }

  /**
   * Steps `markets` over the older history's 1-minute grid from `from` (on it) up to before `to`, yielding
   * now and then. Returns the last step's time, or null when stopped meanwhile.
   */
  private async stepOlder(
    markets: SimulatedMarket[],
    from: number,
    to: number,
    sink: MarketEventSink,
  ): Promise<number | null> {
    let last = from - OLDER_STEP_MS;
    for (let time = from, steps = 1; time < to; time += OLDER_STEP_MS, steps++) {
      for (const market of markets) market.step(time, OLDER_STEP_MS / 1000, sink);
      last = time;
      if (steps % STEPS_PER_YIELD === 0) {
        await yieldToEventLoop();
        if (this.stopped) return null;
      }
    }
    return last;
  }

  private stepAll(time: number, previous: number): void {
    const sink = this.sink;
    if (!sink) return;
    const dtSeconds = (time - previous) / 1000;
    for (const market of this.markets) market.step(time, dtSeconds, sink);
    this.tracker.eventDelivered();
  }

  private scheduleNextStep(): void {
    const due = this.lastStepAt + this.stepMs;
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      // Catch up every step that is due (timers can fire late); times stay on the grid.
      while (this.lastStepAt + this.stepMs <= this.clock.now() && !this.stopped) {
        const time = this.lastStepAt + this.stepMs;
        this.stepAll(time, this.lastStepAt);
        this.lastStepAt = time;
      }
      if (!this.stopped) this.scheduleNextStep();
    }, due - this.clock.now());
  }
}

function alignDown(time: number, step: number): number {
  return Math.floor(time / step) * step;
}
