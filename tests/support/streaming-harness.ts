import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EngineSet } from '../../src/heatmap/index.js';
import type { Frame } from '../../src/heatmap/types.js';
import { loadConfig } from '../../src/server/config.js';
import { createHeatmapApi } from '../../src/server/heatmap-api.js';
import { createLogger } from '../../src/server/logger.js';
import { apiLimits, fanOutOptions, webSocketOptions, yogaOptions } from '../../src/server/options.js';
import { createPersistedQueryStore } from '../../src/server/persisted-queries.js';
import { attachWebSocket } from '../../src/server/websocket.js';
import { createYogaServer } from '../../src/server/yoga.js';
import { DeliveryTracker } from '../../src/stream/delivery-tracker.js';
import { memoryBroker } from '../../src/stream/broker.js';
import { FanOut } from '../../src/stream/fanout.js';
import { FrameHub } from '../../src/stream/frame-hub.js';
import { StreamStats } from '../../src/stream/stream-stats.js';

/**
 * The real streaming modules (memory broker, hub, fan-out, yoga, graphql-ws adapter) with frames the
 * test publishes itself, served twice from one hub: once through the shared fan-out and once through
 * stock graphql-ws, so both paths can be compared on exactly the same frames.
 */
export async function startStreamingHarness(env: Record<string, string> = {}) {
  const symbols = ['BTCUSDT', 'ETHUSDT'];
  const config = loadConfig({ SYMBOLS: symbols.join(','), LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent', ...env });
  const logger = createLogger(config.LOG_LEVEL);
  const stats = new StreamStats(symbols);
  const tracker = new DeliveryTracker(stats);
  const hub = new FrameHub(symbols);
  const broker = memoryBroker((frame) => hub.handle(frame));
  const engines = new EngineSet({ symbols, exchanges: ['binance'], feedLive: () => true, engineOptions: () => ({}) });
  const health = {
    source: 'simulator',
    state: 'live',
    connected: true,
    lastEventAt: null,
    errors: 0,
    detail: null,
  } as const;
  const api = createHeatmapApi({
    engines,
    hub,
    stats,
    tracker,
    heatmapOf: async (stream, window) => engines.heatmap(stream, window),
    feeds: () => [{ exchange: 'binance', health }],
    sourceHealth: () => health,
    historyStatus: () => null,
    ...apiLimits(config),
  });
  const yoga = createYogaServer(
    api,
    yogaOptions(config),
    logger,
    createPersistedQueryStore(config.APQ_MAX_QUERIES, null),
    null,
  );
  const fanout = new FanOut(hub, symbols, stats, fanOutOptions(config), logger);
  const listen = async (withFanout: FanOut | null) => {
    // yoga answers its own errors: its handler's promise never rejects.
    const http: Server = createServer((req, res) => void yoga(req, res));
    const ws = attachWebSocket(http, yoga, webSocketOptions(config), stats, logger, withFanout, null);
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const port = (http.address() as AddressInfo).port;
    return { http, ws, wsUrl: `ws://127.0.0.1:${port}/graphql`, httpUrl: `http://127.0.0.1:${port}/graphql` };
  };
  const shared = await listen(fanout);
  const stock = await listen(null);
  const published = new Map<string, number>();
  return {
    stats,
    fanout,
    hub,
    shared,
    stock,
    /** Publishes a frame of `levels` levels through the broker, which gives it the next seq of `symbol`. */
    publish(symbol: string, levels = 50): Frame {
      const seq = (published.get(symbol) ?? 0) + 1;
      published.set(symbol, seq);
      const { seq: _seq, generatedAt, ...content } = makeFrame(symbol, seq, levels);
      return broker.publish(content, generatedAt);
    },
    async stop() {
      fanout.close();
      for (const side of [shared, stock]) {
        await side.ws.close();
        side.http.closeAllConnections();
        await new Promise<void>((resolve) => side.http.close(() => resolve()));
      }
    },
  };
}

export function makeFrame(symbol: string, seq: number, levels: number): Frame {
  const price = 100_000 + seq;
  return {
    stream: symbol,
    exchanges: ['binance'],
    symbol,
    seq,
    timestamp: 1_790_000_000_000 + Math.floor(seq / 60) * 60_000,
    generatedAt: Date.now(),
    currentPrice: price,
    priceStep: 100,
    levels: Array.from({ length: levels }, (_, i) => ({
      price: 80_000 + i * 100,
      long: i < levels / 2 ? 1000 + seq + i : 0,
      short: i >= levels / 2 ? 2000 + seq + i : 0,
    })),
    positionsCreated: seq % 7,
    positionsConsumed: seq % 3,
    candle: { time: 1_790_000_000_000, open: price - 10, high: price + 20, low: price - 30, close: price },
  };
}
