import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { WINDOW_NAMES } from '../heatmap/index.js';
import type { Heatmap, WindowName } from '../heatmap/types.js';
import type { RedisKeys } from './redis-keys.js';
import type { RedisLink } from './redis-link.js';

/** How long a query keeps a window "wanted", so the publishing instance keeps its shared copy fresh. */
const WANTED_FOR_MS = 60_000;
const POLL_EVERY_MS = 50;

export interface SharedHeatmapsOptions {
  link: RedisLink;
  keys: RedisKeys;
  symbols: readonly string[];
  /** Whether this instance builds the symbol's heatmaps itself: it publishes the symbol, or Redis is unusable. */
  buildsLocally: (symbol: string) => boolean;
  /** Whether this instance publishes the symbol through Redis (so others read its heatmaps). */
  shares: (symbol: string) => boolean;
  build: (symbol: string, window: WindowName) => Heatmap | null;
  /** Age after which a shared heatmap is rebuilt (one publisher tick: the open column changes at most that often). */
  refreshAfterMs: number;
  log: Logger;
}

/**
 * Heatmaps from the instance that publishes the symbol, so every instance answers `heatmap` from the
 * same model as the frames its clients get. The publisher builds the windows some instance has been
 * asked for recently (marked "wanted" in Redis) and stores them with an expiry; the other instances
 * read those copies. A relay asked for a window nobody wanted yet waits a little for the publisher
 * to store it; without a publisher (none holds the lease, Redis down) it answers from its own engine.
 */
export class SharedHeatmaps {
  private readonly storedAt = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private refreshing = false;

  constructor(private readonly options: SharedHeatmapsOptions) {}

  start(): void {
    this.timer = setInterval(() => void this.refresh(), this.options.refreshAfterMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async get(symbol: string, window: WindowName): Promise<Heatmap | null> {
    const { link, keys, build } = this.options;
    if (this.options.buildsLocally(symbol)) {
      const heatmap = build(symbol, window);
      if (heatmap && this.options.shares(symbol)) void this.store(symbol, window, heatmap);
      return heatmap;
    }
    try {
      await link.commands.set(keys.heatmapWanted(symbol, window), '1', 'PX', WANTED_FOR_MS);
      const deadline = Date.now() + 2 * this.options.refreshAfterMs + 500;
      do {
        const shared = await link.commands.get(keys.heatmap(symbol, window));
        if (shared) return JSON.parse(shared) as Heatmap;
        await sleep(POLL_EVERY_MS);
      } while (Date.now() < deadline);
      this.options.log.info(
        { event: 'heatmap_not_shared', symbol, window },
        "no shared heatmap from the publisher in time: answering from this instance's engine",
      );
    } catch (error) {
      link.failed(error);
    }
    return build(symbol, window);
  }

  /** On the publishing instance: rebuilds the wanted windows whose shared copy is older than one tick. */
  private async refresh(): Promise<void> {
    const { link, keys, symbols } = this.options;
    if (this.refreshing || !link.up()) return;
    const mine = symbols.filter((symbol) => this.options.shares(symbol));
    if (mine.length === 0) return;
    this.refreshing = true;
    try {
      const pairs = mine.flatMap((symbol) => WINDOW_NAMES.map((window) => [symbol, window] as const));
      const wanted = await link.commands.mget(pairs.map(([symbol, window]) => keys.heatmapWanted(symbol, window)));
      for (const [i, [symbol, window]] of pairs.entries()) {
        if (!wanted[i] || Date.now() - (this.storedAt.get(`${symbol}:${window}`) ?? 0) < this.options.refreshAfterMs)
          continue;
        const heatmap = this.options.build(symbol, window);
        if (heatmap) await this.store(symbol, window, heatmap);
      }
    } catch (error) {
      link.failed(error);
    } finally {
      this.refreshing = false;
    }
  }

  private async store(symbol: string, window: WindowName, heatmap: Heatmap): Promise<void> {
    // Expires a few ticks after the publisher stops refreshing it (it died): relays then stop serving it.
    const expiresMs = 3 * this.options.refreshAfterMs + 1000;
    await this.options.link.commands
      .set(this.options.keys.heatmap(symbol, window), JSON.stringify(heatmap), 'PX', expiresMs)
      .then(() => this.storedAt.set(`${symbol}:${window}`, Date.now()))
      .catch((error: unknown) => this.options.link.failed(error));
  }
}
