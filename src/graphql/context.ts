import type { Heatmap, Frame, WindowName } from '../heatmap/types.js';
import type { SourceHealth } from '../market/source.js';
import type { StreamStats } from '../stream/stream-stats.js';

/** What the schema needs from the running service; the server provides it (the schema never reaches further). */
export interface HeatmapApi {
  readonly symbols: readonly string[];
  /** The market source's own account of itself (the dashboard shows it when not live). */
  sourceHealth(): SourceHealth;
  /** Epoch ms of the last market event of a symbol, null before the first. */
  lastUpdate(symbol: string): number | null;
  /** The price increment the symbol is quoted in, null until the market source has said it. */
  tickSize(symbol: string): number | null;
  /** The symbol's latest frame (the `snapshot` query), undefined before the first. */
  latestFrame(symbol: string): Frame | undefined;
  heatmap(symbol: string, window: WindowName): Promise<Heatmap | null>;
  /** A subscriber's frames of the listed (valid) symbols: latest first, then changes. */
  frames(symbols: readonly string[]): AsyncIterable<Frame>;
  readonly stats: StreamStats;
  readonly maxSymbolsPerSubscription: number;
}

export interface GraphQLContext {
  api: HeatmapApi;
}
