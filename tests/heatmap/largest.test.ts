import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { largestMask } from '../../src/heatmap/largest.js';

describe('largestMask', () => {
  it('keeps the largest, ties to the earlier ones', () => {
    expect([...largestMask(Float64Array.from([5, 1, 7, 5, 3]), 2)]).toEqual([1, 0, 1, 0, 0]);
    expect([...largestMask(Float64Array.from([2, 2, 2]), 2)]).toEqual([1, 1, 0]);
    expect([...largestMask(Float64Array.from([4, 9]), 5)]).toEqual([1, 1]);
  });

  it('property: keeps exactly min(n, limit) values, and they are the largest', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 30 }), { maxLength: 300 }),
        fc.integer({ min: 1, max: 60 }),
        (values, limit) => {
          const mask = largestMask(Float64Array.from(values), limit);
          const kept = values.filter((_, i) => mask[i]).sort((a, b) => b - a);
          expect(kept).toEqual([...values].sort((a, b) => b - a).slice(0, limit));
        },
      ),
    );
  });
});
