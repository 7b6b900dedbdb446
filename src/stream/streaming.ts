import type { Logger } from 'pino';
import type { FrameContent, Heatmap, WindowName } from '../heatmap/types.js';
import { createFrameBus } from './frame-bus.js';
import { FrameHub } from './frame-hub.js';
import { PublisherLease } from './publisher-lease.js';
import { localOutlet, Publisher } from './publisher.js';
import { createSafeRedisEventTarget } from './redis-bus.js';
import { redisKeys } from './redis-keys.js';
import { RedisLink, type RedisState } from './redis-link.js';
import { RedisOutlet, type OutletMode } from './redis-outlet.js';
import { SharedHeatmaps } from './shared-heatmaps.js';
import type { StreamStats } from './stream-stats.js';

export interface StreamingOptions {
  symbols: readonly string[];
  /** Topic prefix in memory, channel and key prefix in Redis. */
  prefix: string;
  /** Empty: this process alone, in memory. */
  redisUrl: string;
  leaseTtlMs: number;
  intervalMs: number;
  frameOf: (symbol: string) => FrameContent | null;
  heatmapOf: (symbol: string, window: WindowName) => Heatmap | null;
  stats: StreamStats;
  logger: Logger;
}

/** What /health and /metrics show of the Redis side. */
export interface RedisStatus {
  state: RedisState;
  mode: OutletMode;
  /** Symbols this instance publishes (holds the lease of). */
  leases: string[];
  owner: string;
  errors: number;
  lastError: string | null;
}

/** The frame path of one process, from publisher to hub, and where heatmaps come from. */
export interface Streaming {
  readonly hub: FrameHub;
  /** A heatmap as this instance should answer it (the publishing instance's when scaled out). */
  heatmap(symbol: string, window: WindowName): Heatmap | null | Promise<Heatmap | null>;
  /** null when not scaled out. */
  redisStatus(): RedisStatus | null;
  /** Starts the publisher tick (once the engines have their history). */
  startPublishing(): void;
  /** Stops publishing; scaled out, gives the leases back at once. */
  stopPublishing(): Promise<void>;
  close(): Promise<void>;
}

/**
 * In memory: publisher → yoga pub/sub → hub, seq numbered here. With `redisUrl`: frames travel over
 * Redis pub/sub between instances, one instance per symbol publishes (the lease holder), the others
 * relay, and each falls back to its own frames while Redis is unusable (RedisOutlet).
 */
export function createStreaming(options: StreamingOptions): Streaming {
  const { symbols, stats } = options;
  if (!options.redisUrl) {
    const bus = createFrameBus({ prefix: options.prefix });
    const hub = new FrameHub(bus, symbols);
    const publisher = new Publisher({
      symbols,
      intervalMs: options.intervalMs,
      frameOf: options.frameOf,
      outlet: localOutlet((frame) => bus.publish(frame)),
      stats,
    });
    return {
      hub,
      heatmap: options.heatmapOf,
      redisStatus: () => null,
      startPublishing: () => publisher.start(),
      stopPublishing: async () => publisher.stop(),
      close: () => hub.close(),
    };
  }

  const log = options.logger.child({ component: 'redis' });
  const keys = redisKeys(options.prefix);
  const link = new RedisLink(options.redisUrl, log);
  const hub = new FrameHub(
    createFrameBus({ prefix: options.prefix, eventTarget: createSafeRedisEventTarget(link) }),
    symbols,
  );
  const lease = new PublisherLease(link.commands, keys, symbols, options.leaseTtlMs);
  const outlet = new RedisOutlet(link, keys, lease, hub, symbols, log);
  const publisher = new Publisher({ symbols, intervalMs: options.intervalMs, frameOf: options.frameOf, outlet, stats });
  const heatmaps = new SharedHeatmaps({
    link,
    keys,
    symbols,
    log,
    buildsLocally: (symbol) => outlet.mode !== 'coordinated' || lease.holds(symbol),
    shares: (symbol) => outlet.mode === 'coordinated' && lease.holds(symbol),
    build: options.heatmapOf,
    refreshAfterMs: options.intervalMs,
  });
  outlet.start();
  return {
    hub,
    heatmap: (symbol, window) => heatmaps.get(symbol, window),
    redisStatus: () => ({
      state: link.state,
      mode: outlet.mode,
      leases: lease.held(),
      owner: lease.owner,
      errors: link.errors,
      lastError: link.lastError,
    }),
    startPublishing() {
      publisher.start();
      heatmaps.start();
    },
    async stopPublishing() {
      publisher.stop();
      heatmaps.stop();
      await outlet.stop();
    },
    async close() {
      await hub.close();
      await link.close();
    },
  };
}
