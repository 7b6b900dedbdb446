import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Logger } from 'pino';
import type { MarketEvent, MarketEventSink } from './events.js';
import type { MarketSource, SourceHealth } from './source.js';
import { AbortedError, sleep, systemClock, yieldToEventLoop, type Clock } from './clock.js';
import { HealthTracker } from './source-health.js';
import { BINANCE_TICK_SIZES } from './price-tick.js';
import { detectCsvKind, parseCsvRow, splitCsvLine } from './binance-csv.js';

export type ReplayOptions = {
  /** Symbols to replay; every one needs at least one file. */
  symbols: readonly string[];
  /**
   * Pace: a factor of real time (1 = real time, 60 = one market minute per second), or 'max' to replay as
   * fast as possible (yielding to the event loop every few thousand events).
   */
  speed: number | 'max';
  /** Time source and timers; tests inject a manual clock. Default: the system clock. */
  clock?: Clock;
  logger?: Logger;
} & (
  | {
      /** CSV files per symbol, any mix of aggTrades, klines and metrics (the kind is detected from the content). */
      files: Readonly<Record<string, readonly string[]>>;
      dir?: never;
    }
  | {
      /** A directory of Binance public-data CSVs named `<SYMBOL>-…csv`, e.g. `BTCUSDT-aggTrades-2024-01-01.csv`. */
      dir: string;
      files?: never;
    }
);

/** Events between yields to the event loop at speed 'max'. */
const EVENTS_PER_YIELD = 2000;

interface Cursor {
  next: MarketEvent;
  rest: AsyncGenerator<MarketEvent>;
  path: string;
}

/**
 * Replays Binance public-data CSV files, merged by time across files and symbols. Event times are kept
 * as recorded; pacing maps market time onto the clock from the first event on (no drift, since every
 * delay is computed from that origin). Malformed rows are counted in health().errors and skipped.
 */
export class ReplaySource implements MarketSource {
  readonly name = 'replay' as const;
  readonly symbols: readonly string[];
  private readonly clock: Clock;
  private readonly tracker: HealthTracker;
  private readonly abort = new AbortController();
  private running: Promise<void> | null = null;

  constructor(private readonly options: ReplayOptions) {
    if (options.symbols.length === 0) throw new Error('replay: at least one symbol is required');
    if (options.speed !== 'max' && !(options.speed > 0)) {
      throw new Error(`replay: speed must be a positive factor or 'max', got ${String(options.speed)}`);
    }
    this.symbols = [...options.symbols];
    this.clock = options.clock ?? systemClock;
    this.tracker = new HealthTracker('replay', this.clock);
  }

