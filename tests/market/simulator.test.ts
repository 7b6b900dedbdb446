import { describe, expect, it } from 'vitest';
import type { MarketEvent } from '../../src/market/events.js';
import { systemClock, type Clock } from '../../src/market/clock.js';
import { SimulatorSource } from '../../src/market/simulator/source.js';
import { ManualClock } from './manual-clock.js';

const START = Date.UTC(2026, 0, 15, 12, 0, 0);
const HOUR = 3600_000;

async function backfill(options: {
  seed: number;
  symbols?: string[];
  historyMs?: number;
  historyReachMs?: number;
  start?: number;
}): Promise<{
  events: MarketEvent[];
  source: SimulatorSource;
  clock: ManualClock;
}> {
  const clock = new ManualClock(options.start ?? START);
  const source = new SimulatorSource({
    symbols: options.symbols ?? ['BTCUSDT', 'ETHUSDT', 'SOLUSDT'],
    seed: options.seed,
    historyMs: options.historyMs ?? 2 * HOUR,
    ...(options.historyReachMs ? { historyReachMs: options.historyReachMs } : {}),
    clock,
  });
  const events: MarketEvent[] = [];
  await source.start((event) => events.push(event));
  return { events, source, clock };
}

function ofSymbol<K extends MarketEvent['kind']>(
  events: MarketEvent[],
  symbol: string,
  kind: K,
): Array<Extract<MarketEvent, { kind: K }>> {
  return events.filter((e): e is Extract<MarketEvent, { kind: K }> => e.symbol === symbol && e.kind === kind);
}

