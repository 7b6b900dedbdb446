import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { contentHash } from '../../src/heatmap/content-hash.js';
import { HeatmapEngine } from '../../src/heatmap/engine.js';
import type { FrameContent } from '../../src/heatmap/types.js';
import { syntheticEvents } from './synthetic-market.js';

const frame = (): FrameContent => ({
  stream: 'BTCUSDT',
  exchanges: ['binance', 'bybit'],
  symbol: 'BTCUSDT',
  timestamp: 1_735_689_600_000,
  currentPrice: 100_200,
  priceStep: 100,
  levels: [
    { price: 90_400, long: 150_075, short: 0 },
    { price: 109_600, long: 0, short: 50_025 },
  ],
  positionsCreated: 2,
  positionsConsumed: 0,
  candle: { time: 1_735_689_600_000, open: 100_000, high: 100_200, low: 100_000, close: 100_200 },
});

describe('contentHash', () => {
  it('depends on content only, not object identity or key order', () => {
    const a = frame();
    const { candle, ...rest } = frame();
    const b: FrameContent = {
      candle,
      ...rest,
      levels: rest.levels.map((l) => ({ short: l.short, long: l.long, price: l.price })),
    };
    expect(contentHash(a)).toBe(contentHash(b));
    expect(contentHash(a)).toMatch(/^[0-9a-f]{16}$/);
  });

  it('treats −0 as 0', () => {
    const a = frame();
    a.levels[0]!.short = -0;
    expect(contentHash(a)).toBe(contentHash(frame()));
  });

  it.each<[string, (f: FrameContent) => void]>([
    ['symbol', (f) => (f.symbol = 'ETHUSDT')],
    ['timestamp', (f) => (f.timestamp += 60_000)],
    ['currentPrice', (f) => (f.currentPrice = 100_200.01)],
    ['priceStep', (f) => (f.priceStep = 50)],
    ['a level price', (f) => (f.levels[1]!.price = 109_700)],
    ['a level long', (f) => (f.levels[0]!.long = 150_075.01)],
    ['a level short', (f) => (f.levels[1]!.short = 50_024.99)],
    ['a level removed', (f) => f.levels.pop()],
    ['levels swapped', (f) => f.levels.reverse()],
    ['positionsCreated', (f) => (f.positionsCreated = 3)],
    ['positionsConsumed', (f) => (f.positionsConsumed = 1)],
    ['candle close', (f) => (f.candle!.close = 100_100)],
    ['candle time', (f) => (f.candle!.time += 1)],
    ['no candle', (f) => (f.candle = null)],
    ['an exchange dropping out', (f) => (f.exchanges = ['binance'])],
    ['another stream', (f) => (f.stream = 'BTCUSDT@BINANCE+BYBIT')],
  ])('changes with %s', (_what, change) => {
    const changed = frame();
    change(changed);
    expect(contentHash(changed)).not.toBe(contentHash(frame()));
  });

  const price = fc.double({ min: 0.0001, max: 1e6, noNaN: true });
  const usd = fc.double({ min: 0, max: 1e9, noNaN: true });
  const frames = fc.record({
    stream: fc.constantFrom('BTCUSDT', 'BTCUSDT@BINANCE+OKX'),
    exchanges: fc.subarray(['binance', 'bybit', 'okx'] as Array<'binance' | 'bybit' | 'okx'>),
    symbol: fc.constantFrom('BTCUSDT', 'ETHUSDT', 'SOLUSDT'),
    timestamp: fc.integer({ min: 0, max: 2e12 }),
    currentPrice: price,
    priceStep: price,
    levels: fc.array(fc.record({ price, long: usd, short: usd }), { maxLength: 30 }),
    positionsCreated: fc.nat(1000),
    positionsConsumed: fc.nat(1000),
    candle: fc.option(
      fc.record({ time: fc.integer({ min: 0, max: 2e12 }), open: price, high: price, low: price, close: price }),
    ),
  });

  it('property: a deep copy hashes the same', () => {
    fc.assert(fc.property(frames, (f) => contentHash(structuredClone(f)) === contentHash(f)));
  });

  it('property: changing any one level amount changes the hash', () => {
    fc.assert(
      fc.property(
        frames,
        fc.nat(),
        fc.constantFrom('price', 'long', 'short') as fc.Arbitrary<'price' | 'long' | 'short'>,
        (f, pick, field) => {
          fc.pre(f.levels.length > 0);
          const changed = structuredClone(f);
          const level = changed.levels[pick % changed.levels.length]!;
          level[field] = level[field] + 1;
          return contentHash(changed) !== contentHash(f);
        },
      ),
    );
  });

  it('is deterministic across engines fed the same events', () => {
    const hashes = () => {
      const engine = new HeatmapEngine({ symbol: 'ETHUSDT' });
      const out: string[] = [];
      let n = 0;
      for (const event of syntheticEvents({
        symbol: 'ETHUSDT',
        startPrice: 3_000,
        start: Date.UTC(2025, 0, 1),
        durationMs: 3_600_000,
        tradesPerSecond: 2,
        seed: 7,
      })) {
        engine.ingest(event);
        if (++n % 1000 === 0) out.push(contentHash({ ...engine.frame()!, stream: 'ETHUSDT', exchanges: ['binance'] }));
      }
      return out;
    };
    const first = hashes();
    expect(first.length).toBeGreaterThan(10);
    expect(new Set(first).size).toBe(first.length);
    expect(hashes()).toEqual(first);
  });
});
