import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import type { Redis } from 'ioredis';
import type { Frame } from '../heatmap/types.js';
import type { RedisLink } from './redis-link.js';

/** Frames by channel name; `detail` is null for a message that is not a frame (counted). */
export type FrameEventTarget = ReturnType<typeof safeRedisEventTarget>;

/**
 * yoga's Redis event target over the link's two connections, made safe. The library (3.0.4) neither
 * awaits nor catches its `publish`/`subscribe`/`unsubscribe` promises, so a rejection while Redis
 * is down would be an unhandled rejection (fatal on Node 20): it gets thin client facades that catch
 * and count each failure. A message that is not a frame (bad JSON, another writer on the channel)
 * is counted and arrives as null instead of a frame. Messages are plain JSON, timestamps epoch-ms.
 * Frames are published by RedisBroker's fenced script, not through the target; the publish client
 * the library requires is made safe all the same.
 */
export function safeRedisEventTarget(link: RedisLink) {
  const caught = (promise: Promise<unknown>) => void promise.catch((error: unknown) => link.failed(error));
  const publishClient = {
    publish: (channel: string, message: string) => caught(link.commands.publish(channel, message)),
  };
  const subscribeClient = {
    on: (event: 'message', listener: (channel: string, message: string) => void) => link.subscriber.on(event, listener),
    subscribe: (channel: string) => caught(link.subscriber.subscribe(channel)),
    unsubscribe: (channel: string) => caught(link.subscriber.unsubscribe(channel)),
  };
  return createRedisEventTarget<CustomEvent<Frame | null>>({
    publishClient: publishClient as unknown as Redis,
    subscribeClient: subscribeClient as unknown as Redis,
    serializer: {
      stringify: JSON.stringify,
      // Called from ioredis's 'message' event: it must not throw.
      parse: (message: string) => {
        try {
          const frame = JSON.parse(message) as unknown;
          if (isFrame(frame)) return frame;
          link.failed(new Error(`not a frame on the channel: ${message.slice(0, 80)}`));
        } catch (error) {
          link.failed(error);
        }
        return null;
      },
    },
  });
}

function isFrame(value: unknown): value is Frame {
  const frame = value as Partial<Frame> | null;
  return (
    typeof frame === 'object' &&
    frame !== null &&
    typeof frame.symbol === 'string' &&
    Number.isInteger(frame.seq) &&
    Array.isArray(frame.levels)
  );
}
