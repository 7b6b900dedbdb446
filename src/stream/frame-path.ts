import type { Logger } from 'pino';
import type { FrameContent, Heatmap, Frame, WindowName } from '../heatmap/types.js';
import { memoryBroker } from './broker.js';
import { FrameHub } from './frame-hub.js';
import { PublisherLease } from './publisher-lease.js';
import { Publisher } from './publisher.js';
import { RedisBroker, type BrokerMode } from './redis-broker.js';
import { redisKeys, type RedisKeys } from './redis-keys.js';
import { RedisLink, type RedisState } from './redis-link.js';
import { SharedHeatmaps } from './shared-heatmaps.js';
import type { StreamStats } from './stream-stats.js';

export interface FramePathOptions {
  /**
   * The stream keys (src/heatmap/exchange-sets.ts): a symbol's books of one set of exchanges. Everything
   * on the frame path (seq, latest frame, lease, channel, shared heatmaps) is per stream; its modules
   * call a stream key their "symbol", which it is for the set of all configured exchanges.
   */
  streams: readonly string[];
  /** Redis channel and key prefix (scaled out). */
  prefix: string;
  /** Empty: this process alone, in memory. */
  redisUrl: string;
  leaseTtlMs: number;
  intervalMs: number;
  frameOf: (stream: string) => FrameContent | null;
  heatmapOf: (stream: string, window: WindowName) => Heatmap | null;
  stats: StreamStats;
  logger: Logger;
}

/** What /health and /metrics show of the Redis side. */
export interface RedisStatus {
  state: RedisState;
  mode: BrokerMode;
  /** Symbols this instance publishes (holds the lease of). */
  leases: string[];
  /** Symbols nobody publishes now: their lease holder stopped renewing (until another takes over). */
  unpublished: string[];
  owner: string;
  errors: number;
  lastError: string | null;
}

/** The frame path of one process, from publisher through broker to hub, and where heatmaps come from. */
export interface FramePath {
  readonly hub: FrameHub;
  /**
   * A heatmap as this instance should answer it (the publishing instance's when scaled out), reused
   * for one publisher interval: heatmaps are big and change at most once per tick.
   */
  heatmap(stream: string, window: WindowName): Promise<Heatmap | null>;
  /** null when not scaled out. */
  redisStatus(): RedisStatus | null;
  /** The Redis connection and names, for other state the instances share; null when not scaled out. */
  readonly redis: { link: RedisLink; keys: RedisKeys } | null;
  /** Starts the publisher tick (once the engines have their history). */
  startPublishing(): void;
  /** Stops publishing; scaled out, gives the leases back at once. */
  stopPublishing(): Promise<void>;
  close(): Promise<void>;
}

/**
 * In memory: publisher → memory broker → hub, seq numbered here. With `redisUrl`: frames travel over
 * Redis pub/sub between instances, one instance per symbol publishes (the lease holder), the others
 * relay, and each falls back to its own frames while Redis is unusable (RedisBroker).
 */
export function createFramePath(options: FramePathOptions): FramePath {
  const { streams: symbols, stats } = options;
  const hub = new FrameHub(symbols);
  const handler = (frame: Frame) => hub.handle(frame);
  if (!options.redisUrl) {
    const publisher = new Publisher({
      symbols,
      intervalMs: options.intervalMs,
      frameOf: options.frameOf,
      broker: memoryBroker(handler),
      stats,
    });
    return {
      hub,
      heatmap: reusedForOneTick(options.intervalMs, options.heatmapOf),
      redisStatus: () => null,
      redis: null,
      startPublishing: () => publisher.start(),
      stopPublishing: async () => publisher.stop(),
      close: async () => {},
    };
  }

  const log = options.logger.child({ component: 'redis' });
  const keys = redisKeys(options.prefix);
  // The publisher's tick never waits on Redis longer than its interval, and a Redis that answers
  // nothing for a lease's lifetime counts as down (docs/operations.md, "Redis failure"): by then no
  // lease it holds is certain anyway, and a busy machine's hiccups stay far below it.
  const link = new RedisLink(options.redisUrl, log, {
    commandTimeoutMs: Math.min(options.intervalMs, options.leaseTtlMs / 3),
    unresponsiveAfterMs: options.leaseTtlMs,
  });
  const lease = new PublisherLease(link.commands, keys, symbols, options.leaseTtlMs);
  const broker = new RedisBroker({
    link,
    keys,
    lease,
    symbols,
    handler,
    shownSeq: (symbol) => hub.latest(symbol)?.seq ?? 0,
    log,
  });
  const publisher = new Publisher({ symbols, intervalMs: options.intervalMs, frameOf: options.frameOf, broker, stats });
  const heatmaps = new SharedHeatmaps({
    link,
    keys,
    symbols,
    log,
    buildsLocally: (symbol) => broker.mode !== 'coordinated' || lease.holds(symbol),
    shares: (symbol) => broker.mode === 'coordinated' && lease.holds(symbol),
    build: options.heatmapOf,
    refreshAfterMs: options.intervalMs,
  });
  broker.start();
  return {
    hub,
    heatmap: reusedForOneTick(options.intervalMs, (symbol, window) => heatmaps.get(symbol, window)),
    redisStatus: () => ({
      state: link.state,
      mode: broker.mode,
      leases: lease.held(),
      unpublished: broker.mode === 'coordinated' ? lease.orphaned() : [],
      owner: lease.owner,
      errors: link.errors,
      lastError: link.lastError,
    }),
    redis: { link, keys },
    startPublishing() {
      publisher.start();
      heatmaps.start();
    },
    async stopPublishing() {
      publisher.stop();
      heatmaps.stop();
      await broker.stop();
    },
    async close() {
      broker.close();
      await link.close();
    },
  };
}

/** The process's one heatmap cache: concurrent and repeated queries within `ttlMs` share one build or fetch. */
function reusedForOneTick(
  ttlMs: number,
  build: (symbol: string, window: WindowName) => Heatmap | null | Promise<Heatmap | null>,
): (symbol: string, window: WindowName) => Promise<Heatmap | null> {
  const cache = new Map<string, { builtAt: number; heatmap: Promise<Heatmap | null> }>();
  return (symbol, window) => {
    const key = `${symbol}:${window}`;
    const cached = cache.get(key);
    if (cached && Date.now() - cached.builtAt < ttlMs) return cached.heatmap;
    const heatmap = Promise.resolve(build(symbol, window));
    cache.set(key, { builtAt: Date.now(), heatmap });
    return heatmap;
  };
}
