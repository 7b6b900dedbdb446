import { contentHash } from '../heatmap/index.js';
import type { FrameContent, HeatmapSnapshot } from '../heatmap/types.js';
import type { StreamStats } from './stream-stats.js';

/**
 * Where changed frames go and who numbers them: this process alone (in memory), or Redis with one
 * publishing instance per symbol. Implementations never reject.
 */
export interface FrameOutlet {
  /** Whether this process publishes `symbol` now (false: another instance does, this one relays). */
  publishes(symbol: string): boolean;
  /** Numbers and sends a changed frame; the published frame, or null when it was not published. */
  publish(content: FrameContent, generatedAt: number): HeatmapSnapshot | null | Promise<HeatmapSnapshot | null>;
}

/**
 * Numbers frames in this process: +1 per frame per symbol, never at or below `floor(symbol)` (the
 * latest seq this process has already shown its clients), then hands them to `deliver`.
 */
export function localOutlet(
  deliver: (frame: HeatmapSnapshot) => void,
  floor: (symbol: string) => number = () => 0,
): FrameOutlet {
  const seqs = new Map<string, number>();
  return {
    publishes: () => true,
    publish(content, generatedAt) {
      const seq = Math.max(seqs.get(content.symbol) ?? 0, floor(content.symbol)) + 1;
      seqs.set(content.symbol, seq);
      const frame: HeatmapSnapshot = { ...content, seq, generatedAt };
      deliver(frame);
      return frame;
    },
  };
}

export interface PublisherOptions {
  symbols: readonly string[];
  intervalMs: number;
  /** The engine's current frame of a symbol, null before it has a price. */
  frameOf: (symbol: string) => FrameContent | null;
  outlet: FrameOutlet;
  stats: StreamStats;
}

/**
 * Ticks every `intervalMs`: for each symbol this process publishes, builds the frame, hashes it and
 * hands it to the outlet only when it changed.
 */
export class Publisher {
  /** Hash of the last frame this process published per symbol, dropped while it does not publish it. */
  private readonly lastHash = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;

  constructor(private readonly options: PublisherOptions) {}

  start(): void {
    void this.tick();
    this.timer = setInterval(() => void this.tick(), this.options.intervalMs);
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
    try {
      await Promise.all(this.options.symbols.map((symbol) => this.publishIfChanged(symbol)));
    } finally {
      this.ticking = false;
    }
  }

  private async publishIfChanged(symbol: string): Promise<void> {
    const { outlet } = this.options;
    if (!outlet.publishes(symbol)) {
      // When this process publishes the symbol again (took the lease over), its first frame goes out at once.
      this.lastHash.delete(symbol);
      return;
    }
    const content = this.options.frameOf(symbol);
    if (!content) return;
    const hash = contentHash(content);
    if (hash === this.lastHash.get(symbol)) return;
    const frame = await outlet.publish(content, Date.now());
    if (!frame) return;
    this.lastHash.set(symbol, hash);
    this.options.stats.of(symbol).framesPublished++;
  }
}
