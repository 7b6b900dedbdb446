import { describe, expect, it } from 'vitest';
import { bucketSizeFor, PriceBuckets } from '../../src/heatmap/price-buckets.js';

describe('bucketSizeFor', () => {
  it.each([
    [100_000, 100], // 0.1% = 100 → 1·10²
    [97_000, 100], //  97 → 9.7·10¹, nearest round step 10·10¹
    [60_000, 50], //   60 → 6·10¹, nearer 5 than 10 (ratio 1.2 vs 1.67)
    [3_000, 2.5], //   3 → nearer 2.5 (ratio 1.2) than 5 (1.67)
    [150, 0.2], //     0.15 → 1.5·10⁻¹, nearer 2 (1.33) than 1 (1.5)
    [0.4, 0.0005], //  0.0004 → 4·10⁻⁴, nearer 5 (1.25) than 2.5 (1.6)
  ])('%f → %f', (price, size) => {
    expect(bucketSizeFor(price)).toBe(size);
  });
});

describe('PriceBuckets', () => {
  it('puts a price on an edge into the bucket starting there, despite float division', () => {
    const sol = new PriceBuckets(0.2);
    expect(150.2 / 0.2).toBeLessThan(751); // 750.999…: why the epsilon exists
    expect(sol.indexOf(150.2)).toBe(751);
    expect(sol.indexOf(150.3999)).toBe(751);
    expect(sol.priceOf(751)).toBe(150.2);
  });

  it('gives lower edges without float noise', () => {
    expect(new PriceBuckets(2.5).priceOf(1201)).toBe(3002.5);
    expect(new PriceBuckets(100).indexOf(99_999.99)).toBe(999);
    expect(new PriceBuckets(0.0005).priceOf(795)).toBe(0.3975);
  });
});
