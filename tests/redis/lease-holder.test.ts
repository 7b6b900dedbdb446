/**
 * While a dead lease holder's lease runs out, nobody publishes its symbols: the surviving instance
 * says so in /health (degraded, "no publisher for …") and in its log, until it takes the lease over.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { RedisProcess, ServerProcess, waitFor } from '../support/cluster.js';

// A lease long enough that the gap between the holder's death and the takeover lasts seconds.
// One exchange: the symbol's one stream, and so its one lease.
const ENV = {
  SYMBOLS: 'BTCUSDT',
  EXCHANGES: 'binance',
  HISTORY_HOURS: '1',
  WS_UPDATE_INTERVAL: '0.25',
  REDIS_LEASE_TTL: '6',
};

let redis: RedisProcess | undefined;
const instances: ServerProcess[] = [];
afterAll(async () => {
  await Promise.all(instances.map((instance) => instance.kill()));
  await redis?.stop();
});

describe('a lease holder that dies', () => {
  it('leaves its symbol reported as without publisher until another instance takes it over', async () => {
    redis = await RedisProcess.start();
    const holder = await ServerProcess.start({ ...ENV, REDIS_URL: redis.url });
    instances.push(holder);
    await waitFor('the first instance to hold the lease', async () =>
      (await holder.health()).redis?.leases.includes('BTCUSDT'),
    );
    const survivor = await ServerProcess.start({ ...ENV, REDIS_URL: redis.url });
    instances.push(survivor);
    await waitFor('the survivor coordinated, healthy', async () => (await survivor.health()).status === 'ok');

    await holder.kill('SIGKILL');
    const orphaned = await waitFor('the survivor to report the symbol without publisher', async () => {
      const health = await survivor.health();
      return health.redis?.leases.length === 0 && health.status === 'degraded' ? health : null;
    });
    expect(orphaned.reasons).toEqual([
      expect.stringMatching(/^no publisher for BTCUSDT: its lease holder stopped renewing/),
    ]);
    await waitFor('the publisher_missing log line', () => survivor.events('publisher_missing').length > 0);
    expect(survivor.events('publisher_missing')).toEqual([expect.objectContaining({ symbol: 'BTCUSDT' })]);

    const taken = await waitFor('the takeover', async () => {
      const health = await survivor.health();
      return health.redis?.leases.includes('BTCUSDT') ? health : null;
    });
    expect(taken.status).toBe('ok');
    expect(taken.reasons).toEqual([]);
  }, 90_000);
});
