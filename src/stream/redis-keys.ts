import type { WindowName } from '../heatmap/types.js';

/**
 * Every Redis name the instances share, under one prefix. The per-"symbol" names are per stream
 * (`BTCUSDT`, `BTCUSDT@BINANCE+OKX`: docs/architecture.md, "Exchanges"). Channels are `<prefix>:<STREAM>`
 * (stream keys are upper-case); keys use lower-case kinds, so no key can look like a channel's name.
 */
export function redisKeys(prefix: string) {
  return {
    /** Pub/sub channel of a symbol's frames (the Redis broker publishes and listens there). */
    channel: (symbol: string) => `${prefix}:${symbol}`,
    /** Which instance publishes the symbol: its owner id, with an expiry the holder keeps renewing. */
    lease: (symbol: string) => `${prefix}:lease:${symbol}`,
    /** The last seq allocated for the symbol. */
    seq: (symbol: string) => `${prefix}:seq:${symbol}`,
    /** The last published frame (JSON), what a new subscriber or a `snapshot` query gets. */
    latest: (symbol: string) => `${prefix}:latest:${symbol}`,
    /** A heatmap the publishing instance built (JSON), read by the others. */
    heatmap: (symbol: string, window: WindowName) => `${prefix}:heatmap:${symbol}:${window}`,
    /** Present while some instance has recently been asked for this heatmap. */
    heatmapWanted: (symbol: string, window: WindowName) => `${prefix}:heatmap-wanted:${symbol}:${window}`,
    /** Automatic persisted queries by hash (a hash), an LRU the instances share ... */
    persistedQueries: `${prefix}:persisted-queries`,
    /** ... with each hash's last use (a sorted set). */
    persistedQueriesUsed: `${prefix}:persisted-queries-used`,
  };
}

export type RedisKeys = ReturnType<typeof redisKeys>;
