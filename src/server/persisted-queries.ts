import { createInMemoryAPQStore, useAPQ, type APQStore } from '@graphql-yoga/plugin-apq';
import type { Plugin } from 'graphql-yoga';
import type { RedisKeys } from '../stream/redis-keys.js';
import type { RedisLink } from '../stream/redis-link.js';

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

/**
 * At most `max` queries, least recently used dropped first. Scaled out (`redis`: the instances'
 * shared connection and names) the instances share them in Redis, bounded the same way, with this
 * instance's own LRU in front; while Redis is unusable each instance works from its own LRU (a miss
 * only costs the client its retry with the query) and the failures count as Redis errors.
 */
export function createPersistedQueryStore(max: number, redis: { link: RedisLink; keys: RedisKeys } | null): APQStore {
  // ttl 0: no expiry, the size bound alone decides what is dropped.
  const local = createInMemoryAPQStore({ max, ttl: 0 });
  if (!redis) return local;
  const shared = new RedisQueryStore(redis.link, [redis.keys.persistedQueries, redis.keys.persistedQueriesUsed], max);
  return {
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
  };
}

/**
 * An LRU in Redis: the queries in one hash, their last use (Redis server time) in a sorted set;
 * registering past `max` drops the least recently used. Each step is one Lua script, so concurrent
 * instances cannot leave the two out of step.
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
  constructor(
    private readonly link: RedisLink,
    private readonly keys: [string, string],
    private readonly max: number,
  ) {}

  async get(hash: string): Promise<string | null> {
    try {
      return (await this.link.commands.eval(GET_SCRIPT, 2, ...this.keys, hash)) as string | null;
    } catch (error) {
      this.link.failed(error);
      return null;
    }
  }

  async set(hash: string, query: string): Promise<void> {
    try {
      await this.link.commands.eval(SET_SCRIPT, 2, ...this.keys, hash, query, this.max);
    } catch (error) {
      this.link.failed(error);
    }
  }
}
