/**
 * An instance started while its Redis is not there yet: it starts anyway, serves its clients from
 * its own engine and says why, then joins Redis when it appears, without a client reconnecting.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, RedisProcess, ServerProcess, waitFor } from '../support/cluster.js';
import { HEATMAP_SUBSCRIPTION, httpQuery, record, wsClient } from '../support/graphql-clients.js';
import { irregularSteps, seqsOf, strictlyIncreasing } from './frames.js';

let redis: RedisProcess | undefined;
let instance: ServerProcess | undefined;
const clients: Array<{ dispose(): unknown }> = [];

afterAll(async () => {
  await Promise.all(clients.map((client) => client.dispose()));
  await instance?.kill();
  await redis?.stop();
});

describe('Redis down at startup', () => {
  it('starts in fallback (degraded, with the reason), streams from its own engine, and coordinates once Redis is up', async () => {
    const port = await freePort();
    instance = await ServerProcess.start({
      SYMBOLS: 'BTCUSDT',
      HISTORY_HOURS: '1',
      WS_UPDATE_INTERVAL: '0.25',
      REDIS_LEASE_TTL: '1.5',
      REDIS_URL: `redis://127.0.0.1:${port}`,
    });
    const fallback = await waitFor('fallback', async () => {
      const health = await instance!.health();
      return health.redis?.mode === 'fallback' ? health : null;
    });
    expect(fallback.status).toBe('degraded');
    expect(fallback.reasons).toEqual(expect.arrayContaining([expect.stringMatching(/^redis down/)]));
    expect(await instance.metric('redis_up')).toBe(0);
    expect(instance.events('redis_fallback')).toEqual([
      expect.objectContaining({ lastError: expect.stringMatching(/ECONNREFUSED/) }),
    ]);

    const client = wsClient(instance.wsUrl);
    clients.push(client);
    const sub = record(client, HEATMAP_SUBSCRIPTION, { symbols: ['BTCUSDT'] });
    await sub.until(() => sub.frames().length >= 3);
    const { body } = await httpQuery<{ snapshot: { seq: number } }>(
      instance.httpUrl,
      '{ snapshot(symbol: "BTCUSDT") { seq } }',
    );
    expect(body.data?.snapshot.seq).toBeGreaterThanOrEqual(1);

    redis = RedisProcess.notStarted(port);
    await redis.start();
    const coordinated = await waitFor('coordinated with the lease', async () => {
      const health = await instance!.health();
      return health.redis?.mode === 'coordinated' && health.redis.leases.includes('BTCUSDT') ? health : null;
    });
    expect(coordinated.status).toBe('ok');
    expect(await instance.metric('redis_up')).toBe(1);
    const joined = sub.frames().length;
    await sub.until(() => sub.frames().length >= joined + 3);

    // The same connection throughout; seq only goes forward (+1 except across the reconciliation).
    expect(sub.error).toBeUndefined();
    const seqs = seqsOf(sub.frames(), 'BTCUSDT');
    expect(strictlyIncreasing(seqs)).toBe(true);
    expect(irregularSteps(seqs).length).toBeLessThanOrEqual(1);
  }, 90_000);
});
