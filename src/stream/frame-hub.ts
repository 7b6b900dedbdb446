import type { Frame } from '../heatmap/types.js';

export type FrameListener = (frame: Frame) => void;

/**
 * The process's one broker handler. Keeps each symbol's latest frame (what a new subscriber gets
 * first) and passes on only frames newer than it: this is the one place where a symbol's seq is
 * kept from going back or repeating, whatever the broker delivers (a failover, a Redis restart).
 */
export class FrameHub {
  private readonly latestFrames = new Map<string, Frame>();
  private readonly listeners = new Map<string, Set<FrameListener>>();

  constructor(symbols: readonly string[]) {
    for (const symbol of symbols) this.listeners.set(symbol, new Set());
  }

  latest(symbol: string): Frame | undefined {
    return this.latestFrames.get(symbol);
  }

  /** Frames of `symbol` from now on; returns the unsubscribe function. */
  listen(symbol: string, listener: FrameListener): () => void {
    const set = this.listeners.get(symbol);
    if (!set) throw new Error(`FrameHub: unknown symbol ${symbol}`);
    set.add(listener);
    return () => set.delete(listener);
  }

  /** The broker's handler: a frame of any process's publisher. */
  handle(frame: Frame): void {
    const previous = this.latestFrames.get(frame.stream);
    if (previous && frame.seq <= previous.seq) return;
    this.latestFrames.set(frame.stream, frame);
    for (const listener of this.listeners.get(frame.stream) ?? []) listener(frame);
  }
}
