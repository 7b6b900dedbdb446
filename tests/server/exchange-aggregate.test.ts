import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FRAME_FIELDS, httpQuery, record, wsClient, type Frame } from '../support/graphql-clients.js';
import { startFedBybit, startFedExchange, startFedOkx, type FedExchange } from '../support/fed-exchange.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { waitFor } from '../client/wait.js';

/**
 * Binance, Bybit and OKX at once, each a fake exchange fed live, through the real server: the books of
 * a symbol sum per bucket on one grid, and one exchange whose feed stalls drops out of the frames,
 * visibly, while the other two keep streaming (docs/architecture.md, "Exchanges").
 */
type Level = { price: number; long: number; short: number };
interface Snapshot {
  exchanges: string[];
  priceStep: number;
  levels: Level[];
}

describe('three exchanges aggregated, through the real server', () => {
  let feds: FedExchange[];
  let bybit: FedExchange;
  let server: TestServer;
  let binanceOpenInterest: NodeJS.Timeout;

  const allLive = async () =>
    (
      await httpQuery<{ marketSource: { exchanges: Array<{ state: string }> } }>(
        server.httpUrl,
        '{ marketSource { exchanges { state } } }',
      )
    ).body.data?.marketSource.exchanges.every((feed) => feed.state === 'LIVE');

  beforeAll(async () => {
    const binance = await startFedExchange();
    feds = [binance, (bybit = await startFedBybit()), await startFedOkx()];
    // Binance's open interest is polled: let it rise, so its book fills like the other two.
    let openInterest = 80_000;
    binanceOpenInterest = setInterval(() => binance.exchange.setOpenInterest('BTCUSDT', (openInterest += 5)), 200);
    server = await startTestServer({
      ...Object.assign({}, ...feds.map((fed) => fed.serverEnv)),
      EXCHANGES: 'binance,bybit,okx',
    });
    await waitFor(allLive, 'every feed live', 30_000, 100);
  }, 60_000);

  afterAll(async () => {
    clearInterval(binanceOpenInterest);
    await server?.stop();
    await Promise.all((feds ?? []).map((fed) => fed.close()));
  });

  /** Per price, the summed long and short USD of some level lists. */
  const byPrice = (...lists: Level[][]) => {
    const sums = new Map<number, { long: number; short: number }>();
    for (const level of lists.flat()) {
      const sum = sums.get(level.price) ?? { long: 0, short: 0 };
      sum.long += level.long;
      sum.short += level.short;
      sums.set(level.price, sum);
    }
    return sums;
  };
  const expectSameBuckets = (actual: Map<number, Level | { long: number; short: number }>, expected: typeof actual) => {
    expect([...actual.keys()].sort((a, b) => a - b)).toEqual([...expected.keys()].sort((a, b) => a - b));
    for (const [price, sum] of expected) {
      expect(actual.get(price)!.long).toBeCloseTo(sum.long, 2);
      expect(actual.get(price)!.short).toBeCloseTo(sum.short, 2);
    }
  };

  it(
    "an aggregate's USD is the sum of its parts, per bucket (frames and a heatmap cell)",
    { timeout: 60_000 },
    async () => {
      await expect.poll(allLive, { timeout: 15_000 }).toBe(true);
      const fields = 'exchanges priceStep levels { price long short }';
      // One request: the snapshots are the latest frames of one publisher tick. Asked until every book has levels.
      const query = () =>
        httpQuery<Record<'all' | 'binance' | 'bybit' | 'okx' | 'pair', Snapshot>>(
          server.httpUrl,
          `{ all: snapshot(symbol: "BTCUSDT") { ${fields} }
         binance: snapshot(symbol: "BTCUSDT", exchanges: [BINANCE]) { ${fields} }
         bybit: snapshot(symbol: "BTCUSDT", exchanges: [BYBIT]) { ${fields} }
         okx: snapshot(symbol: "BTCUSDT", exchanges: [OKX]) { ${fields} }
         pair: snapshot(symbol: "BTCUSDT", exchanges: [OKX, BYBIT, OKX]) { ${fields} } }`,
        );
      const { body } = await waitFor(
        async () => {
          const answer = await query();
          const { binance, bybit, okx } = answer.body.data ?? {};
          return [binance, bybit, okx].every((part) => part && part.levels.length > 0) ? answer : null;
        },
        'levels in every book',
        40_000,
        200,
      );
      expect(body.errors).toBeUndefined();
      const { all, binance, bybit: bybitPart, okx, pair } = body.data!;
      expect(all.exchanges).toEqual(['BINANCE', 'BYBIT', 'OKX']);
      expect(pair.exchanges).toEqual(['BYBIT', 'OKX']);
      for (const part of [binance, bybitPart, okx]) {
        expect(part.levels.length).toBeGreaterThan(0);
        // One bucket grid per symbol, whoever fixed it.
        expect(part.priceStep).toBe(all.priceStep);
      }
      const asMap = (levels: Level[]) => new Map(levels.map((level) => [level.price, level]));
      expectSameBuckets(asMap(all.levels), byPrice(binance.levels, bybitPart.levels, okx.levels));
      expectSameBuckets(asMap(pair.levels), byPrice(bybitPart.levels, okx.levels));

      // The heatmap's largest live cell, broken down by exchange and leverage tier.
      const heatmap = (
        await httpQuery<{
          heatmap: {
            exchanges: string[];
            from: string;
            intervalSeconds: number;
            columns: number;
            priceMin: number;
            rowStep: number;
            cells: number[][];
          };
        }>(
          server.httpUrl,
          '{ heatmap(symbol: "BTCUSDT", window: H12) { exchanges from intervalSeconds columns priceMin rowStep cells } }',
        )
      ).body.data!.heatmap;
      expect(heatmap.exchanges).toEqual(['BINANCE', 'BYBIT', 'OKX']);
      const live = heatmap.cells.filter(([column]) => column === heatmap.columns - 1);
      const [, row] = live.reduce((a, b) => (a[2]! + a[3]! >= b[2]! + b[3]! ? a : b));
      const cell = (
        await httpQuery<{
          heatmapCell: {
            long: number;
            short: number;
            exchanges: Array<{
              exchange: string;
              long: number;
              short: number;
              tiers: Array<{ leverage: number; long: number; short: number }>;
            }>;
          };
        }>(
          server.httpUrl,
          `query ($time: DateTime!, $low: Float!, $high: Float!) {
          heatmapCell(symbol: "BTCUSDT", window: H12, time: $time, priceLow: $low, priceHigh: $high) {
            long short exchanges { exchange long short tiers { leverage long short } } } }`,
          {
            time: new Date(
              Date.parse(heatmap.from) + (heatmap.columns - 1) * heatmap.intervalSeconds * 1000,
            ).toISOString(),
            low: heatmap.priceMin + row! * heatmap.rowStep,
            high: heatmap.priceMin + (row! + 1) * heatmap.rowStep,
          },
        )
      ).body.data!.heatmapCell;
      expect(cell.exchanges.map((part) => part.exchange)).toEqual(['BINANCE', 'BYBIT', 'OKX']);
      expect(cell.long + cell.short).toBeGreaterThan(0);
      const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
      expect(cell.long).toBeCloseTo(sum(cell.exchanges.map((part) => part.long)), 1);
      for (const part of cell.exchanges) {
        expect(part.tiers.map((tier) => tier.leverage)).toEqual([5, 10, 25, 50, 100]);
        expect(part.long).toBeCloseTo(sum(part.tiers.map((tier) => tier.long)), 1);
        expect(part.short).toBeCloseTo(sum(part.tiers.map((tier) => tier.short)), 1);
      }
    },
  );

  it("one exchange's feed stalled: its frames drop it from `exchanges`, the other two keep streaming", async () => {
    await expect.poll(allLive, { timeout: 15_000 }).toBe(true);
    const client = wsClient(server.wsUrl);
    const query = `subscription ($exchanges: [Exchange!]) {
      heatmapUpdated(symbols: ["BTCUSDT"], exchanges: $exchanges) { exchanges ${FRAME_FIELDS} } }`;
    type Update = { heatmapUpdated: Frame & { exchanges: string[] } };
    const aggregate = record<Update>(client, query, {});
    const binanceOnly = record<Update>(client, query, { exchanges: ['BINANCE'] });
    const frames = (sub: typeof aggregate) => sub.frames() as Array<Update['heatmapUpdated']>;
    try {
      await aggregate.until(() => frames(aggregate).some((f) => f.exchanges.length === 3));
      bybit.exchange.refuseConnections(true);
      bybit.exchange.stall();
      bybit.feeding = false;
      await aggregate.until(() => frames(aggregate).some((f) => f.exchanges.join() === 'BINANCE,OKX'), 20_000);
      // The other two go on: more frames without Bybit, seq rising; Binance's own stream goes on too.
      const dropped = frames(aggregate).findIndex((f) => f.exchanges.join() === 'BINANCE,OKX');
      await aggregate.until(() => frames(aggregate).length >= dropped + 3);
      const after = frames(aggregate).slice(dropped);
      expect(after.every((f) => f.exchanges.join() === 'BINANCE,OKX')).toBe(true);
      expect(after.map((f) => f.seq)).toEqual([...after.map((f) => f.seq)].sort((a, b) => a - b));
      const binanceSeen = frames(binanceOnly).length;
      await binanceOnly.until(() => frames(binanceOnly).length >= binanceSeen + 2);
      expect(frames(binanceOnly).every((f) => f.exchanges.join() === 'BINANCE')).toBe(true);

      // Visible in the feeds' states too.
      const { body } = await httpQuery<{
        marketSource: { state: string; detail: string; exchanges: Array<{ exchange: string; state: string }> };
        symbols: Array<{ exchanges: Array<{ exchange: string; state: string }> }>;
      }>(
        server.httpUrl,
        '{ marketSource { state detail exchanges { exchange state } } symbols { exchanges { exchange state } } }',
      );
      const bybitState = (feeds: Array<{ exchange: string; state: string }>) =>
        feeds.find((feed) => feed.exchange === 'BYBIT')!.state;
      expect(bybitState(body.data!.marketSource.exchanges)).toMatch(/DEGRADED|CONNECTING/);
      expect(bybitState(body.data!.symbols[0]!.exchanges)).toMatch(/DEGRADED|CONNECTING/);
      expect(body.data!.marketSource.detail).toMatch(/^bybit: /);
      expect(aggregate.error).toBeUndefined();
    } finally {
      bybit.exchange.refuseConnections(false);
      bybit.feeding = true;
    }
    // Back: the aggregate holds all three again.
    const seen = frames(aggregate).length;
    await aggregate.until(
      () =>
        frames(aggregate)
          .slice(seen)
          .some((f) => f.exchanges.join() === 'BINANCE,BYBIT,OKX'),
      30_000,
    );
    await client.dispose();
  });
});
