import type { SourceHealth } from '../market/source.js';
import type { HeatmapEngine } from '../heatmap/index.js';
import type { Heatmap, WindowName } from '../heatmap/types.js';
import type { HeatmapApi } from '../graphql/context.js';
import type { DeliveryTracker } from '../stream/delivery-tracker.js';
import type { FrameHub } from '../stream/frame-hub.js';
import { subscriberFrames } from '../stream/subscriber-frames.js';
import type { StreamStats } from '../stream/stream-stats.js';

/** The schema's view of the running service: engines for history, the hub for live frames. */
export function createHeatmapApi(deps: {
  engines: ReadonlyMap<string, HeatmapEngine>;
  hub: FrameHub;
  stats: StreamStats;
  tracker: DeliveryTracker;
  /** Builds (or, scaled out, fetches) a heatmap. Reused for `heatmapTtlMs`. */
  heatmapOf: (symbol: string, window: WindowName) => Heatmap | null | Promise<Heatmap | null>;
  sourceHealth: () => SourceHealth;
  maxSymbolsPerSubscription: number;
  queueSize: number;
  /** How long a built heatmap is reused: heatmaps are big and change at most once per publisher tick. */
  heatmapTtlMs: number;
}): HeatmapApi {
  const { engines, hub, stats, tracker } = deps;
  const cache = new Map<string, { builtAt: number; heatmap: Promise<Heatmap | null> }>();
  const engine = (symbol: string) => {
    const found = engines.get(symbol);
    if (!found) throw new Error(`no engine for ${symbol}`);
    return found;
  };
  return {
    symbols: [...engines.keys()],
    sourceHealth: deps.sourceHealth,
    stats,
    maxSymbolsPerSubscription: deps.maxSymbolsPerSubscription,
    lastUpdate: (symbol) => engine(symbol).lastEventTime(),
    snapshot: (symbol) => hub.latest(symbol),
    heatmap(symbol: string, window: WindowName) {
      const key = `${symbol}:${window}`;
      const cached = cache.get(key);
      if (cached && Date.now() - cached.builtAt < deps.heatmapTtlMs) return cached.heatmap;
      // The promise is cached: concurrent queries for the same window share one build or fetch.
      const heatmap = Promise.resolve(deps.heatmapOf(symbol, window));
      cache.set(key, { builtAt: Date.now(), heatmap });
      return heatmap;
    },
    frames: (symbols) => subscriberFrames(hub, symbols, { queueSize: deps.queueSize, stats, tracker }),
  };
}
