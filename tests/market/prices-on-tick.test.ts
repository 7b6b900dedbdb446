import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HeatmapEngine } from '../../src/heatmap/engine.js';
import type { BookFrame, Heatmap } from '../../src/heatmap/types.js';
import type { MarketEvent } from '../../src/market/events.js';
import { PriceTick } from '../../src/market/price-tick.js';
import { SimulatorSource } from '../../src/market/simulator/source.js';
import { ManualClock } from './manual-clock.js';

const START = Date.UTC(2026, 0, 15, 12, 0, 0);

/** Decimal places a number prints with: 2829.5910000000003 → 13, 1e-7 → 7. */
function printedDecimals(value: number): number {
  const [mantissa = '', exponent = '0'] = String(value).split('e');
  return Math.max(0, (mantissa.split('.')[1]?.length ?? 0) - Number(exponent));
}

/** On the tick's grid and printed with no more decimals than the tick: no float noise. */
function onTick(price: number, tick: number): boolean {
  const ticks = price / tick;
  return Math.abs(ticks - Math.round(ticks)) < 1e-6 && printedDecimals(price) <= printedDecimals(tick);
}

const isCents = (usd: number): boolean => printedDecimals(usd) <= 2;

/** Every price a market event carries. */
function eventPrices(event: MarketEvent): number[] {
  switch (event.kind) {
    case 'trade':
    case 'markPrice':
    case 'liquidation':
      return [event.price];
    case 'kline':
      return [event.open, event.high, event.low, event.close];
    default:
      return [];
  }
}

/** Every price a frame and a heatmap serve, edges included. */
function servedPrices(frame: BookFrame, heatmap: Heatmap): number[] {
  const candles = [...heatmap.candles, ...(frame.candle ? [frame.candle] : [])];
  return [
    frame.currentPrice,
    frame.priceStep,
    ...frame.levels.map((level) => level.price),
    ...candles.flatMap((c) => [c.open, c.high, c.low, c.close]),
    heatmap.currentPrice,
    heatmap.priceMin,
    heatmap.rowStep,
    ...heatmap.liquidations.map((marker) => marker.price),
  ];
}

const symbolArb = fc.oneof(
  fc.constantFrom('BTCUSDT', 'ETHUSDT', 'SOLUSDT'),
  fc.stringMatching(/^[A-Z]{2,6}$/).map((base) => `${base}USDT`),
);

describe('prices on the tick', () => {
  it('the simulator quotes every price on its tick, and the model serves every price on it too', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.uniqueArray(symbolArb, { minLength: 1, maxLength: 3 }),
        async (seed, symbols) => {
          const clock = new ManualClock(START);
          const source = new SimulatorSource({ symbols, seed, historyMs: 40 * 60_000, clock });
          const events: MarketEvent[] = [];
          await source.start((event) => events.push(event));
          await source.stop();

          for (const symbol of symbols) {
            const own = events.filter((e) => e.symbol === symbol);
            // The tick comes before the symbol's first price.
            const instrument = own[0];
            expect(instrument?.kind).toBe('instrument');
            const tick = (instrument as Extract<MarketEvent, { kind: 'instrument' }>).tickSize;
            expect(new PriceTick(tick).snap(tick)).toBe(tick);
            const offTick = own.flatMap(eventPrices).filter((price) => !onTick(price, tick));
            expect(offTick).toEqual([]);

            const engine = new HeatmapEngine({ symbol });
            for (const event of own) engine.ingest(event);
            expect(engine.tickSize()).toBe(tick);
            const frame = engine.frame()!;
            const heatmap = engine.heatmap('H12')!;
            expect(servedPrices(frame, heatmap).filter((price) => !onTick(price, tick))).toEqual([]);
            const usd = [
              ...frame.levels.flatMap((level) => [level.long, level.short]),
              ...heatmap.liquidations.map((marker) => marker.usd),
            ];
            expect(usd.filter((amount) => !isCents(amount))).toEqual([]);
          }
        },
      ),
      { numRuns: 12 },
    );
  });

  it('the model snaps prices that fall between ticks (mark prices, force-order averages) as it serves them', () => {
    const engine = new HeatmapEngine({ symbol: 'ETHUSDT' });
    const time = START;
    engine.ingest({ kind: 'instrument', symbol: 'ETHUSDT', time, tickSize: 0.01 });
    engine.ingest({ kind: 'markPrice', symbol: 'ETHUSDT', time, price: 2829.5910000000003 });
    engine.ingest({ kind: 'markPrice', symbol: 'ETHUSDT', time: time + 1000, price: 2828.7309999999998 });
    engine.ingest({ kind: 'liquidation', symbol: 'ETHUSDT', time, price: 2828.73412, qty: 1.2345, side: 'long' });
    const frame = engine.frame()!;
    expect(frame.currentPrice).toBe(2828.73);
    expect(frame.candle).toMatchObject({ open: 2829.59, high: 2829.59, low: 2828.73, close: 2828.73 });
    expect(engine.heatmap('H24')!.liquidations).toEqual([
      { time, price: 2828.73, side: 'long', usd: 3492.07 }, // 2828.73412 × 1.2345 = 3492.0703…
    ]);
  });

  it('snaps to ticks that are not powers of ten and keeps bucket sizes whole ticks', () => {
    const half = new PriceTick(0.5);
    expect([half.snap(100.26), half.snap(100.24), half.snap(99.75)]).toEqual([100.5, 100, 100]);
    const quarter = new PriceTick(0.0025);
    expect(quarter.decimals).toBe(4);
    expect(quarter.snap(1.23456)).toBe(1.235);
    expect(quarter.multipleOf(0.0061)).toBe(0.005);
    expect(quarter.multipleOf(0.0001)).toBe(0.0025);
    expect(new PriceTick(0.1).snap(140.91150000000002)).toBe(140.9);
    expect(() => new PriceTick(0)).toThrow(/positive/);
  });
});
