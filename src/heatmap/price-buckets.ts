import type { PriceTick } from '../market/price-tick.js';

/** Bucket size ≈ 0.1% of price: fine enough to separate the 100x levels (±0.6%) from the price. */
const TARGET_FRACTION = 0.001;
const ROUND_STEPS = [1, 2, 2.5, 5, 10];

/** ≈ 0.1% of `price`, snapped to the nearest (in ratio) round step 1, 2, 2.5 or 5 × 10^k: $100 for BTC near 100k. */
export function bucketSizeFor(price: number): number {
  const target = price * TARGET_FRACTION;
  const exponent = Math.floor(Math.log10(target));
  const mantissa = target / 10 ** exponent;
  let best = 1;
  for (const step of ROUND_STEPS) {
    if (Math.abs(Math.log(step / mantissa)) < Math.abs(Math.log(best / mantissa))) best = step;
  }
  // Dividing by 10^−k rather than multiplying by 10^k keeps sizes like 0.2 exact.
  return exponent >= 0 ? best * 10 ** exponent : best / 10 ** -exponent;
}

/**
 * Price ↔ bucket index for a fixed bucket size. Bucket i covers [i·size, (i+1)·size) and is shown at its
 * lower edge. The size is fixed for an engine's life so levels keep their keys as the price moves.
 */
export class PriceBuckets {
  /** Decimal places of the size, to print edges like 150.2 instead of 150.20000000000002. */
  private readonly scale: number;

  constructor(readonly size: number) {
    this.scale = 10 ** Math.max(0, -Math.floor(Math.log10(size)) + 1);
  }

  indexOf(price: number): number {
    // The epsilon keeps a price lying exactly on an edge (150.2 / 0.2 = 750.999…) in the bucket that starts there.
    return Math.floor(price / this.size + 1e-9);
  }

  /** Lower edge of bucket `index`; also the price height of `index` buckets. */
  priceOf(index: number): number {
    return Math.round(index * this.size * this.scale) / this.scale;
  }
}

/**
 * One symbol's bucket grid, shared by its engines of every exchange (docs/architecture.md): whichever
 * engine sees a price first fixes the size, so the same price lands in the same bucket on every
 * exchange and their books sum per bucket.
 */
export class BucketGrid {
  private fixed: PriceBuckets | null = null;

  /** The grid, fixed now from `price` (on whole ticks when the tick is known) unless it already is. */
  at(price: number, tick: PriceTick | null): PriceBuckets {
    return (this.fixed ??= new PriceBuckets(tick ? tick.multipleOf(bucketSizeFor(price)) : bucketSizeFor(price)));
  }
}
