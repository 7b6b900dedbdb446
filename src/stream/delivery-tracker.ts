import type { Frame } from '../heatmap/types.js';
import type { StreamStats } from './stream-stats.js';

/**
 * Measures each frame's broadcast on the per-subscriber (stock) path: from its publication
 * (`generatedAt`) to the moment the last subscriber that was handed it took it for sending. A
 * broadcast still incomplete when the symbol's next frame arrives (a stalled subscriber) is recorded
 * as it stands. (The shared fan-out measures its own broadcasts.)
 */
export class DeliveryTracker {
  private readonly open = new Map<string, { seq: number; generatedAt: number; remaining: number }>();

  constructor(private readonly stats: StreamStats) {}

  /** A subscriber was handed `frame` and will take it. */
  expect(frame: Frame): void {
    let broadcast = this.open.get(frame.stream);
    if (broadcast?.seq !== frame.seq) {
      this.finish(frame.stream);
      broadcast = { seq: frame.seq, generatedAt: frame.generatedAt, remaining: 0 };
      this.open.set(frame.stream, broadcast);
    }
    broadcast.remaining++;
  }

  delivered(frame: Frame): void {
    this.stats.of(frame.stream).messagesSent++;
    const broadcast = this.open.get(frame.stream);
    if (broadcast?.seq === frame.seq && --broadcast.remaining === 0) this.finish(frame.stream);
  }

  private finish(symbol: string): void {
    const broadcast = this.open.get(symbol);
    if (!broadcast) return;
    this.open.delete(symbol);
    this.stats.recordBroadcast(symbol, (Date.now() - broadcast.generatedAt) / 1000);
  }
}
