import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Frame } from '../../src/heatmap/types.js';
import { memoryBroker } from '../../src/stream/broker.js';
import { FrameHub } from '../../src/stream/frame-hub.js';
import { PublisherLease } from '../../src/stream/publisher-lease.js';
import { RedisBroker } from '../../src/stream/redis-broker.js';
import { redisKeys } from '../../src/stream/redis-keys.js';
import { RedisLink } from '../../src/stream/redis-link.js';
import { RedisProcess, waitFor } from '../support/cluster.js';
import { makeFrame } from '../support/streaming-harness.js';

const content = (symbol: string, n: number) => {
  const { seq: _seq, generatedAt: _generatedAt, ...rest } = makeFrame(symbol, n, 3);
  return rest;
};

describe('memory broker', () => {
  it('numbers each frame +1 per symbol and calls the handler once, inside the publish call', () => {
    const handled: Frame[] = [];
    const broker = memoryBroker((frame) => handled.push(frame));
    for (let n = 1; n <= 3; n++) {
      const frame = broker.publish(content('BTCUSDT', n), 1000 + n);
      expect(handled.at(-1)).toBe(frame);
    }
    broker.publish(content('ETHUSDT', 1), 2000);
    expect(handled.map((frame) => [frame.symbol, frame.seq, frame.generatedAt])).toEqual([
      ['BTCUSDT', 1, 1001],
      ['BTCUSDT', 2, 1002],
      ['BTCUSDT', 3, 1003],
      ['ETHUSDT', 1, 2000],
    ]);
  });

  it("never numbers at or below the floor (the seq this process's clients have seen)", () => {
    const handled: number[] = [];
    const broker = memoryBroker(
      (frame) => handled.push(frame.seq),
      () => 41,
    );
    broker.publish(content('BTCUSDT', 1), 0);
    broker.publish(content('BTCUSDT', 2), 0);
    expect(handled).toEqual([42, 43]);
  });
});

describe('hub', () => {
  it('passes on only frames newer than the latest (the one seq check)', () => {
    const hub = new FrameHub(['BTCUSDT']);
    const passed: number[] = [];
    hub.listen('BTCUSDT', (frame) => passed.push(frame.seq));
    for (const seq of [1, 2, 2, 1, 5, 3, 6]) hub.handle(makeFrame('BTCUSDT', seq, 1));
    expect(passed).toEqual([1, 2, 5, 6]);
    expect(hub.latest('BTCUSDT')?.seq).toBe(6);
  });
});

describe('Redis broker', () => {
  const log = pino({ level: 'silent' });
  const keys = redisKeys('broker-test');
  let redis: RedisProcess;
  const instances: Array<{ link: RedisLink; broker: RedisBroker; lease: PublisherLease; handled: Frame[] }> = [];

  beforeAll(async () => {
    redis = await RedisProcess.start();
    for (let i = 0; i < 2; i++) {
      const link = new RedisLink(redis.url, log, { commandTimeoutMs: 1000, unresponsiveAfterMs: 1000 });
      const lease = new PublisherLease(link.commands, keys, ['BTCUSDT'], 3000);
      const handled: Frame[] = [];
      const hub = new FrameHub(['BTCUSDT']);
      const broker = new RedisBroker({
        link,
        keys,
        lease,
        symbols: ['BTCUSDT'],
        handler: (frame) => {
          handled.push(frame);
          hub.handle(frame);
        },
        shownSeq: (symbol) => hub.latest(symbol)?.seq ?? 0,
        log,
      });
      broker.start();
      instances.push({ link, broker, lease, handled });
    }
  });
  afterAll(async () => {
    for (const { broker, link } of instances) {
      await broker.stop();
      broker.close();
      await link.close();
    }
    await redis?.stop();
  });

  it('delivers each published frame once to every instance, the publishing one included (no echo)', async () => {
    const holder = await waitFor('one coordinated lease holder', () =>
      instances.every(({ broker }) => broker.mode === 'coordinated')
        ? instances.find(({ broker }) => broker.isPublisher('BTCUSDT'))
        : undefined,
    );
    // Both instances are subscribed once their links are up (ioredis subscribes before 'ready').
    for (let n = 1; n <= 5; n++)
      expect(await holder.broker.publish(content('BTCUSDT', n), n)).toMatchObject({ seq: n });
    // A frame published straight on the channel comes after every earlier message of the channel:
    // once it is in, any echo of the five would be in too.
    await holder.link.commands.publish(keys.channel('BTCUSDT'), JSON.stringify(makeFrame('BTCUSDT', 100, 3)));
    await waitFor('the marker frame on every instance', () =>
      instances.every(({ handled }) => handled.some((frame) => frame.seq === 100)),
    );
    for (const { handled } of instances) expect(handled.map((frame) => frame.seq)).toEqual([1, 2, 3, 4, 5, 100]);
    const relay = instances.find((instance) => instance !== holder)!;
    expect(relay.broker.isPublisher('BTCUSDT')).toBe(false);
  });
});
