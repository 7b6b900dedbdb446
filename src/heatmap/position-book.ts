import type { Side } from './types.js';

/** Level amounts under $0.01 are dropped: they no longer show and would only grow the book. */
export const DUST_USD = 0.01;

/** What a sweep liquidated: positions, and their size in base asset (what open interest counts). */
export interface Sweep {
  positions: number;
  qty: number;
}

const NOTHING_SWEPT: Sweep = Object.freeze({ positions: 0, qty: 0 });

/** The book merged over tiers, per price bucket, buckets ascending: what a frame or a column shows. Immutable. */
export interface BookSnapshot {
  readonly buckets: Int32Array;
  readonly long: Float64Array;
  readonly short: Float64Array;
}

/**
 * One side of the book. Levels are sorted by a key that grows towards the price (long: bucket,
 * short: −bucket), so the level the price reaches first is always the last one: a price update compares
 * with `top` only, and a sweep pops from the end.
 */
class SideBook {
  private readonly keys: number[] = [];
  /** Per key: USD per tier, then base-asset quantity per tier, then the number of positions per tier. */
  private readonly rows: Float64Array[] = [];
  /** Key of the level nearest the price; −Infinity when empty. */
  top = -Infinity;

  constructor(readonly tierCount: number) {}

  get length(): number {
    return this.keys.length;
  }

  keyAt(i: number): number {
    return this.keys[i]!;
  }

  usdAt(i: number): number {
    const row = this.rows[i]!;
    let usd = 0;
    for (let t = 0; t < this.tierCount; t++) usd += row[t]!;
    return usd;
  }

  add(key: number, tier: number, usd: number, qty: number): void {
    const { keys, rows } = this;
    let lo = 0;
    let hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (keys[mid]! < key) lo = mid + 1;
      else hi = mid;
    }
    let row = rows[lo];
    if (keys[lo] !== key || !row) {
      row = new Float64Array(3 * this.tierCount);
      keys.splice(lo, 0, key);
      rows.splice(lo, 0, row);
    }
    row[tier]! += usd;
    row[this.tierCount + tier]! += qty;
    row[2 * this.tierCount + tier]! += 1;
    this.top = keys[keys.length - 1]!;
  }

  /** Liquidates every level whose key is ≥ `threshold` into `swept`. */
  sweepFrom(threshold: number, swept: Sweep): void {
    const { keys, rows, tierCount } = this;
    while (keys.length > 0 && keys[keys.length - 1]! >= threshold) {
      keys.pop();
      const row = rows.pop()!;
      for (let t = 0; t < tierCount; t++) {
        swept.qty += row[tierCount + t]!;
        swept.positions += row[2 * tierCount + t]!;
      }
    }
    this.top = keys.length > 0 ? keys[keys.length - 1]! : -Infinity;
  }

  /** Adds the USD per tier of the levels with keys in [minKey, maxKey] to `out`. */
  addTierUsd(minKey: number, maxKey: number, out: number[]): void {
    const { keys, rows, tierCount } = this;
    for (let i = 0; i < keys.length; i++) {
      if (keys[i]! < minKey || keys[i]! > maxKey) continue;
      for (let t = 0; t < tierCount; t++) out[t]! += rows[i]![t]!;
    }
  }

  /** Multiplies every level by `factor` and drops the amounts that became dust. */
  shrink(factor: number): void {
    const { keys, rows, tierCount } = this;
    let kept = 0;
    for (let i = 0; i < keys.length; i++) {
      const row = rows[i]!;
      let alive = false;
      for (let t = 0; t < tierCount; t++) {
        const usd = row[t]! * factor;
        if (usd >= DUST_USD) {
          row[t] = usd;
          row[tierCount + t]! *= factor;
          alive = true;
        } else {
          row[t] = 0;
          row[tierCount + t] = 0;
          row[2 * tierCount + t] = 0;
        }
      }
      if (alive) {
        keys[kept] = keys[i]!;
        rows[kept] = row;
        kept++;
      }
    }
    keys.length = kept;
    rows.length = kept;
    this.top = kept > 0 ? keys[kept - 1]! : -Infinity;
  }
}

/**
 * Outstanding USD per side × leverage tier × price bucket. A level is liquidated when the price reaches
 * its bucket: bucket(low) ≤ bucket for a long, bucket(high) ≥ bucket for a short. As a position's exact
 * liquidation price lies inside its bucket, this is inclusive of the exact price (never late) and at most
 * one bucket (≈ 0.1%) early.
 */
export class PositionBook {
  private readonly longs: SideBook;
  private readonly shorts: SideBook;
  private snapshotCache: BookSnapshot | null = null;

  constructor(tierCount: number) {
    this.longs = new SideBook(tierCount);
    this.shorts = new SideBook(tierCount);
  }

  /** Adds `usd` (`qty` in base asset) to a level; returns false (and adds nothing) for dust. */
  add(side: Side, tier: number, bucket: number, usd: number, qty: number): boolean {
    if (!(usd >= DUST_USD)) return false;
    if (side === 'long') this.longs.add(bucket, tier, usd, qty);
    else this.shorts.add(-bucket, tier, usd, qty);
    this.snapshotCache = null;
    return true;
  }

  /** Liquidates the levels the price range [lowBucket, highBucket] reached. O(1) when none. */
  consume(lowBucket: number, highBucket: number): Sweep {
    const longHit = this.longs.top >= lowBucket;
    const shortHit = this.shorts.top >= -highBucket;
    if (!longHit && !shortHit) return NOTHING_SWEPT;
    const swept = { positions: 0, qty: 0 };
    if (longHit) this.longs.sweepFrom(lowBucket, swept);
    if (shortHit) this.shorts.sweepFrom(-highBucket, swept);
    this.snapshotCache = null;
    return swept;
  }

  /** Proportional closing: every level × `factor` (0..1), dust dropped. */
  shrink(factor: number): void {
    this.longs.shrink(factor);
    this.shorts.shrink(factor);
    this.snapshotCache = null;
  }

  /** USD per leverage tier of the buckets [lowBucket, highBucket], per side. */
  tierUsd(lowBucket: number, highBucket: number): { long: number[]; short: number[] } {
    const tiers = this.longs.tierCount;
    const long = new Array<number>(tiers).fill(0);
    const short = new Array<number>(tiers).fill(0);
    this.longs.addTierUsd(lowBucket, highBucket, long);
    this.shorts.addTierUsd(-highBucket, -lowBucket, short);
    return { long, short };
  }

  /** Per-bucket totals, cached until the book changes (frames and columns of one instant share it). */
  snapshot(): BookSnapshot {
    return (this.snapshotCache ??= this.merge());
  }

  private merge(): BookSnapshot {
    const { longs, shorts } = this;
    const buckets: number[] = [];
    const long: number[] = [];
    const short: number[] = [];
    // Longs are ascending by bucket; shorts are ascending by −bucket, so walk them backwards.
    let l = 0;
    let s = shorts.length - 1;
    while (l < longs.length || s >= 0) {
      const lb = l < longs.length ? longs.keyAt(l) : Infinity;
      const sb = s >= 0 ? -shorts.keyAt(s) : Infinity;
      const bucket = Math.min(lb, sb);
      buckets.push(bucket);
      long.push(lb === bucket ? longs.usdAt(l++) : 0);
      short.push(sb === bucket ? shorts.usdAt(s--) : 0);
    }
    return { buckets: Int32Array.from(buckets), long: Float64Array.from(long), short: Float64Array.from(short) };
  }
}
