import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archiveTree, dailyPath } from '../support/archive-tree.js';
import { httpQuery } from '../support/graphql-clients.js';
import { btcMarkPriceKlines, expectedBtcLevels, LAST_PRICE, replayFixture } from '../support/replay-fixture.js';
import { startTestServer, type TestServer } from '../support/server.js';

interface Level {
  price: number;
  long: number;
  short: number;
}

let server: TestServer;
let archiveDir: string;
let removeTree: () => Promise<void>;
beforeAll(async () => {
  // The archive as a user downloads it: daily zips with .CHECKSUM siblings in the archive's own tree,
  // mark-price klines included, and a type the replay does not read.
  const tree = await archiveTree({
    [dailyPath('aggTrades', 'BTCUSDT', '2024-01-01')]: await replayFixture('BTCUSDT-aggTrades-2024-01-01.csv'),
    [dailyPath('klines', 'BTCUSDT', '2024-01-01')]: await replayFixture('BTCUSDT-1m-2024-01-01.csv'),
    [dailyPath('markPriceKlines', 'BTCUSDT', '2024-01-01')]: await btcMarkPriceKlines(),
    [dailyPath('metrics', 'BTCUSDT', '2024-01-01')]: await replayFixture('BTCUSDT-metrics-2024-01-01.csv'),
    [dailyPath('bookTicker', 'BTCUSDT', '2024-01-01')]: 'update_id,best_bid_price\n',
  });
  removeTree = tree.remove;
  archiveDir = tree.dir;
  server = await startTestServer({
    MARKET_SOURCE: 'replay',
    REPLAY_DIR: tree.dir,
    REPLAY_SPEED: 'max',
    SYMBOLS: 'BTCUSDT',
  });
});
afterAll(async () => {
  await server?.stop();
  await removeTree?.();
});

const snapshotOf = async (target: TestServer) =>
  (
    await httpQuery<{ snapshot: { currentPrice: number; levels: Level[] } | null }>(
      target.httpUrl,
      'query ($s: String!) { snapshot(symbol: $s) { currentPrice levels { price long short } } }',
      { s: 'BTCUSDT' },
    )
  ).body.data!.snapshot;

describe('MARKET_SOURCE=replay over a zipped archive tree with mark-price klines, through the real server', () => {
  it('serves the levels computed by hand, liquidated on mark prices, and reports what it read', async () => {
    const source = async () =>
      (
        await httpQuery<{ marketSource: { state: string; detail: string; errors: number } }>(
          server.httpUrl,
          '{ marketSource { state detail errors } }',
        )
      ).body.data!.marketSource;
    await expect.poll(async () => (await source()).state, { timeout: 30_000 }).toBe('STOPPED');
    expect(await source()).toEqual({
      state: 'STOPPED',
      errors: 0,
      detail:
        'replay finished: 63 events (29 trades, 15 klines, 15 mark-price klines, 4 open-interest points) ' +
        'from 4 file(s); 0 file(s) failed, 0 malformed row(s) skipped',
    });

    const expected = expectedBtcLevels('mark');
    const snapshot = async () => (await snapshotOf(server))!;
    // The publisher publishes the final book on its next tick.
    await expect
      .poll(async () => (await snapshot())?.levels.map((level) => level.price), { timeout: 30_000 })
      .toEqual(expected.map((level) => level.price));
    const { currentPrice, levels } = await snapshot();
    expect(currentPrice).toBe(LAST_PRICE);
    levels.forEach((level, i) => {
      expect(level.long, `long at ${level.price}`).toBeCloseTo(expected[i]!.long, 1);
      expect(level.short, `short at ${level.price}`).toBeCloseTo(expected[i]!.short, 1);
    });
    // The 100x long at 42,050 is there: the last price wicked through it, the mark price did not.
    expect(levels.find((level) => level.price === 42_050)!.long).toBeGreaterThan(2_500);
  });

  it('prices levels with the table of MARGIN_BRACKETS_FILE', async () => {
    // A made-up BTCUSDT table in the shape of GET /fapi/v1/leverageBracket: tier 1 at MMR 1%.
    const file = join(archiveDir, 'brackets.json');
    await writeFile(
      file,
      JSON.stringify([
        {
          symbol: 'BTCUSDT',
          brackets: [
            { bracket: 1, initialLeverage: 100, notionalCap: 1e6, notionalFloor: 0, maintMarginRatio: 0.01, cum: 0 },
          ],
        },
      ]),
    );
    const withTable = await startTestServer({
      MARKET_SOURCE: 'replay',
      REPLAY_DIR: archiveDir,
      REPLAY_SPEED: 'max',
      SYMBOLS: 'BTCUSDT',
      MARGIN_BRACKETS_FILE: file,
    });
    try {
      // 5x longs at EP·0.8/0.99: step C 42,177.3225 → 34,082.68 → 34,050; step A 42,310.778 → 34,190.53 → 34,150
      // (with the shipped MMR 0.4%: 33,850 and 33,950).
      await expect
        .poll(async () => (await snapshotOf(withTable))?.levels.slice(0, 2).map((level) => level.price), {
          timeout: 30_000,
        })
        .toEqual([34_050, 34_150]);
    } finally {
      await withTable.stop();
    }
  });
});