  /** Opens every file and reads its first row (a missing or unrecognizable file rejects), then replays in the background. */
  async start(sink: MarketEventSink): Promise<void> {
    if (this.running) throw new Error('replay: already started');
    const cursors: Cursor[] = [];
    try {
      for (const { symbol, path } of await this.resolveFiles()) {
        const rest = this.readFile(path, symbol);
        const first = await rest.next();
        if (!first.done) cursors.push({ next: first.value, rest, path });
      }
    } catch (error) {
      await Promise.all(cursors.map((cursor) => cursor.rest.return(undefined)));
      throw error;
    }
    this.tracker.set('live', null);
    // The archive has no instrument info; its prices are on Binance's tick, known for the default symbols.
    const firstTime = Math.min(...cursors.map((cursor) => cursor.next.time));
    for (const symbol of this.symbols) {
      const tickSize = BINANCE_TICK_SIZES[symbol];
      if (tickSize) sink({ kind: 'instrument', symbol, time: firstTime, tickSize });
    }
    this.running = this.replay(cursors, sink).catch((error: unknown) => {
      if (error instanceof AbortedError) return;
      // Only the sink can throw here (file errors are handled per file): report it, never crash the process.
      this.tracker.countError();
      this.tracker.set('stopped', `replay failed: ${error instanceof Error ? error.message : String(error)}`);
      this.options.logger?.error({ err: error }, 'replay failed');
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
    const firstTime = Math.min(...cursors.map((cursor) => cursor.next.time));
    const startedAt = this.clock.now();
    let delivered = 0;
    try {
      while (cursors.length > 0) {
        let earliest = 0;
        for (let i = 1; i < cursors.length; i++) {
          if (cursors[i]!.next.time < cursors[earliest]!.next.time) earliest = i;
        }
        const cursor = cursors[earliest]!;
        delivered++;
        if (speed === 'max') {
          if (delivered % EVENTS_PER_YIELD === 0) await yieldToEventLoop();
        } else {
          const due = startedAt + (cursor.next.time - firstTime) / speed;
          if (due > this.clock.now()) await sleep(this.clock, due - this.clock.now(), signal);
        }
        if (signal.aborted) return;
        sink(cursor.next);
        this.tracker.eventDelivered();
        const following = await this.advance(cursor);
        if (following) cursor.next = following;
        else cursors.splice(earliest, 1);
      }
      this.tracker.set('stopped', `replay finished: ${delivered} events`);
      this.options.logger?.info({ events: delivered, errors: this.tracker.snapshot().errors }, 'replay finished');
    } finally {
      await Promise.all(cursors.map((cursor) => cursor.rest.return(undefined)));
    }
  }

  /** Next event of a file; an I/O error mid-file ends that file (counted), the others go on. */
  private async advance(cursor: Cursor): Promise<MarketEvent | null> {
    try {
      const result = await cursor.rest.next();
      return result.done ? null : result.value;
    } catch (error) {
      this.tracker.countError();
      this.options.logger?.error({ err: error, path: cursor.path }, 'replay file failed; skipping the rest of it');
      return null;
    }
  }

  private async *readFile(path: string, symbol: string): AsyncGenerator<MarketEvent> {
    const input = createReadStream(path, { encoding: 'utf8' });
    const lines = createInterface({ input, crlfDelay: Infinity });
    let kind: ReturnType<typeof detectCsvKind> = null;
    let lineNumber = 0;
    let loggedMalformed = false;
    try {
      for await (const line of lines) {
        lineNumber++;
        if (line.trim() === '') continue;
        if (!kind) {
          kind = detectCsvKind(line);
          if (!kind)
            throw new Error(
              `replay: ${path} is not a Binance aggTrades, klines or metrics CSV (line 1: ${line.slice(0, 120)})`,
            );
          if (kind.hasHeader) continue;
        }
        const event = parseCsvRow(kind.kind, splitCsvLine(line), symbol);
        if (event) {
          yield event;
          continue;
        }
        this.tracker.countError();
        // Once per file: a bad file usually has many bad rows of the same kind.
        if (!loggedMalformed) {
          loggedMalformed = true;
          this.options.logger?.warn(
            { path, line: lineNumber, sample: line.slice(0, 200) },
            'replay: malformed row skipped',
          );
        }
      }
    } finally {
      lines.close();
      input.destroy();
    }
  }

  private async resolveFiles(): Promise<Array<{ symbol: string; path: string }>> {
    const { files, dir } = this.options;
    if (files) {
      return this.symbols.flatMap((symbol) => {
        const paths = files[symbol];
        if (!paths || paths.length === 0) throw new Error(`replay: no files given for ${symbol}`);
        return paths.map((path) => ({ symbol, path }));
      });
    }
    const names = (await readdir(dir)).filter((name) => name.endsWith('.csv')).sort();
    return this.symbols.flatMap((symbol) => {
      const own = names.filter((name) => name.startsWith(`${symbol}-`));
      if (own.length === 0) {
        throw new Error(
          `replay: no CSV files for ${symbol} in ${dir} (expected names like ${symbol}-aggTrades-2024-01-01.csv)`,
        );
      }
      return own.map((name) => ({ symbol, path: join(dir, name) }));
    });
  }
}
