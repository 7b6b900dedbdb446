/**
 * Three real server processes on one private redis-server, in one story: identical streams on every
 * instance, the lease holder killed (SIGKILL) and replaced, then Redis killed and restarted under
 * load. Every frame any client receives is kept; at the end no (symbol, seq) has two contents.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisProcess, ServerProcess, waitFor } from '../support/cluster.js';
import { HEATMAP_SUBSCRIPTION, httpQuery, record, wsClient, type Frame } from '../support/graphql-clients.js';
import { streamsOf } from '../../src/heatmap/exchange-sets.js';
import { conflictingSeqs, irregularSteps, seqsOf, strictlyIncreasing } from './frames.js';

const SYMBOLS = ['BTCUSDT', 'ETHUSDT'];
const ENV = {
  SYMBOLS: SYMBOLS.join(','),
  EXCHANGES: 'binance,okx',
  HISTORY_HOURS: '1',
  WS_UPDATE_INTERVAL: '0.25',
  REDIS_LEASE_TTL: '1.5',
};
/** Every exchange set of a symbol is a stream with its own lease and seq: BTCUSDT, BTCUSDT@BINANCE, BTCUSDT@OKX, … */
const STREAMS = streamsOf(SYMBOLS, ['binance', 'okx']).map((stream) => stream.key);

type Subscriber = ReturnType<typeof record> & { instance: ServerProcess };

let redis: RedisProcess;
const instances: ServerProcess[] = [];
const subscribers: Subscriber[] = [];
const clients: Array<{ dispose(): unknown }> = [];

function subscribe(instance: ServerProcess, symbols = SYMBOLS): Subscriber {
  // Clients of a killed instance lose their connection on purpose: no console noise for it.
  const client = wsClient(instance.wsUrl, { onNonLazyError: () => {} });
  clients.push(client);
  return Object.assign(record(client, HEATMAP_SUBSCRIPTION, { symbols }), { instance });
}

const framesOf = (subs: Subscriber[]) => subs.flatMap((sub) => sub.frames());
const alive = () => instances.filter((instance) => instance.alive);

/** Instance → streams whose lease it holds, once every stream has exactly one holder among the live instances. */
async function oneHolderPerSymbol(): Promise<Map<ServerProcess, string[]>> {
  return waitFor('one lease holder per symbol', async () => {
    const reports = await Promise.all(alive().map(async (instance) => [instance, await instance.health()] as const));
    if (reports.some(([, health]) => health.redis?.mode !== 'coordinated')) return null;
    const held = reports.flatMap(([, health]) => health.redis!.leases);
    if (held.length !== STREAMS.length || new Set(held).size !== STREAMS.length) return null;
    return new Map(reports.map(([instance, health]) => [instance, health.redis!.leases]));
  });
}

beforeAll(async () => {
  redis = await RedisProcess.start();
  // Each kept as soon as it runs, so afterAll stops it even if another fails to start.
  await Promise.all(
    [1, 2, 3].map(async () => instances.push(await ServerProcess.start({ ...ENV, REDIS_URL: redis.url }))),
  );
}, 90_000);

afterAll(async () => {
  for (const sub of subscribers) sub.unsubscribe();
  await Promise.all(clients.map((client) => client.dispose()));
  await Promise.all(instances.map((instance) => instance.kill()));
  await redis?.stop();
});

