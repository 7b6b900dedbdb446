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
  /** A heatmap as this instance answers it (FramePath.heatmap: built or, scaled out, fetched; cached there). */
  heatmapOf: (symbol: string, window: WindowName) => Promise<Heatmap | null>;
  sourceHealth: () => SourceHealth;
  maxSymbolsPerSubscription: number;
  queueSize: number;
}): HeatmapApi {
  const { engines, hub, stats, tracker } = deps;
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
    tickSize: (symbol) => engine(symbol).tickSize(),
    latestFrame: (symbol) => hub.latest(symbol),
    heatmap: deps.heatmapOf,
    frames: (symbols) => subscriberFrames(hub, symbols, { queueSize: deps.queueSize, stats, tracker }),
  };
}
