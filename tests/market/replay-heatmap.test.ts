import { afterEach, describe, expect, it } from 'vitest';
import { HeatmapEngine } from '../../src/heatmap/index.js';
import { ReplaySource } from '../../src/market/replay.js';
import { archiveTree, dailyPath } from '../support/archive-tree.js';
import {
  btcMarkPriceKlines,
  expectedBtcLevels,
  LAST_PRICE,
  REPLAY_FIXTURE_DIR,
  replayFixture,
} from '../support/replay-fixture.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

/** Replays `dir` at max speed into a BTCUSDT engine and returns its last frame. */
async function replayedFrame(dir: string) {
  const engine = new HeatmapEngine({ symbol: 'BTCUSDT' });
  const source = new ReplaySource({ symbols: ['BTCUSDT'], dir, speed: 'max' });
  cleanups.push(() => source.stop());
  await source.start((event) => engine.ingest(event));
  await expect.poll(() => source.health().state).toBe('stopped');
  return engine.frame()!;
}

function expectLevels(frame: ReturnType<HeatmapEngine['frame']>, expected: ReturnType<typeof expectedBtcLevels>) {
  expect(frame!.levels.map((level) => level.price)).toEqual(expected.map((level) => level.price));
  frame!.levels.forEach((level, i) => {
    expect(level.long, `long at ${level.price}`).toBeCloseTo(expected[i]!.long, 1);
    expect(level.short, `short at ${level.price}`).toBeCloseTo(expected[i]!.short, 1);
  });
}

describe('replay of the shipped fixture into the heatmap model (levels computed by hand)', () => {
  it('without mark prices, liquidates on trades: the wick to 42,030 takes the 100x long', async () => {
    const frame = await replayedFrame(REPLAY_FIXTURE_DIR);
    expect(frame.priceStep).toBe(50);
    // The last trade (00:13:25.5 at 42169.9); klines and ETH rows do not move the BTC price.
    expect(frame.currentPrice).toBe(LAST_PRICE);
    expectLevels(frame, expectedBtcLevels('trades'));
  });

  it('with the archive’s mark-price klines, liquidates on mark prices: the 100x long survives the wick', async () => {
    const { dir, remove } = await archiveTree({
      [dailyPath('aggTrades', 'BTCUSDT', '2024-01-01')]: await replayFixture('BTCUSDT-aggTrades-2024-01-01.csv'),
      [dailyPath('klines', 'BTCUSDT', '2024-01-01')]: await replayFixture('BTCUSDT-1m-2024-01-01.csv'),
      [dailyPath('markPriceKlines', 'BTCUSDT', '2024-01-01')]: await btcMarkPriceKlines(),
      [dailyPath('metrics', 'BTCUSDT', '2024-01-01')]: await replayFixture('BTCUSDT-metrics-2024-01-01.csv'),
    });
    cleanups.push(remove);
    const frame = await replayedFrame(dir);
    expect(frame.currentPrice).toBe(LAST_PRICE);
    expectLevels(frame, expectedBtcLevels('mark'));
  });
});
