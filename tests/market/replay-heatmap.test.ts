import { describe, expect, it } from 'vitest';
import { HeatmapEngine } from '../../src/heatmap/index.js';
import { ReplaySource } from '../../src/market/replay.js';
import { EXPECTED_LEVELS, LAST_PRICE, REPLAY_FIXTURE_DIR } from './replay-fixture.js';

describe('replay of the shipped fixture into the heatmap model', () => {
  it('produces the levels computed by hand', async () => {
    const engine = new HeatmapEngine({ symbol: 'BTCUSDT' });
    const source = new ReplaySource({
      symbols: ['BTCUSDT', 'ETHUSDT'],
      dir: REPLAY_FIXTURE_DIR,
      speed: 'max',
    });
    await source.start((event) => engine.ingest(event));
    await expect.poll(() => source.health().state).toBe('stopped');

    const frame = engine.frame();
    expect(frame).not.toBeNull();
    expect(frame!.priceStep).toBe(50);
    expect(frame!.currentPrice).toBe(LAST_PRICE);
    expect(frame!.levels.map((level) => level.price)).toEqual(EXPECTED_LEVELS.map((level) => level.price));
    frame!.levels.forEach((level, i) => {
      const expected = EXPECTED_LEVELS[i]!;
      expect(level.long, `long at ${level.price}`).toBeCloseTo(expected.long, 1);
      expect(level.short, `short at ${level.price}`).toBeCloseTo(expected.short, 1);
    });
  });
});
