import { contentHash } from '../heatmap/index.js';
import type { FrameContent } from '../heatmap/types.js';
import type { FrameBroker } from './broker.js';
import type { StreamStats } from './stream-stats.js';

export interface PublisherOptions {
  symbols: readonly string[];
  intervalMs: number;
  /** The engine's current frame of a symbol, null before it has a price. */
  frameOf: (symbol: string) => FrameContent | null;
  broker: FrameBroker;
  stats: StreamStats;
}

/**
 * Ticks every `intervalMs`: for each symbol this process publishes, builds the frame, hashes it and
 * publishes it through the broker only when it changed. A frame's `generatedAt` is when its tick was
 * due, not when it ran: a tick held up (a blocked event loop, a slow Redis) shows in every latency
 * measured from `generatedAt` (ws_broadcast_duration_seconds, streamStats, clients' push latency).
 */
export class Publisher {
  /** Hash of the last frame this process published per symbol, dropped while it does not publish it. */
  private readonly lastHash = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  /** When the next tick is due: one interval after the last tick that ran was due, or started if it ran late. */
  private nextDueAt = 0;

  constructor(private readonly options: PublisherOptions) {}

  start(): void {
    this.nextDueAt = Date.now();
    void this.tick();
    // The tick runs once the rest of its event-loop turn has: when a blocked loop lets the tick and
    // the market's events through together, the frame includes those events instead of finding
    // nothing new and waiting a whole interval to publish them (a silence twice as long).
    this.timer = setInterval(() => setImmediate(() => void this.tick()), this.options.intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Publishes every symbol whose frame changed since the last tick. */
  async tick(): Promise<void> {
    // A tick still waiting on Redis is not overtaken: the next one starts from what it published.
    if (this.ticking) return;
    this.ticking = true;
    const dueAt = this.nextDueAt;
    this.nextDueAt = Math.max(dueAt, Date.now()) + this.options.intervalMs;
    try {
      await Promise.all(this.options.symbols.map((symbol) => this.publishIfChanged(symbol, dueAt)));
    } finally {
      this.ticking = false;
    }
  }

  private async publishIfChanged(symbol: string, dueAt: number): Promise<void> {
    const { broker } = this.options;
    if (!broker.isPublisher(symbol)) {
      // When this process publishes the symbol again (took the lease over), its first frame goes out at once.
      this.lastHash.delete(symbol);
      return;
    }
    const content = this.options.frameOf(symbol);
    if (!content) return;
    const hash = contentHash(content);
    if (hash === this.lastHash.get(symbol)) return;
    const frame = await broker.publish(content, dueAt);
    if (!frame) return;
    this.lastHash.set(symbol, hash);
    this.options.stats.of(symbol).framesPublished++;
  }
}
