import type { Logger } from 'pino';
import type { MarketEvent, MarketEventSink } from './events.js';
import type { MarketSource, SourceHealth } from './source.js';
import { AbortedError, sleep, systemClock, yieldToEventLoop, type Clock } from './clock.js';
import { HealthTracker } from './source-health.js';
import { BINANCE_TICK_SIZES } from './price-tick.js';
import { describeRange, planArchive, type ArchiveFile, type TimeRange } from './binance/archive.js';
import { readArchiveFile } from './binance/archive-file.js';

export interface ReplayOptions {
  /** Symbols to replay; every one needs at least one price file (aggTrades, klines or markPriceKlines). */
  symbols: readonly string[];
  /** Binance public-data folder: the archive's own tree or a flat folder, zipped or not (binance/archive.ts). */
  dir: string;
  /**
   * Pace: a factor of real time (1 = real time, 60 = one market minute per second), or 'max' to replay as
   * fast as possible (yielding to the event loop every few thousand events).
   */
  speed: number | 'max';
  /** Only events in this range are replayed. Default: everything. */
  range?: TimeRange;
  /** Time source and timers; tests inject a manual clock. Default: the system clock. */
  clock?: Clock;
  logger?: Logger;
}

/** Events between yields to the event loop at speed 'max'. */
const EVENTS_PER_YIELD = 2000;

/** One chain's reading position: its current batch (never empty) and the batches still to come. */
interface Cursor {
  batch: MarketEvent[];
  index: number;
  rest: AsyncGenerator<MarketEvent[]>;
}

const head = (cursor: Cursor) => cursor.batch[cursor.index]!;

/** What a replay read, for its closing summary. */
interface ReadCounts {
  events: Record<MarketEvent['kind'], number>;
  filesRead: number;
  filesFailed: number;
  badRows: number;
}

/**
 * Replays Binance's public-data archive as downloaded: each (symbol, file type) is read file after file,
 * and all of them are merged by time. Event times are kept as recorded; pacing maps market time onto
 * the clock from the first event on (no drift, since every delay is computed from that origin). Bad
 * input never stops the replay: a malformed row is skipped, a file that cannot be used (checksum, zip,
 * header) is skipped, each logged with its file and row and counted in health().errors.
 */
export class ReplaySource implements MarketSource {
  readonly name = 'replay' as const;
  /** Binance's public-data archive. */
  readonly exchange = 'binance' as const;
  readonly symbols: readonly string[];
  private readonly clock: Clock;
  private readonly range: TimeRange;
  private readonly tracker: HealthTracker;
  private readonly abort = new AbortController();
  private running: Promise<void> | null = null;
  private readonly counts: ReadCounts = {
    // Instrument events (the ticks) are sent at start, not read from the files, and the archive has
    // no margin tiers (Binance's ship with the model): both stay 0.
    events: {
      trade: 0,
      markPrice: 0,
      markPriceKline: 0,
      openInterest: 0,
      liquidation: 0,
      kline: 0,
      instrument: 0,
      marginTiers: 0,
    },
    filesRead: 0,
    filesFailed: 0,
    badRows: 0,
  };

  constructor(private readonly options: ReplayOptions) {
    if (options.symbols.length === 0) throw new Error('replay: at least one symbol is required');
    if (options.speed !== 'max' && !(options.speed > 0)) {
      throw new Error(`replay: speed must be a positive factor or 'max', got ${String(options.speed)}`);
    }
    this.symbols = [...options.symbols];
    this.clock = options.clock ?? systemClock;
    this.range = options.range ?? { from: null, to: null };
    this.tracker = new HealthTracker('replay', this.clock);
  }

  /** Plans the files (a settings problem rejects), reads the first event of each, then replays in the background. */
  async start(sink: MarketEventSink): Promise<void> {
    if (this.running) throw new Error('replay: already started');
    const { logger } = this.options;
    const plan = planArchive(this.options.dir, this.symbols, this.range);
    for (const reason of plan.skipped) logger?.warn(`replay: ${reason}`);
    const files = Object.entries(plan.counts).map(([type, count]) => `${count} ${type}`);
    logger?.info(
      `replay: reading ${files.join(', ')} file(s) for ${this.symbols.join(', ')}${describeRange(this.range)}`,
    );
    const cursors: Cursor[] = [];
    for (const chain of plan.chains) {
      const rest = this.readChain(chain);
      const first = await rest.next();
      if (!first.done) cursors.push({ batch: first.value, index: 0, rest });
    }
    this.tracker.set('live', null);
    // The archive has no instrument info; its prices are on Binance's tick, known for the default symbols.
    const firstTime = Math.min(...cursors.map((cursor) => head(cursor).time));
    for (const symbol of cursors.length > 0 ? this.symbols : []) {
      const tickSize = BINANCE_TICK_SIZES[symbol];
      if (tickSize) sink({ kind: 'instrument', symbol, time: firstTime, tickSize });
    }
    this.running = this.replay(cursors, sink).catch((error: unknown) => {
      if (error instanceof AbortedError) return;
      // Only the sink can throw here (file errors are handled per file): report it, never crash the process.
      this.tracker.countError();
      this.tracker.set('stopped', `replay failed: ${error instanceof Error ? error.message : String(error)}`);
      logger?.error({ err: error }, 'replay failed');
    });
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
    this.tracker.set('stopped', 'stopped');
  }

