import type { CellPart, Heatmap, Frame, WindowName } from '../heatmap/types.js';
import type { Exchange, SourceHealth } from '../market/source.js';
import type { StreamStats } from '../stream/stream-stats.js';

/** How far the served history reaches, and how far it will once loaded (docs/architecture.md, "History"). */
export interface HistoryStatus {
  /** Epoch ms from which the windows have data; null until the source's start has delivered its history. */
  loadedFrom: number | null;
  /** Where the history will start once fully loaded; null until then too. */
  targetFrom: number | null;
  /** The whole history is loaded, from `targetFrom`. */
  done: boolean;
  /**
   * Why the backfill gave up before `targetFrom` (a chunk still not fetched after about 25 minutes of
   * retries), null while it loads or once done; the heatmaps keep what loaded, from `loadedFrom`.
   */
  failed: string | null;
}

/**
 * What the schema needs from the running service; the server provides it (the schema never reaches further).
 * Frames and heatmaps are per stream: a symbol's books of a set of exchanges, summed (`streamKey`).
 */
export interface HeatmapApi {
  readonly symbols: readonly string[];
  /** The configured exchanges, in their order (docs/architecture.md, "Exchanges"). */
  readonly exchanges: readonly Exchange[];
  /** The market feeds' own account of themselves as one (the dashboard shows it when not live). */
  sourceHealth(): SourceHealth;
  /** The history backfill's progress over every feed; null for a source that delivers all its history at start (replay). */
  historyStatus(): HistoryStatus | null;
  /** Each configured exchange's feed. */
  feeds(): Array<{ exchange: Exchange; health: SourceHealth }>;
  /** Epoch ms of the last market event of a symbol (on `exchange`, else on any), null before the first. */
  lastUpdate(symbol: string, exchange?: Exchange): number | null;
  /** The price increment the symbol is quoted in (on `exchange`, else the first), null until its source has said it. */
  tickSize(symbol: string, exchange?: Exchange): number | null;
  /** The stream of a symbol over configured `exchanges`, all of them when omitted. */
  streamKey(symbol: string, exchanges?: readonly Exchange[]): string;
  /** The stream's latest frame (the `snapshot` query), undefined before the first. */
  latestFrame(stream: string): Frame | undefined;
  heatmap(stream: string, window: WindowName): Promise<Heatmap | null>;
  /** One heatmap cell of a stream by exchange (and leverage tier for the open column): prices [low, high). */
  cell(stream: string, window: WindowName, time: number, low: number, high: number): CellPart[];
  /** A subscriber's frames of the listed (valid) streams: latest first, then changes. */
  frames(streams: readonly string[]): AsyncIterable<Frame>;
  readonly stats: StreamStats;
  readonly maxSymbolsPerSubscription: number;
}

export interface GraphQLContext {
  api: HeatmapApi;
}
