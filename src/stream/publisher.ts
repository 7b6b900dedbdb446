import { contentHash } from '../heatmap/index.js';
import type { FrameContent, HeatmapSnapshot } from '../heatmap/types.js';
import type { FrameBus } from './frame-bus.js';
import type { StreamStats } from './stream-stats.js';

export interface PublisherOptions {
  symbols: readonly string[];
  intervalMs: number;
  /** The engine's current frame of a symbol, null before it has a price. */
  frameOf: (symbol: string) => FrameContent | null;
  bus: FrameBus;
  stats: StreamStats;
}

/**
 * Ticks every `intervalMs`: builds each symbol's frame, hashes it and publishes it only when it
 * changed, numbering published frames 1, 2, 3… per symbol.
 */
export class Publisher {
  private readonly lastHash = new Map<string, string>();
  private readonly seq = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: PublisherOptions) {}

  start(): void {
    this.tick();
    this.timer = setInterval(() => this.tick(), this.options.intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Publishes every symbol whose frame changed since the last tick; returns what was published. */
  tick(): HeatmapSnapshot[] {
    const published: HeatmapSnapshot[] = [];
    for (const symbol of this.options.symbols) {
      const content = this.options.frameOf(symbol);
      if (!content) continue;
      const hash = contentHash(content);
      if (hash === this.lastHash.get(symbol)) continue;
      this.lastHash.set(symbol, hash);
      const seq = (this.seq.get(symbol) ?? 0) + 1;
      this.seq.set(symbol, seq);
      const frame: HeatmapSnapshot = { ...content, seq, generatedAt: Date.now() };
      this.options.bus.publish(frame);
      this.options.stats.of(symbol).framesPublished++;
      published.push(frame);
    }
    return published;
  }
}
