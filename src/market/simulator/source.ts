import type { Logger } from 'pino';
import type { MarketEventSink } from '../events.js';
import type { Exchange, MarketSource, SourceHealth } from '../source.js';
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

  constructor(options: SimulatorOptions) {
    if (options.symbols.length === 0) throw new Error('simulator: at least one symbol is required');
    this.symbols = [...options.symbols];
    this.exchange = options.exchange ?? 'binance';
    this.seed = options.seed ?? 1;
    this.historyMs = options.historyMs ?? DEFAULT_HISTORY_MS;
    this.stepMs = options.stepMs ?? 1000;
    if (!(this.stepMs > 0)) throw new Error(`simulator: stepMs must be positive, got ${this.stepMs}`);
    if (!(this.historyMs >= 0)) throw new Error(`simulator: historyMs must be ≥ 0, got ${this.historyMs}`);
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
    let previous = time - coarseStep;
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
