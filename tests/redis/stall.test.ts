/**
 * A Redis that stops answering without closing its connections (docs/operations.md, "Redis
 * failure"): stopped with SIGSTOP, or cut off by a proxy that black-holes the connection. The
 * instances count it as down (health degraded with the reason, a log line, redis_up 0), keep their
 * clients' frames flowing from their own engines, answer queries, and reconcile when Redis answers
 * again: no client reconnects, no client's seq repeats or goes back.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { RedisProcess, ServerProcess, waitFor } from '../support/cluster.js';
import { HEATMAP_SUBSCRIPTION, httpQuery, record, wsClient, type Frame } from '../support/graphql-clients.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { conflictingSeqs, seqsOf, strictlyIncreasing } from './frames.js';

const SYMBOLS = ['BTCUSDT', 'ETHUSDT'];
// One exchange: one stream per symbol, so a symbol's lease is its stream's (tests/redis/scale-out.test.ts has several).
const ENV = {
  SYMBOLS: SYMBOLS.join(','),
  EXCHANGES: 'binance',
  HISTORY_HOURS: '1',
  WS_UPDATE_INTERVAL: '0.25',
  REDIS_LEASE_TTL: '1.5',
};

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});
afterAll(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function startInstance(redisUrl: string): Promise<ServerProcess> {
  const instance = await ServerProcess.start({ ...ENV, REDIS_URL: redisUrl });
  cleanup.push(() => instance.kill());
  return instance;
}

function subscribe(instance: ServerProcess) {
  let connected = 0;
  const counting = wsClient(instance.wsUrl, { on: { connected: () => connected++ } });
  cleanup.push(() => counting.dispose());
  const sub = record(counting, HEATMAP_SUBSCRIPTION, { symbols: SYMBOLS });
  return Object.assign(sub, { connections: () => connected });
}

const mode = async (instance: ServerProcess) => (await instance.health()).redis?.mode;

/** Waits until `sub` has `count` more frames of every symbol than now. */
async function moreFrames(sub: ReturnType<typeof subscribe>, count: number): Promise<void> {
  const seen = SYMBOLS.map((symbol) => seqsOf(sub.frames(), symbol).length);
  await sub.until(() => SYMBOLS.every((symbol, i) => seqsOf(sub.frames(), symbol).length >= seen[i]! + count), 30_000);
}

/** While Redis is unusable for `instance`: degraded with the reason, fallback, redis_up 0, queries answered. */
async function expectFallback(instance: ServerProcess): Promise<void> {
  const health = await waitFor('fallback', async () => {
    const report = await instance.health();
    return report.redis?.mode === 'fallback' ? report : null;
  });
  expect(health.status).toBe('degraded');
  expect(health.reasons).toEqual(expect.arrayContaining([expect.stringMatching(/^redis down.*not answering/)]));
  expect(await instance.metric('redis_up')).toBe(0);
  // The log line arrives through the process's stdout, maybe after the health answer.
  await waitFor('the redis_down log line', () => instance.events('redis_down').length > 0);
  const answer = await httpQuery<{ snapshot: Frame; heatmap: { columns: number } }>(
    instance.httpUrl,
    '{ snapshot(symbol: "BTCUSDT") { seq } heatmap(symbol: "BTCUSDT", window: H12) { columns } }',
  );
  expect(answer.body.errors).toBeUndefined();
  expect(answer.body.data?.snapshot.seq).toBeGreaterThan(0);
  expect(answer.body.data?.heatmap.columns).toBeGreaterThan(0);
}

function expectOneUnbrokenStream(sub: ReturnType<typeof subscribe>): void {
  expect(sub.error).toBeUndefined();
  expect(sub.connections()).toBe(1);
  for (const symbol of SYMBOLS) expect(strictlyIncreasing(seqsOf(sub.frames(), symbol))).toBe(true);
}

describe('a Redis that stops answering', { timeout: 120_000 }, () => {
  it('SIGSTOP: every instance falls back and keeps streaming; after SIGCONT they reconcile and coordinate', async () => {
    const redis = await RedisProcess.start();
    cleanup.push(() => redis.stop());
    const instances = [await startInstance(redis.url), await startInstance(redis.url)];
    const subs = instances.map(subscribe);
    await Promise.all(subs.map((sub) => moreFrames(sub, 3)));
    await waitFor('coordinated', async () =>
      (await Promise.all(instances.map(mode))).every((m) => m === 'coordinated'),
    );

    redis.pause();
    cleanup.push(() => redis.resume());
    for (const instance of instances) await expectFallback(instance);
    await Promise.all(subs.map((sub) => moreFrames(sub, 3)));

    redis.resume();
    await waitFor('coordinated again', async () =>
      (await Promise.all(instances.map(mode))).every((m) => m === 'coordinated'),
    );
    for (const instance of instances) expect((await instance.health()).status).toBe('ok');
    const recovered = subs.map((sub) => sub.frames().length);
    await Promise.all(subs.map((sub) => moreFrames(sub, 3)));
    subs.forEach(expectOneUnbrokenStream);
    // Coordinated again: one content per seq across the instances' clients.
    expect(conflictingSeqs(subs.flatMap((sub, i) => sub.frames().slice(recovered[i]! + 2)))).toEqual([]);
  });

  it('black-holed connection: that instance falls back while the other takes its symbols; both reconcile after', async () => {
    const redis = await RedisProcess.start();
    cleanup.push(() => redis.stop());
    const proxy = await TcpProxy.start(redis.port);
    cleanup.push(() => proxy.close());
    const cut = await startInstance(proxy.url);
    const direct = await startInstance(redis.url);
    const subs = [cut, direct].map(subscribe);
    await Promise.all(subs.map((sub) => moreFrames(sub, 3)));

    proxy.blackHole();
    cleanup.push(() => proxy.restore());
    await expectFallback(cut);
    await waitFor('the other instance to publish every symbol', async () => {
      const health = await direct.health();
      return health.redis?.mode === 'coordinated' && health.redis.leases.length === SYMBOLS.length;
    });
    await Promise.all(subs.map((sub) => moreFrames(sub, 3)));

    proxy.restore();
    await waitFor('coordinated again', async () => (await mode(cut)) === 'coordinated');
    const recovered = subs.map((sub) => sub.frames().length);
    await Promise.all(subs.map((sub) => moreFrames(sub, 3)));
    subs.forEach(expectOneUnbrokenStream);
    expect(conflictingSeqs(subs.flatMap((sub, i) => sub.frames().slice(recovered[i]! + 2)))).toEqual([]);
  });
});