  health(): SourceHealth {
    return this.tracker.snapshot();
  }

  private async replay(cursors: Cursor[], sink: MarketEventSink): Promise<void> {
    const { speed } = this.options;
    const signal = this.abort.signal;
    const firstTime = Math.min(...cursors.map((cursor) => head(cursor).time));
    const startedAt = this.clock.now();
    let delivered = 0;
    try {
      while (cursors.length > 0) {
        let earliest = 0;
        for (let i = 1; i < cursors.length; i++) {
          if (head(cursors[i]!).time < head(cursors[earliest]!).time) earliest = i;
        }
        const cursor = cursors[earliest]!;
        const event = head(cursor);
        delivered++;
        if (speed === 'max') {
          if (delivered % EVENTS_PER_YIELD === 0) await yieldToEventLoop();
        } else {
          const due = startedAt + (event.time - firstTime) / speed;
          if (due > this.clock.now()) await sleep(this.clock, due - this.clock.now(), signal);
        }
        if (signal.aborted) return;
        sink(event);
        this.counts.events[event.kind]++;
        this.tracker.eventDelivered();
        if (++cursor.index < cursor.batch.length) continue;
        const following = await cursor.rest.next();
        if (following.done) cursors.splice(earliest, 1);
        else [cursor.batch, cursor.index] = [following.value, 0];
      }
      const summary = this.summary();
      this.tracker.set('stopped', summary);
      this.options.logger?.info(summary);
    } finally {
      await Promise.all(cursors.map((cursor) => cursor.rest.return(undefined)));
    }
  }

  /** The events of one chain's files in the range, file after file, in non-empty batches; a failed file is reported and skipped. */
  private async *readChain(files: readonly ArchiveFile[]): AsyncGenerator<MarketEvent[]> {
    const { from, to } = this.range;
    const { logger } = this.options;
    // Consecutive metrics day files can both hold the row at midnight (the archive moved from end- to
    // start-of-period labels in 2026): each open-interest time is replayed once, the first copy.
    let lastOpenInterest = -Infinity;
    const keep = (e: MarketEvent) => {
      if ((from !== null && e.time < from) || (to !== null && e.time >= to)) return false;
      if (e.kind !== 'openInterest') return true;
      if (e.time <= lastOpenInterest) return false;
      lastOpenInterest = e.time;
      return true;
    };
    for (const file of files) {
      let badRows = 0;
      let firstBad = '';
      const onBadRow = (row: number, line: string) => {
        this.tracker.countError();
        this.counts.badRows++;
        if (badRows++ === 0) firstBad = `row ${row}: ${line.slice(0, 200)}`;
      };
      try {
        for await (const batch of readArchiveFile(file, onBadRow)) {
          const kept = batch.filter(keep);
          if (kept.length > 0) yield kept;
        }
        this.counts.filesRead++;
      } catch (error) {
        this.tracker.countError();
        this.counts.filesFailed++;
        logger?.error(`replay: ${(error as Error).message}; file skipped, the rest of the archive is replayed`);
      } finally {
        if (badRows > 0)
          logger?.warn(`replay: ${file.path}: ${badRows} malformed row(s) skipped, first at ${firstBad}`);
      }
    }
  }

  /** One line: what was read. */
  private summary(): string {
    const { events, filesRead, filesFailed, badRows } = this.counts;
    const total = Object.values(events).reduce((sum, n) => sum + n, 0);
    return (
      `replay finished: ${total} events (${events.trade} trades, ${events.kline} klines, ` +
      `${events.markPriceKline} mark-price klines, ${events.openInterest} open-interest points) ` +
      `from ${filesRead} file(s); ${filesFailed} file(s) failed, ${badRows} malformed row(s) skipped`
    );
  }
}