// Each test waits up to 30 s for several conditions in turn: its own timeout is longer, so a miss
// reports the condition that was not met rather than vitest's timeout.
describe('several instances on one Redis', { timeout: 120_000 }, () => {
  it('clients on different instances get identical frames: same seq, same content, one publisher per symbol', async () => {
    subscribers.push(...instances.map((instance) => subscribe(instance)));
    await Promise.all(
      subscribers.map((sub) =>
        sub.until(() => SYMBOLS.every((symbol) => seqsOf(sub.frames(), symbol).length >= 5), 30_000),
      ),
    );

    const holders = await oneHolderPerSymbol();
    // Only the holder computes and publishes; the others relay.
    for (const instance of instances) {
      const published = (await instance.metric('publisher_leases_held'))!;
      expect(published).toBe(holders.get(instance)!.length);
    }
    for (const symbol of SYMBOLS) {
      const bySubscriber = subscribers.map((sub) => seqsOf(sub.frames(), symbol));
      const common = bySubscriber.reduce((acc, seqs) => acc.filter((seq) => seqs.includes(seq)));
      expect(common.length).toBeGreaterThanOrEqual(4);
      for (const seqs of bySubscriber) expect(irregularSteps(seqs)).toEqual([]);
    }
    expect(conflictingSeqs(framesOf(subscribers))).toEqual([]);
    expect(subscribers.every((sub) => sub.error === undefined)).toBe(true);
  });

  it("answers snapshot and heatmap the same on every instance (the publisher's latest frame and history)", async () => {
    const query = `query ($s: String!) { snapshot(symbol: $s) { symbol seq currentPrice levels { price long short } }
      heatmap(symbol: $s, window: H12) { from columns priceMin rowStep rows currentPrice cells } }`;
    // Each instance runs its own simulator (different start, different market), so equal answers
    // can only come from sharing. Frames move on meanwhile: retry until one round agrees.
    await waitFor('identical snapshot and heatmap answers', async () => {
      const answers = await Promise.all(
        instances.map((instance) => httpQuery(instance.httpUrl, query, { s: 'BTCUSDT' })),
      );
      for (const answer of answers) expect(answer.body.errors).toBeUndefined();
      return new Set(answers.map((answer) => JSON.stringify(answer.body.data))).size === 1;
    });
    // A snapshot is a frame the subscribers got too.
    const { body } = await httpQuery<{ snapshot: Frame }>(
      instances[2]!.httpUrl,
      'query { snapshot(symbol: "ETHUSDT") { symbol seq currentPrice } }',
    );
    const snapshot = body.data!.snapshot;
    await subscribers[0]!.until(() => seqsOf(subscribers[0]!.frames(), 'ETHUSDT').includes(snapshot.seq));
    expect(subscribers[0]!.frames().find((f) => f.symbol === 'ETHUSDT' && f.seq === snapshot.seq)!.currentPrice).toBe(
      snapshot.currentPrice,
    );
  });

  it('a new subscriber gets the same first frame on any instance', async () => {
    const late = instances.map((instance) => subscribe(instance, ['BTCUSDT']));
    subscribers.push(...late);
    await Promise.all(late.map((sub) => sub.until(() => sub.frames().length >= 1)));
    // Subscribed at the same moment: the same latest frame (or the next one, if a frame came between).
    const firsts = late.map((sub) => sub.frames()[0]!.seq);
    expect(Math.max(...firsts) - Math.min(...firsts)).toBeLessThanOrEqual(1);
    expect(conflictingSeqs(framesOf(subscribers))).toEqual([]);
  });

  it('when the lease holder is killed another instance takes over and seq continues without repeats or gaps', async () => {
    const holders = await oneHolderPerSymbol();
    const [holder] = [...holders].find(([, leases]) => leases.includes('BTCUSDT'))!;
    const survivors = subscribers.filter((sub) => sub.instance !== holder);
    const lastBefore = Math.max(...survivors.map((sub) => Math.max(...seqsOf(sub.frames(), 'BTCUSDT'))));

    await holder.kill('SIGKILL');
    const after = await oneHolderPerSymbol();
    expect(after.has(holder)).toBe(false);
    await Promise.all(
      survivors.map((sub) => sub.until(() => Math.max(...seqsOf(sub.frames(), 'BTCUSDT')) >= lastBefore + 3, 30_000)),
    );

    for (const sub of survivors) {
      expect(sub.error).toBeUndefined();
      // A seq is allocated only when a frame is published, so the takeover costs time, not seqs.
      for (const symbol of SYMBOLS) expect(irregularSteps(seqsOf(sub.frames(), symbol))).toEqual([]);
    }
    expect(conflictingSeqs(framesOf(subscribers))).toEqual([]);
    const takeover = alive()
      .flatMap((instance) => instance.events('lease_acquired'))
      .filter((line) => line.symbol === 'BTCUSDT');
    expect(takeover.length).toBeGreaterThanOrEqual(1);
  });

  it('Redis dies under load and comes back: no client disconnected, queries answered, live frames throughout, seq never repeats or goes back', async () => {
    const survivors = alive();
    const watched = subscribers.filter((sub) => sub.instance.alive);
    // Load: more subscribers, and queries hammering every instance for the whole outage.
    const crowd = survivors.flatMap((instance) => Array.from({ length: 20 }, () => subscribe(instance, ['BTCUSDT'])));
    await Promise.all(crowd.map((sub) => sub.until(() => sub.frames().length >= 1)));
    let querying = true;
    const queryFailures: string[] = [];
    const queryLoop = (async () => {
      let answered = 0;
      while (querying) {
        for (const instance of survivors) {
          try {
            const { status, body } = await httpQuery(
              instance.httpUrl,
              'query { snapshot(symbol: "BTCUSDT") { seq } heatmap(symbol: "BTCUSDT", window: H24) { columns } }',
            );
            if (status !== 200 || body.errors) queryFailures.push(`${status} ${JSON.stringify(body.errors)}`);
            else answered++;
          } catch (error) {
            queryFailures.push(String(error));
          }
        }
        await sleep(50);
      }
      return answered;
    })();

    await redis.stop();
    const outageStart = new Map(watched.map((sub) => [sub, sub.frames().length]));
    for (const instance of survivors) {
      const health = await waitFor('degraded health', async () => {
        const report = await instance.health();
        return report.status === 'degraded' ? report : null;
      });
      expect(health.reasons.join(' ')).toMatch(/redis .*own engine/);
      expect(await instance.metric('redis_up')).toBe(0);
      expect(await instance.metric('redis_errors_total')).toBeGreaterThan(0);
    }
    // Every instance publishes from its own engine meanwhile: its clients keep getting live frames.
    await Promise.all(watched.map((sub) => sub.until(() => sub.frames().length >= outageStart.get(sub)! + 3, 30_000)));

    await redis.start();
    await oneHolderPerSymbol();
    for (const instance of survivors) expect((await instance.health()).status).toBe('ok');
    const recovered = new Map(watched.map((sub) => [sub, sub.frames().length]));
    const newestBeforeRecovery = new Map(
      SYMBOLS.map((symbol) => [symbol, Math.max(...watched.flatMap((sub) => seqsOf(sub.frames(), symbol)))]),
    );
    await Promise.all(watched.map((sub) => sub.until(() => sub.frames().length >= recovered.get(sub)! + 4, 30_000)));
    querying = false;
    expect(await queryLoop).toBeGreaterThan(0);
    expect(queryFailures).toEqual([]);

    for (const sub of [...watched, ...crowd]) {
      expect(sub.error).toBeUndefined();
      expect(sub.completed).toBe(false);
      for (const symbol of SYMBOLS) expect(strictlyIncreasing(seqsOf(sub.frames(), symbol))).toBe(true);
    }
    // Once reconciled, all instances carry one publisher's frames again.
    const afterRecovery = framesOf(watched).filter((frame) => frame.seq > newestBeforeRecovery.get(frame.symbol)!);
    expect(afterRecovery.length).toBeGreaterThan(0);
    expect(conflictingSeqs(afterRecovery)).toEqual([]);
    for (const instance of survivors) {
      expect(instance.alive).toBe(true);
      expect(instance.events('unhandled_rejection')).toEqual([]);
    }
    for (const sub of crowd) sub.unsubscribe();
  });
});
