import { createPubSub, filter, pipe, type PubSubEventTarget } from '@graphql-yoga/subscription';
import type { HeatmapSnapshot } from '../heatmap/types.js';

type Topics = Record<string, [symbol: string, frame: HeatmapSnapshot]>;

/** The event target topics travel on: in-memory by default, Redis when scaled out. */
export type FrameEventTarget = PubSubEventTarget<Topics>;

/**
 * Carries published frames from the publisher to every process's hub, one topic per symbol
 * (`${prefix}:${SYMBOL}`, which is also the Redis channel name). In memory it is yoga's pub/sub;
 * the Redis variant plugs a Redis event target into the same pub/sub.
 */
export interface FrameBus {
  publish(frame: HeatmapSnapshot): void;
  /** Frames of one symbol in publish order, until the returned iterator is returned. */
  subscribe(symbol: string): AsyncIterableIterator<HeatmapSnapshot>;
}

export function createFrameBus(options: { prefix?: string; eventTarget?: FrameEventTarget } = {}): FrameBus {
  const prefix = options.prefix ?? 'heatmap';
  const pubSub = createPubSub<Topics>(options.eventTarget ? { eventTarget: options.eventTarget } : {});
  return {
    publish: (frame) => pubSub.publish(prefix, frame.symbol, frame),
    // A Redis message that did not decode to a frame arrives as null (counted there): skip it.
    subscribe: (symbol) =>
      pipe(
        pubSub.subscribe(prefix, symbol),
        filter((frame) => frame !== null),
      ) as AsyncIterableIterator<HeatmapSnapshot>,
  };
}
