import { largestMask } from './largest.js';
import { Ring } from './ring.js';
import type { LiquidationMarker } from './types.js';
import { HISTORY_MS } from './windows.js';

/**
 * Binance pushes at most one force order per symbol per second, so 30 days could hold 2.6M; the ring
 * caps memory at ~50k markers (≈ 5 MB), i.e. in a liquidation storm it covers less than 30 days.
 */
export const MAX_MARKERS = 50_000;
/** Markers per heatmap: the largest ones, so a busy window stays within the JSON budget. */
export const MAX_HEATMAP_MARKERS = 200;

/** Realized liquidations (exchange force orders) of the last 30 days, oldest first. */
export class MarkerLog {
  private readonly ring = new Ring<LiquidationMarker>(MAX_MARKERS);

  add(marker: LiquidationMarker): void {
    this.ring.push(marker);
    for (
      let oldest = this.ring.oldest();
      oldest && oldest.time < marker.time - HISTORY_MS;
      oldest = this.ring.oldest()
    ) {
      this.ring.dropOldest();
    }
  }

  /** Markers with from ≤ time < to, the `MAX_HEATMAP_MARKERS` largest by USD, in time order. */
  between(from: number, to: number): LiquidationMarker[] {
    const inWindow = this.ring.toArray().filter((m) => m.time >= from && m.time < to);
    const usd = new Float64Array(inWindow.length);
    for (let i = 0; i < inWindow.length; i++) usd[i] = inWindow[i]!.usd;
    const keep = largestMask(usd, MAX_HEATMAP_MARKERS);
    return inWindow.filter((_, i) => keep[i]);
  }
}