describe('simulator', () => {
  it('gives the same events, backfill and live, for the same seed and start time', async () => {
    const runs = await Promise.all([backfill({ seed: 7 }), backfill({ seed: 7 })]);
    for (const run of runs) run.clock.advance(5_000);
    await Promise.all(runs.map((run) => run.source.stop()));
    const [a, b] = runs.map((run) => run.events) as [MarketEvent[], MarketEvent[]];
    expect(a.length).toBeGreaterThan(1000);
    expect(a.some((e) => e.time > START)).toBe(true);
    expect(b).toEqual(a);
  });

  it('gives different events for a different seed or start time', async () => {
    const base = await backfill({ seed: 7 });
    const otherSeed = await backfill({ seed: 8 });
    const otherStart = await backfill({ seed: 7, start: START + 3_600_000 });
    await Promise.all([base, otherSeed, otherStart].map((run) => run.source.stop()));
    const prices = (events: MarketEvent[]): number[] => ofSymbol(events, 'BTCUSDT', 'markPrice').map((e) => e.price);
    expect(prices(otherSeed.events)).not.toEqual(prices(base.events));
    expect(otherStart.events.map((e) => e.time)).not.toEqual(base.events.map((e) => e.time));
  });

  it("keeps each symbol's stream independent of the other symbols configured", async () => {
    const alone = await backfill({ seed: 5, symbols: ['ETHUSDT'] });
    const together = await backfill({ seed: 5, symbols: ['BTCUSDT', 'ETHUSDT'] });
    await Promise.all([alone.source.stop(), together.source.stop()]);
    expect(together.events.filter((e) => e.symbol === 'ETHUSDT')).toEqual(alone.events);
  });

  it('prices each symbol on its own scale, unknown symbols on a stable hashed one', async () => {
    const { events, source } = await backfill({
      seed: 3,
      symbols: ['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'FOOUSDT', 'BARUSDT'],
    });
    const again = await backfill({ seed: 99, symbols: ['FOOUSDT'] });
    await Promise.all([source.stop(), again.source.stop()]);
    const range = (symbol: string, from = events): [number, number] => {
      const prices = ofSymbol(from, symbol, 'markPrice').map((e) => e.price);
      return [Math.min(...prices), Math.max(...prices)];
    };
    expect(range('BTCUSDT')[0]).toBeGreaterThan(80_000);
    expect(range('BTCUSDT')[1]).toBeLessThan(125_000);
    expect(range('ETHUSDT')[0]).toBeGreaterThan(2_400);
    expect(range('ETHUSDT')[1]).toBeLessThan(3_750);
    expect(range('SOLUSDT')[0]).toBeGreaterThan(120);
    expect(range('SOLUSDT')[1]).toBeLessThan(190);
    const [fooLow, fooHigh] = range('FOOUSDT');
    const [barLow] = range('BARUSDT');
    expect(fooLow).toBeGreaterThan(0.05);
    expect(fooHigh).toBeLessThan(2_000);
    expect(Math.abs(Math.log(barLow / fooLow))).toBeGreaterThan(0.1);
    // Same symbol, another seed: the path differs but the scale is the symbol's own.
    const [otherLow] = range('FOOUSDT', again.events);
    expect(Math.abs(Math.log(otherLow / fooLow))).toBeLessThan(0.3);
  });

  it('backfills 24 h for three symbols in time order, ending at the start time, within the event budget', async () => {
    const { events, source } = await backfill({ seed: 42, historyMs: 24 * HOUR });
    await source.stop();
    for (let i = 1; i < events.length; i++) {
      if (events[i]!.time < events[i - 1]!.time) throw new Error(`event ${i} goes back in time`);
    }
    expect(events[0]!.time).toBeGreaterThanOrEqual(START - 24 * HOUR - 10_000);
    expect(events[0]!.time).toBeLessThanOrEqual(START - 24 * HOUR + 10_000);
    expect(events.at(-1)!.time).toBe(START);
    expect(events.length).toBeGreaterThan(100_000);
    expect(events.length).toBeLessThan(400_000);
    // The last hour is at full (1 s) resolution, the older part coarser.
    const marks = ofSymbol(events, 'BTCUSDT', 'markPrice').map((e) => e.time);
    expect(marks.filter((t) => t > START - HOUR).length).toBe(3600);
    expect(marks[1]! - marks[0]!).toBe(10_000);
    // One closed 1m kline per minute per symbol.
    const klines = ofSymbol(events, 'BTCUSDT', 'kline');
    expect(klines.length).toBeGreaterThanOrEqual(1439);
    expect(
      klines.every((k) => k.closed && k.closeTime - k.openTime === 59_999 && k.low <= k.open && k.high >= k.close),
    ).toBe(true);
  });

  it('emits the market a heatmap needs: OI up and down, both taker sides, mark prices, liquidations of both sides', async () => {
    const { events, source } = await backfill({ seed: 42, historyMs: 24 * HOUR });
    await source.stop();
    for (const symbol of ['BTCUSDT', 'ETHUSDT', 'SOLUSDT']) {
      const oi = ofSymbol(events, symbol, 'openInterest').map((e) => e.openInterest);
      const deltas = oi.slice(1).map((value, i) => value - oi[i]!);
      expect(deltas.filter((d) => d > 0).length).toBeGreaterThan(deltas.length / 4);
      // Growth dominates (trends), decreases still come often (closing, flushes).
      expect(deltas.filter((d) => d < 0).length).toBeGreaterThan(deltas.length / 5);
      const trades = ofSymbol(events, symbol, 'trade');
      expect(trades.some((t) => t.takerBuy)).toBe(true);
      expect(trades.some((t) => !t.takerBuy)).toBe(true);
      expect(ofSymbol(events, symbol, 'markPrice').length).toBeGreaterThan(10_000);
    }
    const liquidations = events.filter((e) => e.kind === 'liquidation');
    expect(liquidations.some((e) => e.side === 'long')).toBe(true);
    expect(liquidations.some((e) => e.side === 'short')).toBe(true);
    // Liquidations come with flushes: open interest falls at the step of a force order.
    const liquidation = liquidations[0]!;
    const oi = ofSymbol(events, liquidation.symbol, 'openInterest');
    const at = oi.findIndex((e) => e.time === liquidation.time);
    expect(oi[at]!.openInterest).toBeLessThan(oi[at - 1]!.openInterest);
    // Sweeps: somewhere the price runs at least 1 % within ten minutes.
    const btc = ofSymbol(events, 'BTCUSDT', 'markPrice');
    const fastMove = btc.some((e, i) => {
      const later = btc.find((f, j) => j > i && f.time >= e.time + 600_000);
      return later !== undefined && Math.abs(later.price / e.price - 1) >= 0.01;
    });
    expect(fastMove).toBe(true);
  });

  it('runs live one step per stepMs on the clock, is live in health(), and stop() leaves no timer', async () => {
    const { events, source, clock } = await backfill({ seed: 1, historyMs: 60_000, symbols: ['BTCUSDT'] });
    expect(source.health()).toMatchObject({ source: 'simulator', state: 'live', connected: true, errors: 0 });
    const backfilled = events.length;
    clock.advance(2_500);
    const live = events.slice(backfilled);
    expect([...new Set(live.map((e) => e.time))]).toEqual([START + 1000, START + 2000]);
    expect(source.health().lastEventAt).toBe(START + 2000);
    expect(clock.pending).toBe(1);
    await source.stop();
    expect(clock.pending).toBe(0);
    expect(source.health().state).toBe('stopped');
    clock.advance(10_000);
    expect(events.length).toBe(backfilled + live.length);
  });

  it('with the real clock, steps in real time and clears its timer on stop()', async () => {
    // The system clock, with its live timers counted.
    const live = new Set<unknown>();
    const clock: Clock = {
      now: () => systemClock.now(),
      setTimeout: (fn, ms) => {
        const handle = systemClock.setTimeout(() => {
          live.delete(handle);
          fn();
        }, ms);
        live.add(handle);
        return handle;
      },
      clearTimeout: (handle) => {
        live.delete(handle);
        systemClock.clearTimeout(handle);
      },
    };
    const source = new SimulatorSource({ symbols: ['SOLUSDT'], historyMs: 0, stepMs: 20, clock });
    const events: MarketEvent[] = [];
    await source.start((event) => events.push(event));
    const backfilled = events.length;
    await expect.poll(() => events.length, { timeout: 5_000 }).toBeGreaterThan(backfilled + 10);
    expect(live.size).toBe(1);
    await source.stop();
    expect(live.size).toBe(0);
  });

  it('serves older history that the recent one continues: same market, any chunking, nothing twice', async () => {
    const { events, source } = await backfill({ seed: 5, symbols: ['BTCUSDT'], historyReachMs: 3 * 24 * HOUR });
    const history = source.olderHistory;
    const recentFrom = history.recentFrom();
    expect(Math.min(...events.filter((e) => e.kind !== 'instrument').map((e) => e.time))).toBe(recentFrom);
    const from = START - 3 * 24 * HOUR;

    const whole = await history.fetch(from, recentFrom);
    expect(whole.every((e) => e.time >= from && e.time < recentFrom)).toBe(true);
    const times = whole.map((e) => e.time);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    // Any chunking, in order or re-fetched, gives the same events.
    const middle = from + 24 * HOUR + 7 * 60_000;
    const chunked = [...(await history.fetch(from, middle)), ...(await history.fetch(middle, recentFrom))];
    expect(chunked).toEqual(whole);
    expect(await history.fetch(middle, recentFrom)).toEqual(whole.filter((e) => e.time >= middle));

    // The recent history continues the older one's market: no jump at the seam.
    const lastOlder = ofSymbol(whole, 'BTCUSDT', 'markPrice').at(-1)!;
    const firstRecent = ofSymbol(events, 'BTCUSDT', 'markPrice')[0]!;
    expect(Math.abs(firstRecent.price / lastOlder.price - 1)).toBeLessThan(0.005);
    expect(ofSymbol(whole, 'BTCUSDT', 'openInterest').length).toBeGreaterThan(2 * 24 * 60);
    await source.stop();
  });
});
