import { describe, expect, it } from 'vitest';
import {
  DEFAULT_LEVERAGE_TIERS,
  normalizeLeverageTiers,
  parseLeverageTiers,
} from '../../src/heatmap/leverage-tiers.js';

describe('leverage tiers', () => {
  it('defaults to 5x 15%, 10x 30%, 25x 25%, 50x 20%, 100x 10%', () => {
    expect(DEFAULT_LEVERAGE_TIERS.map((t) => [t.leverage, t.weight])).toEqual([
      [5, 0.15],
      [10, 0.3],
      [25, 0.25],
      [50, 0.2],
      [100, 0.1],
    ]);
  });

  it('parses the LEVERAGE_TIERS format and normalizes the weights', () => {
    // 1 + 3 = 4 → 0.25 and 0.75
    expect(parseLeverageTiers(' 10:1 , 50 : 3')).toEqual([
      { leverage: 10, weight: 0.25 },
      { leverage: 50, weight: 0.75 },
    ]);
    expect(parseLeverageTiers('5:15,10:30,25:25,50:20,100:10')).toEqual(DEFAULT_LEVERAGE_TIERS);
    expect(parseLeverageTiers('12.5:0.5')).toEqual([{ leverage: 12.5, weight: 1 }]);
  });

  it.each([
    ['', /leverage tier "": expected leverage:weight/],
    ['10:30,', /leverage tier "": expected leverage:weight/],
    ['10', /leverage tier "10": expected leverage:weight/],
    ['10:abc', /leverage tier "10:abc": expected leverage:weight/],
    ['-5:10', /leverage tier "-5:10": expected/],
    ['10:-1', /leverage tier "10:-1": expected/],
    ['0:10', /leverage tier 0x \(weight 10\): leverage must be a number ≥ 1/],
    ['0.5:10', /leverage tier 0.5x \(weight 10\): leverage must be a number ≥ 1/],
    ['10:30,25:0', /leverage tier 25x \(weight 0\): weight must be a number > 0/],
    ['10:30,10:5', /leverage tier 10x \(weight 5\): leverage 10x is listed twice/],
  ])('rejects %j', (spec, message) => {
    expect(() => parseLeverageTiers(spec)).toThrow(message);
  });

  it('validates tiers given as objects too', () => {
    expect(() => normalizeLeverageTiers([])).toThrow(/at least one tier/);
    expect(() => normalizeLeverageTiers([{ leverage: 10, weight: Number.NaN }])).toThrow(/weight must be a number > 0/);
  });
});
