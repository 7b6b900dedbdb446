import { describe, expect, it } from 'vitest';
import type { FrameContent, Frame } from '../../src/heatmap/types.js';
import { memoryBroker } from '../../src/stream/broker.js';
import { Publisher } from '../../src/stream/publisher.js';
import { StreamStats } from '../../src/stream/stream-stats.js';
import { waitFor } from '../support/cluster.js';
import { makeFrame } from '../support/streaming-harness.js';

describe('publisher', () => {
  it('stamps a frame with the time its tick was due, so a tick held up by a blocked event loop counts as latency', async () => {
    const frames: Array<Frame & { publishedAt: number }> = [];
    let n = 0;
    const publisher = new Publisher({
      symbols: ['BTCUSDT'],
      intervalMs: 100,
      // A new content at every tick: every tick publishes.
      frameOf: (): FrameContent => {
        const { seq: _seq, generatedAt: _generatedAt, ...content } = makeFrame('BTCUSDT', 1, 3);
        return { ...content, currentPrice: 100_000 + n++ };
      },
      broker: memoryBroker((frame) => frames.push({ ...frame, publishedAt: Date.now() })),
      stats: new StreamStats(['BTCUSDT']),
    });
    publisher.start();
    try {
      await waitFor('a first frame', () => frames.length > 0);
      const blockedAt = Date.now();
      while (Date.now() - blockedAt < 1000); // the event loop blocked: no tick can run
      const unblockedAt = Date.now();
      const late = await waitFor('the first frame after the block', () =>
        frames.find((f) => f.publishedAt >= unblockedAt),
      );
      // Due during the block (one interval after the last tick that ran before it), published after it.
      expect(late.generatedAt).toBeLessThanOrEqual(blockedAt + 100);
      expect(late.generatedAt).toBeLessThan(late.publishedAt);
    } finally {
      publisher.stop();
    }
  });

  it("a tick held up together with the market's events publishes them at once, not one interval later", async () => {
    const frames: Array<Frame & { publishedAt: number }> = [];
    let price = 100_000;
    const publisher = new Publisher({
      symbols: ['BTCUSDT'],
      intervalMs: 100,
      // Changes only when the market moves.
      frameOf: (): FrameContent => {
        const { seq: _seq, generatedAt: _generatedAt, ...content } = makeFrame('BTCUSDT', 1, 3);
        return { ...content, currentPrice: price };
      },
      broker: memoryBroker((frame) => frames.push({ ...frame, publishedAt: Date.now() })),
      stats: new StreamStats(['BTCUSDT']),
    });
    publisher.start();
    try {
      await waitFor('a first frame', () => frames.length > 0);
      // After any tick already on its way (set up by a timer that fired with waitFor's), so that the
      // next tick is the one due within an interval.
      await new Promise((resolve) => setImmediate(resolve));
      // A market event due after that tick, both within the block.
      setTimeout(() => price++, 150);
      const blockedAt = Date.now();
      while (Date.now() - blockedAt < 400);
      const moved = await waitFor('the moved price published', () => frames.find((f) => f.currentPrice === 100_001));
      // Published by the tick that was due during the block, not by the one after it.
      expect(moved.generatedAt).toBeLessThanOrEqual(blockedAt + 100);
    } finally {
      publisher.stop();
    }
  });
});
