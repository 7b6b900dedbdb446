import { describe, expect, it } from 'vitest';
import { planHistory } from '../../src/server/history-plan.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WINDOWS = [12 * HOUR, DAY, 3 * DAY, 7 * DAY, 30 * DAY];
const recentFrom = Date.UTC(2026, 0, 15, 9, 41, 17, 250);
const plan = (overrides: Partial<Parameters<typeof planHistory>[0]> = {}) =>
  planHistory({
    recentFrom,
    recentMs: DAY,
    targetMs: 30 * DAY,
    warmUpMs: 6 * HOUR,
    stageReachesMs: WINDOWS,
    chunkMs: DAY,
    ...overrides,
  });

describe('planHistory', () => {
  it('stages at each window reach beyond the start, the last at the target plus the warm-up', () => {
    const stages = plan();
    const floorMinute = (t: number) => Math.floor(t / MINUTE) * MINUTE;
    expect(stages.map((s) => s.from)).toEqual([
      floorMinute(recentFrom - 2 * DAY - 6 * HOUR),
      floorMinute(recentFrom - 6 * DAY - 6 * HOUR),
      floorMinute(recentFrom - 29 * DAY - 6 * HOUR),
    ]);
  });

  it("cuts each stage's range into contiguous chunks on day boundaries, ending where the start's history begins", () => {
    for (const stage of plan()) {
      expect(stage.chunks[0]!.from).toBe(stage.from);
      expect(stage.chunks.at(-1)!.to).toBe(recentFrom);
      for (const [i, chunk] of stage.chunks.entries()) {
        expect(chunk.to).toBeGreaterThan(chunk.from);
        expect(chunk.to - chunk.from).toBeLessThanOrEqual(DAY);
        if (i > 0) expect(chunk.from).toBe(stage.chunks[i - 1]!.to);
        if (i < stage.chunks.length - 1) expect(chunk.to % DAY).toBe(0);
      }
    }
  });

  it('plans nothing when the start already loads the target; a target between windows is a stage of its own', () => {
    expect(plan({ targetMs: DAY })).toEqual([]);
    expect(plan({ targetMs: 12 * HOUR })).toEqual([]);
    const stages = plan({ recentMs: 2 * HOUR, targetMs: 2 * DAY });
    expect(stages.map((s) => recentFrom - s.from)).toEqual([
      expect.closeTo(10 * HOUR + 6 * HOUR, -5),
      expect.closeTo(22 * HOUR + 6 * HOUR, -5),
      expect.closeTo(46 * HOUR + 6 * HOUR, -5),
    ]);
  });

  it('refuses a chunk size that would never end', () => {
    expect(() => plan({ chunkMs: 0 })).toThrow(/chunkMs/);
  });
});
