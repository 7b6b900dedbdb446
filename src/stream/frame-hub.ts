import type { HeatmapSnapshot } from '../heatmap/types.js';
import type { FrameBus } from './frame-bus.js';

export type FrameListener = (frame: HeatmapSnapshot) => void;

/**
 * The process-local end of the bus: one bus subscription per symbol, however many clients listen.
 * Keeps the latest frame of each symbol (what a new subscriber gets first) and never lets a
 * symbol's seq go backwards or repeat, whatever the bus delivers.
 */
export class FrameHub {
  private readonly latestFrames = new Map<string, HeatmapSnapshot>();
  private readonly listeners = new Map<string, Set<FrameListener>>();
  private readonly feeds: AsyncIterableIterator<HeatmapSnapshot>[] = [];

  constructor(bus: FrameBus, symbols: readonly string[]) {
    for (const symbol of symbols) {
      this.listeners.set(symbol, new Set());
      const feed = bus.subscribe(symbol);
      this.feeds.push(feed);
      void this.pump(feed);
    }
  }

  latest(symbol: string): HeatmapSnapshot | undefined {
    return this.latestFrames.get(symbol);
  }

  /** Frames of `symbol` from now on; returns the unsubscribe function. */
  listen(symbol: string, listener: FrameListener): () => void {
    const set = this.listeners.get(symbol);
    if (!set) throw new Error(`FrameHub: unknown symbol ${symbol}`);
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Accepts a frame directly (the publisher's own frames when the bus is unavailable, tests). */
  accept(frame: HeatmapSnapshot): void {
    const previous = this.latestFrames.get(frame.symbol);
    if (previous && frame.seq <= previous.seq) return;
    this.latestFrames.set(frame.symbol, frame);
    for (const listener of this.listeners.get(frame.symbol) ?? []) listener(frame);
  }

  async close(): Promise<void> {
    await Promise.all(this.feeds.map((feed) => feed.return?.()));
  }

  private async pump(feed: AsyncIterableIterator<HeatmapSnapshot>): Promise<void> {
    for await (const frame of feed) this.accept(frame);
  }
}
