import { describe, expect, it } from 'vitest';
import type { MarketEvent, OlderHistory } from '../../src/market/index.js';
import { combinedHistoryStatus, HistoryBackfill } from '../../src/server/history-backfill.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const SYMBOLS = ['AAAUSDT', 'BBBUSDT'];

/** An engine that only remembers what it was fed. */
class Recorder {
  readonly events: MarketEvent[] = [];
  ingest(event: MarketEvent): void {
    this.events.push(event);
  }
}

const price = (symbol: string, time: number): MarketEvent => ({
  kind: 'markPrice',
  symbol,
  time,
  price: time / MINUTE,
});

/** A day at start, then the week in two stages (3 and 7 days), a day per chunk, over `engines`. */
const weekInTwoStages = (engines: Map<string, Recorder>) => ({
  engines,
  create: () => new Recorder(),
  keyOf: (event: MarketEvent) => event.symbol,
  recentMs: DAY,
  targetMs: 7 * DAY,
  warmUpMs: 6 * HOUR,
  stageReachesMs: [3 * DAY, 7 * DAY],
  chunkMs: DAY,
});

describe('HistoryBackfill', () => {
  it('swaps in engines fed the older history then every live event, none lost or doubled, live ones arriving meanwhile', async () => {
    const engines = new Map(SYMBOLS.map((symbol) => [symbol, new Recorder()]));
    const recentFrom = Date.UTC(2026, 0, 15);
    let live = recentFrom;
    const delivered: MarketEvent[] = [];
    let backfill: HistoryBackfill<string, Recorder> | null = null;
    const deliverLive = () => {
      for (const symbol of SYMBOLS) {
        const event = price(symbol, (live += 1000));
        delivered.push(event);
        backfill!.deliver(event);
      }
    };
    const fetched: Array<[number, number]> = [];
    const history: OlderHistory = {
      recentFrom: () => recentFrom,
      async fetch(from, to) {
        fetched.push([from, to]);
        // Live events keep coming while the older history is on its way.
        await new Promise((resolve) => setImmediate(resolve));
        deliverLive();
        const events: MarketEvent[] = [];
        for (let t = Math.ceil(from / HOUR) * HOUR; t < to; t += HOUR)
          for (const s of SYMBOLS) events.push(price(s, t));
        return events;
      },
    };
    backfill = new HistoryBackfill(
      {
        ...weekInTwoStages(engines),
      },
      history,
    );
    for (const symbol of SYMBOLS) {
      const instrument: MarketEvent = { kind: 'instrument', symbol, time: recentFrom, tickSize: 0.1 };
      delivered.push(instrument);
      backfill.deliver(instrument);
    }
    deliverLive();
    const first = engines.get('AAAUSDT')!;
    expect(backfill.status()).toEqual({ loadedFrom: null, targetFrom: null, done: false, failed: null });

    const running = backfill.run();
    expect(backfill.status()).toMatchObject({ loadedFrom: recentFrom, done: false });
    await running;
    deliverLive();

    const status = backfill.status()!;
    expect(status.done).toBe(true);
    expect(status.failed).toBeNull();
    expect(status.loadedFrom).toBe(status.targetFrom);
    expect(status.loadedFrom).toBe(recentFrom - 6 * DAY - 6 * HOUR);
    // Two stages, each fetching its whole range, oldest first and contiguous.
    expect(fetched[0]![0]).toBe(recentFrom - 2 * DAY - 6 * HOUR);
    expect(fetched.at(-1)![1]).toBe(recentFrom);

    for (const symbol of SYMBOLS) {
      const engine = engines.get(symbol)!;
      const older = [];
      for (let t = Math.ceil(status.loadedFrom! / HOUR) * HOUR; t < recentFrom; t += HOUR) older.push(price(symbol, t));
      const mine = delivered.filter((event) => event.symbol === symbol);
      // The instrument first (it holds for the older history too), the older history, then every live event.
      expect(engine.events).toEqual([mine[0], ...older, ...mine]);
    }
    expect(engines.get('AAAUSDT')).not.toBe(first);
  });

  it('without older history (replay) it has no status and leaves the engines alone', async () => {
    const engines = new Map([['AAAUSDT', new Recorder()]]);
    const backfill = new HistoryBackfill(
      {
        engines,
        create: () => new Recorder(),
        keyOf: (event) => event.symbol,
        recentMs: DAY,
        targetMs: 30 * DAY,
        warmUpMs: 0,
        stageReachesMs: [],
        chunkMs: DAY,
      },
      undefined,
    );
    const engine = engines.get('AAAUSDT');
    backfill.deliver(price('AAAUSDT', 0));
    await backfill.run();
    expect(backfill.status()).toBeNull();
    expect(engines.get('AAAUSDT')).toBe(engine);
    expect(engine!.events).toEqual([price('AAAUSDT', 0)]);
  });

  it('gives up on a chunk that keeps failing: keeps the stages already swapped in, and its status says why', async () => {
    const engines = new Map(SYMBOLS.map((symbol) => [symbol, new Recorder()]));
    const recentFrom = Date.UTC(2026, 0, 15);
    const reachable = recentFrom - 3 * DAY;
    const failedFetches: Array<[number, number]> = [];
    const history: OlderHistory = {
      recentFrom: () => recentFrom,
      async fetch(from, to) {
        if (from < reachable) {
          failedFetches.push([from, to]);
          throw new Error('HTTP 503 Service Unavailable');
        }
        return SYMBOLS.map((symbol) => price(symbol, from));
      },
    };
    const backfill = new HistoryBackfill(
      {
        ...weekInTwoStages(engines),
        // Ten attempts 1 ms apart, doubling: well under a second in all.
        retryBaseMs: 1,
      },
      history,
    );

    await expect(backfill.run()).rejects.toThrow(/not fetched after 10 attempts: HTTP 503 Service Unavailable$/);
    // The oldest chunk of the second stage, ten times, and nothing after it.
    expect(failedFetches).toHaveLength(10);
    expect(new Set(failedFetches.map(([from, to]) => `${from}-${to}`)).size).toBe(1);
    const status = backfill.status()!;
    expect(status.done).toBe(false);
    expect(status.failed).toMatch(
      new RegExp(`^older history ${new Date(failedFetches[0]![0]).toISOString()} to .* after 10 attempts: HTTP 503`),
    );
    // The first stage stays in: the heatmaps keep the 3 days it loaded.
    expect(status.loadedFrom).toBe(recentFrom - 2 * DAY - 6 * HOUR);
    expect(status.targetFrom).toBe(recentFrom - 6 * DAY - 6 * HOUR);
    const serving = engines.get('AAAUSDT')!;
    expect(serving.events[0]).toEqual(price('AAAUSDT', status.loadedFrom!));
    // Live events still reach the serving engines.
    const live = price('AAAUSDT', recentFrom + 1000);
    backfill.deliver(live);
    expect(serving.events.at(-1)).toEqual(live);
  });

  it("combines several exchanges' statuses: the least loaded, done when all are, each failure named", () => {
    const loaded = (from: number) => ({ loadedFrom: from, targetFrom: 0, done: from === 0, failed: null });
    const gaveUp = (from: number, why: string) => ({ ...loaded(from), failed: why });
    expect(combinedHistoryStatus([{ exchange: 'binance', status: null }])).toBeNull();
    expect(combinedHistoryStatus([{ exchange: 'bybit', status: gaveUp(5, 'HTTP 503') }])).toEqual(
      gaveUp(5, 'HTTP 503'),
    );
    expect(
      combinedHistoryStatus([
        { exchange: 'binance', status: loaded(0) },
        { exchange: 'bybit', status: loaded(7) },
        { exchange: 'okx', status: loaded(3) },
      ]),
    ).toEqual(loaded(7));
    expect(
      combinedHistoryStatus([
        { exchange: 'binance', status: loaded(0) },
        { exchange: 'bybit', status: gaveUp(7, 'HTTP 503') },
        { exchange: 'okx', status: gaveUp(3, 'timeout') },
      ]),
    ).toEqual(gaveUp(7, 'bybit: HTTP 503; okx: timeout'));
  });
});
