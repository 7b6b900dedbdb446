import { createInMemoryAPQStore, useAPQ, type APQStore } from '@graphql-yoga/plugin-apq';
import type { Plugin } from 'graphql-yoga';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { shouldLogError } from '../market/health.js';
import type { Config } from './config.js';

/**
 * Apollo's automatic persisted queries (docs/api.md, "Apollo Client"): a request may carry only
 * `extensions.persistedQuery.sha256Hash`; an unknown hash is answered `PersistedQueryNotFound`
 * (HTTP 404) and the client retries with the query, which registers it. GET works too, so a CDN
 * can cache `?extensions=…` URLs. Everything after the lookup (limits, rate, cost) is as for a
 * request that sent the query itself.
 */
export function persistedQueries(store: APQStore): Plugin {
  return useAPQ({ store });
}

export interface PersistedQueryStore {
  readonly store: APQStore;
  close(): Promise<void>;
}

/**
 * At most `APQ_MAX_QUERIES` queries, least recently used dropped first. With `REDIS_URL` the
 * instances share them in Redis (bounded the same way), with this instance's own LRU in front; while
 * Redis is unreachable each instance keeps working from its own LRU (a miss only costs the client
 * its retry with the query).
 */
export function createPersistedQueryStore(
  config: Pick<Config, 'APQ_MAX_QUERIES' | 'REDIS_URL' | 'REDIS_CHANNEL_PREFIX'>,
  logger: Logger,
): PersistedQueryStore {
  // ttl 0: no expiry, the size bound alone decides what is dropped.
  const local = createInMemoryAPQStore({ max: config.APQ_MAX_QUERIES, ttl: 0 });
  if (!config.REDIS_URL) return { store: local, close: async () => {} };
  const shared = new RedisQueryStore(config.REDIS_URL, config.REDIS_CHANNEL_PREFIX, config.APQ_MAX_QUERIES, logger);
  return {
    store: {
      async get(hash) {
        const hit = await local.get(hash);
        if (hit) return hit;
        const query = await shared.get(hash);
        if (query) await local.set(hash, query);
        return query;
      },
      async set(hash, query) {
        await local.set(hash, query);
        await shared.set(hash, query);
      },
    },
    close: () => shared.close(),
  };
}

/**
 * An LRU in Redis: the queries in one hash, their last use (Redis server time) in a sorted set;
 * registering past `max` drops the least recently used. Each step is one Lua script, so concurrent
 * instances cannot leave the two out of step. Failures are logged and answered as a miss.
 */
const SET_SCRIPT = `
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
local now = redis.call('TIME')
redis.call('ZADD', KEYS[2], now[1] * 1000000 + now[2], ARGV[1])
local excess = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[3])
if excess > 0 then
  local dropped = redis.call('ZRANGE', KEYS[2], 0, excess - 1)
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, excess - 1)
  redis.call('HDEL', KEYS[1], unpack(dropped))
end`;
const GET_SCRIPT = `
local query = redis.call('HGET', KEYS[1], ARGV[1])
if query then
  local now = redis.call('TIME')
  redis.call('ZADD', KEYS[2], 'XX', now[1] * 1000000 + now[2], ARGV[1])
end
return query`;

class RedisQueryStore {
  private readonly redis: Redis;
  private readonly keys: [string, string];
  private errors = 0;

  constructor(
    url: string,
    prefix: string,
    private readonly max: number,
    private readonly log: Logger,
  ) {
    this.keys = [`${prefix}:apq:queries`, `${prefix}:apq:used`];
    this.redis = new Redis(url, {
      connectionName: 'heatmap-persisted-queries',
      // A lookup must not wait for a reconnect: the client's retry with the query is cheaper.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: (attempt) => Math.min(100 * attempt, 1000),
      connectTimeout: 2000,
    });
    this.redis.on('error', (error: Error) => this.failed(error));
  }

  async get(hash: string): Promise<string | null> {
    try {
      return (await this.redis.eval(GET_SCRIPT, 2, ...this.keys, hash)) as string | null;
    } catch (error) {
      this.failed(error);
      return null;
    }
  }

  async set(hash: string, query: string): Promise<void> {
    try {
      await this.redis.eval(SET_SCRIPT, 2, ...this.keys, hash, query, this.max);
    } catch (error) {
      this.failed(error);
    }
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  private failed(error: unknown): void {
    const count = ++this.errors;
    if (shouldLogError(count))
      this.log.warn({ event: 'redis_error', component: 'persisted-queries', count, err: String(error) });
  }
}
