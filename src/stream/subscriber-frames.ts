import { Repeater, SlidingBuffer } from '@graphql-yoga/subscription';
import type { Frame } from '../heatmap/types.js';
import type { DeliveryTracker } from './delivery-tracker.js';
import type { FrameHub } from './frame-hub.js';
import { tap } from './iterators.js';
import type { StreamStats } from './stream-stats.js';

/**
 * One subscriber's frames on the per-subscriber (`FANOUT=stock`) path, for a list of symbols: each
 * symbol's latest frame at once, then every frame the hub passes on. Its own bounded buffer (latest
 * wins) keeps a stalled consumer from holding more than `queueSize` frames per symbol; the buffer is
 * per subscriber, never shared (yoga's `repeaterBuffer` option shares one across subscribers and
 * mixes their frames up).
 */
export function subscriberFrames(
  hub: FrameHub,
  symbols: readonly string[],
  options: { queueSize: number; stats: StreamStats; tracker: DeliveryTracker },
): AsyncIterable<Frame> {
  const frames = new Repeater<Frame>(
    async (push, stop) => {
      const { stats } = options;
      const unlisten = symbols.map((symbol) => {
        stats.of(symbol).subscriptions++;
        const deliver = (frame: Frame) => {
          options.tracker.expect(frame);
          void push(frame);
        };
        const off = hub.listen(symbol, deliver);
        const latest = hub.latest(symbol);
        if (latest) deliver(latest);
        return () => {
          off();
          stats.of(symbol).subscriptions--;
        };
      });
      await stop;
      for (const off of unlisten) off();
    },
    new SlidingBuffer(options.queueSize * symbols.length),
  );
  return tap(frames, (frame) => options.tracker.delivered(frame));
}
