import type { MarketEvent } from '../market/events.js';
import type { Exchange } from '../market/source.js';
import { sumFrames, sumHeatmapInputs, type Member } from './aggregate.js';
import { HeatmapEngine, type HeatmapEngineOptions } from './engine.js';
import { buildHeatmap } from './heatmap-grid.js';
import { inExchangeOrder, streamKey, streamsOf, type StreamSpec } from './exchange-sets.js';
import { BucketGrid } from './price-buckets.js';
import type { BookFrame, CellPart, FrameContent, Heatmap, WindowName } from './types.js';

export interface EngineSetOptions {
  symbols: readonly string[];
  /** The configured exchanges. */
  exchanges: readonly Exchange[];
  /** Whether an exchange's feed is live now: a book whose feed is not drops out of every sum, visibly. */
  feedLive: (exchange: Exchange) => boolean;
  /** Each engine's options besides its symbol, exchange and grid. */
  engineOptions: (symbol: string, exchange: Exchange) => Omit<HeatmapEngineOptions, 'symbol' | 'exchange' | 'grid'>;
}

/**
 * The engines of every (exchange, symbol), one bucket grid per symbol shared by its exchanges, and the
 * sums over sets of exchanges that the API serves (docs/architecture.md, "Exchanges").
 */
export class EngineSet {
  readonly symbols: readonly string[];
  readonly exchanges: readonly Exchange[];
  /** Every stream, by key. */
  readonly streams: ReadonlyMap<string, StreamSpec>;
  private readonly engines = new Map<string, Map<Exchange, HeatmapEngine>>();
  private readonly grids = new Map<string, BucketGrid>();
  private readonly feedLive: (exchange: Exchange) => boolean;
  private readonly engineOptions: EngineSetOptions['engineOptions'];

  constructor(options: EngineSetOptions) {
    this.symbols = options.symbols;
    this.exchanges = inExchangeOrder(options.exchanges);
    this.feedLive = options.feedLive;
    this.engineOptions = options.engineOptions;
    this.streams = new Map(streamsOf(this.symbols, this.exchanges).map((stream) => [stream.key, stream]));
    for (const symbol of this.symbols) {
      this.grids.set(symbol, new BucketGrid());
      this.engines.set(symbol, new Map(this.exchanges.map((exchange) => [exchange, this.create(symbol, exchange)])));
    }
  }

  /** A fresh engine of (symbol, exchange) on the symbol's grid, as the set's own are made. */
  create(symbol: string, exchange: Exchange): HeatmapEngine {
    const grid = this.grids.get(symbol);
    if (!grid) throw new Error(`no grid for ${symbol}`);
    return new HeatmapEngine({ ...this.engineOptions(symbol, exchange), symbol, exchange, grid });
  }

  /**
   * Serves `engine` for (symbol, exchange) from now on: the history backfill's engine, once it has caught up
   * with the live events (docs/architecture.md, "History").
   */
  replace(symbol: string, exchange: Exchange, engine: HeatmapEngine): void {
    this.engine(symbol, exchange);
    this.engines.get(symbol)!.set(exchange, engine);
  }

  engine(symbol: string, exchange: Exchange): HeatmapEngine {
    const engine = this.engines.get(symbol)?.get(exchange);
    if (!engine) throw new Error(`no engine for ${exchange} ${symbol}`);
    return engine;
  }

  /** An event of one exchange's source. */
  ingest(exchange: Exchange, event: MarketEvent): void {
    this.engines.get(event.symbol)?.get(exchange)?.ingest(event);
  }

  /** The key of `symbol`'s stream over `exchanges` (all configured when omitted); they must be configured. */
  streamKey(symbol: string, exchanges?: readonly Exchange[]): string {
    return streamKey(symbol, exchanges ? inExchangeOrder(exchanges) : this.exchanges, this.exchanges);
  }

  /** A stream's frame now: its live members' books summed (see liveMembers). Null while none of them has a price. */
  frame(key: string): FrameContent | null {
    const stream = this.spec(key);
    const members: Array<Member<BookFrame>> = [];
    for (const exchange of this.liveMembers(stream)) {
      const part = this.engine(stream.symbol, exchange).frame();
      if (part) members.push({ exchange, part });
    }
    return sumFrames(key, members);
  }

  /** The window's heatmap of a stream's live members, summed. Null while none of them has a price. */
  heatmap(key: string, window: WindowName): Heatmap | null {
    const stream = this.spec(key);
    const inputs = this.liveMembers(stream).flatMap((exchange) => {
      const input = this.engine(stream.symbol, exchange).heatmapInput(window);
      return input ? [input] : [];
    });
    return inputs.length > 0 ? buildHeatmap(sumHeatmapInputs(inputs)) : null;
  }

  /** A heatmap cell of a stream, per live member: see HeatmapEngine.cell. */
  cell(key: string, window: WindowName, time: number, low: number, high: number): CellPart[] {
    const stream = this.spec(key);
    return this.liveMembers(stream).flatMap((exchange) => {
      const part = this.engine(stream.symbol, exchange).cell(window, time, low, high);
      return part ? [part] : [];
    });
  }

  private spec(key: string): StreamSpec {
    const stream = this.streams.get(key);
    if (!stream) throw new Error(`unknown stream ${key}`);
    return stream;
  }

  /**
   * The stream's exchanges whose feed is live: one that is not drops out of the sums until it is again.
   * When none is, all of them, as they were last: a stream of one exchange keeps showing its book through
   * a reconnect rather than going blank (the feed's state says it is not live).
   */
  private liveMembers(stream: StreamSpec): readonly Exchange[] {
    const live = stream.exchanges.filter(this.feedLive);
    return live.length > 0 ? live : stream.exchanges;
  }
}
