import type { Exchange, SourceHealth } from '../market/source.js';
import type { EngineSet } from '../heatmap/index.js';
import type { Heatmap, WindowName } from '../heatmap/types.js';
import type { HeatmapApi, HistoryStatus } from '../graphql/context.js';
import type { DeliveryTracker } from '../stream/delivery-tracker.js';
import type { FrameHub } from '../stream/frame-hub.js';
import { subscriberFrames } from '../stream/subscriber-frames.js';
import type { StreamStats } from '../stream/stream-stats.js';

/** The schema's view of the running service: engines for history, the hub for live frames. */
export function createHeatmapApi(deps: {
  engines: EngineSet;
  hub: FrameHub;
  stats: StreamStats;
  tracker: DeliveryTracker;
  /** A stream's heatmap as this instance answers it (FramePath.heatmap: built or, scaled out, fetched; cached there). */
  heatmapOf: (stream: string, window: WindowName) => Promise<Heatmap | null>;
  /** Each configured exchange's feed. */
  feeds: () => Array<{ exchange: Exchange; health: SourceHealth }>;
  sourceHealth: () => SourceHealth;
  historyStatus: () => HistoryStatus | null;
  maxSymbolsPerSubscription: number;
  queueSize: number;
}): HeatmapApi {
  const { engines, hub, stats, tracker } = deps;
  const lastTimes = (symbol: string) =>
    engines.exchanges.flatMap((exchange) => engines.engine(symbol, exchange).lastEventTime() ?? []);
  return {
    symbols: engines.symbols,
    exchanges: engines.exchanges,
    sourceHealth: deps.sourceHealth,
    feeds: deps.feeds,
    historyStatus: deps.historyStatus,
    stats,
    maxSymbolsPerSubscription: deps.maxSymbolsPerSubscription,
    lastUpdate: (symbol, exchange) => {
      if (exchange) return engines.engine(symbol, exchange).lastEventTime();
      const times = lastTimes(symbol);
      return times.length > 0 ? Math.max(...times) : null;
    },
    tickSize: (symbol, exchange) => engines.engine(symbol, exchange ?? engines.exchanges[0]!).tickSize(),
    streamKey: (symbol, exchanges) => engines.streamKey(symbol, exchanges),
    latestFrame: (stream) => hub.latest(stream),
    heatmap: deps.heatmapOf,
    cell: (stream, window, time, low, high) => engines.cell(stream, window, time, low, high),
    frames: (streams) => subscriberFrames(hub, streams, { queueSize: deps.queueSize, stats, tracker }),
  };
}
