import { describe, expect, it } from 'vitest';
import { OkxSource, OKX_REST_BUDGET, type OkxOptions } from '../../src/market/okx/source.js';
import { RestClient } from '../../src/market/rest-client.js';
import { FakeOkx } from '../support/fake-okx.js';
import { klinesSince } from '../support/klines.js';
import { liveSourceFixture, QUICK_SOURCE } from '../support/live-source-fixture.js';
import { capturingLogger } from '../support/log-capture.js';
import { ManualClock } from './manual-clock.js';
import { expectOlderHistory } from '../support/older-history.js';

/** Polls longer than vitest's 1 s default: reconnects and backoffs take their time on a loaded machine. */
const poll: typeof expect.poll = (fn, options) => expect.poll(fn, { timeout: 10_000, ...options });

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const BTC = 'BTC-USDT-SWAP';
const ETH = 'ETH-USDT-SWAP';

const fixture = liveSourceFixture(
  async () => {
    const exchange = await FakeOkx.start();
    exchange.listSwap({ instId: BTC, ctVal: 0.01 });
    exchange.listSwap({ instId: ETH, ctVal: 0.1 });
    // Sizes in contracts: 0–50,000 contracts (500 BTC) at 0.4%, then 0.6%.
    exchange.setTiers('BTC-USDT', [
      { maxSz: '50000', mmr: '0.004', imr: '0.008', maxLever: '125' },
      { maxSz: '100000', mmr: '0.006', imr: '0.01', maxLever: '100' },
    ]);
    exchange.setTiers('ETH-USDT', [{ maxSz: '10000', mmr: '0.005', imr: '0.01', maxLever: '100' }]);
    return exchange;
  },
  (exchange, options: Partial<OkxOptions>) =>
    new OkxSource({
      symbols: ['BTCUSDT'],
      wsUrl: exchange.wsUrl,
      wsBusinessUrl: exchange.wsBusinessUrl,
      restBaseUrl: exchange.restBaseUrl,
      ...QUICK_SOURCE,
      ...options,
    }),
);
const startSource = fixture.start;

/** Streams of each open connection by route (the two connect in either order). */
const streamCounts = () =>
  Object.fromEntries(fixture.exchange.openConnections().map((c) => [c.route, c.streams.length]));
const streamsOn = (route: string) => fixture.exchange.openConnections().find((c) => c.route === route)?.streams ?? [];

describe('okx live source against the fake OKX', () => {
  it('maps symbols by instrument metadata, loads tiers in base asset, backfills paged candles and OI in coins', async () => {
    const from = Date.now() - 4 * HOUR;
    fixture.exchange.setCandles(BTC, '1m', klinesSince(from, MINUTE, 100_000));
    const oi = [];
    for (let t = Math.ceil(from / (5 * MINUTE)) * 5 * MINUTE, i = 0; t <= Date.now(); t += 5 * MINUTE, i++)
      oi.push({ ts: t, oiContracts: 2_000_000 + 100 * i });
    fixture.exchange.setOpenInterestHistory(BTC, oi);

    const { events, live } = await startSource({ historyMs: 4 * HOUR });
    expect(live()).toEqual([]);
    expect(events[0]).toMatchObject({ kind: 'instrument', symbol: 'BTCUSDT', tickSize: 0.1 });
    expect(events[1]).toMatchObject({
      kind: 'marginTiers',
      exchange: 'okx',
      symbol: 'BTCUSDT',
      tiers: [
        { maxSize: 500, maxLeverage: 125, maintenanceMarginRate: 0.004 },
        { maxSize: 1000, maxLeverage: 100, maintenanceMarginRate: 0.006 },
      ],
    });
    expect(fixture.exchange.requests('/api/v5/public/position-tiers')[0]!.params).toMatchObject({
      instType: 'SWAP',
      tdMode: 'isolated',
      instFamily: 'BTC-USDT',
    });
    const history = events.slice(2);
    expect(history.every((e) => e.time >= events[0]!.time)).toBe(true);
    const times = history.map((e) => e.time);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    // 240 closed candles over three pages of 100 (rows newest first, `after` paging), volume in BTC.
    const klines = history.filter((e) => e.kind === 'kline');
    expect(klines.length).toBeGreaterThanOrEqual(238);
    expect(new Set(klines.map((k) => k.openTime)).size).toBe(klines.length);
    expect(klines.every((k) => k.closed && k.time === k.closeTime)).toBe(true);
    expect(fixture.exchange.requests('/api/v5/market/history-candles').length).toBe(3);
    const first = klines[0]!;
    expect(first.volume).toBe(klinesSince(from, MINUTE, 100_000).find((k) => k.openTime === first.openTime)!.volume);
    // 49 five-minute points; 2,000,000 contracts × 0.01 = 20,000 BTC.
    const points = history.filter((e) => e.kind === 'openInterest');
    expect(points.length).toBe(oi.length);
    expect(points[0]).toMatchObject({ time: oi[0]!.ts, openInterest: 20_000 });
    expect(fixture.source!.health().errors).toBe(0);
  });

  it('streams each channel on its own connection, in coins, filtering other swaps’ liquidations, and pings', async () => {
    const { live } = await startSource({ symbols: ['BTCUSDT', 'ETHUSDT'], staleAfterMs: 1_500 });
    await poll(() => streamCounts()).toEqual({ '/ws/v5/public': 7, '/ws/v5/business': 2 });
    expect([...streamsOn('/ws/v5/public'), ...streamsOn('/ws/v5/business')]).toEqual([
      `trades:${BTC}`,
      `mark-price:${BTC}`,
      `open-interest:${BTC}`,
      `trades:${ETH}`,
      `mark-price:${ETH}`,
      `open-interest:${ETH}`,
      'liquidation-orders:SWAP',
      `candle1m:${BTC}`,
      `candle1m:${ETH}`,
    ]);
    await poll(() => fixture.source!.health().state).toBe('live');

    const t = Date.now();
    fixture.exchange.pushTrades(BTC, [{ price: 100_010.5, contracts: 25, side: 'buy', time: t }]);
    fixture.exchange.pushTrades(ETH, [{ price: 3_001, contracts: 30, side: 'sell', time: t + 1 }]);
    fixture.exchange.pushMarkPrice(BTC, { price: 100_005, time: t + 2 });
    fixture.exchange.pushOpenInterest(BTC, { contracts: 2_216_113, ctVal: 0.01, price: 100_000, time: t + 3 });
    fixture.exchange.pushLiquidations([
      {
        instId: BTC,
        details: [
          { side: 'sell', posSide: 'long', bankruptcyPrice: 99_000, contracts: 40, time: t + 4 },
          { side: 'buy', posSide: 'net', bankruptcyPrice: 101_000, contracts: 10, time: t + 5 },
        ],
      },
      {
        instId: 'DOGE-USDT-SWAP',
        details: [{ side: 'sell', posSide: 'long', bankruptcyPrice: 0.1, contracts: 9, time: t + 5 }],
      },
      { instId: ETH, details: [{ side: 'sell', posSide: 'net', bankruptcyPrice: 2_950, contracts: 20, time: t + 6 }] },
    ]);
    fixture.exchange.pushCandle(BTC, 0.01, {
      openTime: 1_700_000_040_000,
      open: 100_000,
      high: 100_200,
      low: 99_900,
      close: 100_100,
      volume: 12.5,
      quoteVolume: 1_251_250,
      takerBuyVolume: 0,
      confirmed: true,
    });
    await poll(() => live().length).toBe(8);
    // In order per connection; the candle comes on the other one.
    const byConnection = [...live().filter((e) => e.kind !== 'kline'), ...live().filter((e) => e.kind === 'kline')];
    expect(byConnection).toEqual([
      { kind: 'trade', symbol: 'BTCUSDT', time: t, price: 100_010.5, qty: 0.25, takerBuy: true },
      { kind: 'trade', symbol: 'ETHUSDT', time: t + 1, price: 3_001, qty: 3, takerBuy: false },
      { kind: 'markPrice', symbol: 'BTCUSDT', time: t + 2, price: 100_005 },
      { kind: 'openInterest', symbol: 'BTCUSDT', time: t + 3, openInterest: 22_161.13 },
      { kind: 'liquidation', symbol: 'BTCUSDT', time: t + 4, price: 99_000, qty: 0.4, side: 'long' },
      // net mode: a buy closes a short.
      { kind: 'liquidation', symbol: 'BTCUSDT', time: t + 5, price: 101_000, qty: 0.1, side: 'short' },
      { kind: 'liquidation', symbol: 'ETHUSDT', time: t + 6, price: 2_950, qty: 2, side: 'long' },
      {
        kind: 'kline',
        symbol: 'BTCUSDT',
        time: 1_700_000_099_999,
        openTime: 1_700_000_040_000,
        closeTime: 1_700_000_099_999,
        open: 100_000,
        high: 100_200,
        low: 99_900,
        close: 100_100,
        volume: 12.5,
        quoteVolume: 1_251_250,
        takerBuyVolume: 12.5,
        closed: true,
      },
    ]);
    await poll(() => fixture.exchange.connections.every((c) => c.pings >= 3)).toBe(true);
    expect(fixture.source!.health()).toMatchObject({ source: 'okx', state: 'live', errors: 0 });
    expect(fixture.exchange.connections.length).toBe(2);
  });

  it('one connection dropped: degraded naming it, reconnected and subscribed again, live once both are up', async () => {
    const { live } = await startSource();
    await poll(() => fixture.source!.health().state).toBe('live');
    fixture.exchange.refuseConnections(true);
    fixture.exchange.dropAll();
    await poll(() => fixture.source!.health()).toMatchObject({
      state: 'degraded',
      detail: expect.stringMatching(/^(public|business) stream connection closed.*reconnecting/),
    });
    fixture.exchange.refuseConnections(false);
    await poll(() => streamCounts()).toEqual({ '/ws/v5/public': 4, '/ws/v5/business': 1 });
    await poll(() => fixture.source!.health().state).toBe('live');
    fixture.exchange.pushMarkPrice(BTC, { price: 99_000, time: Date.now() });
    await poll(() => live().some((e) => e.kind === 'markPrice' && e.price === 99_000)).toBe(true);
  });

  it('detects a stalled stream (no data, no pong), replaces it and recovers', async () => {
    const { logger, lines } = capturingLogger();
    const { live } = await startSource({ staleAfterMs: 600, logger });
    await poll(() => fixture.source!.health().state).toBe('live');
    fixture.exchange.refuseConnections(true);
    fixture.exchange.stall();
    await poll(() => lines.some((line) => /^stalled: no message for \d+ ms/.test(String(line.detail)))).toBe(true);
    expect(fixture.source!.health().state).toBe('degraded');
    fixture.exchange.refuseConnections(false);
    await poll(() => fixture.exchange.openConnections().filter((c) => !c.stalled).length).toBe(2);
    await poll(() => fixture.source!.health().state).toBe('live');
    fixture.exchange.pushTrades(BTC, [{ price: 100_000, contracts: 1, side: 'buy', time: Date.now() }]);
    await poll(() => live().some((e) => e.kind === 'trade')).toBe(true);
  });

  it('counts garbage and errors without reconnecting; a clock a day ahead is rejected, then live again', async () => {
    const { logger, lines } = capturingLogger();
    const { live } = await startSource({ logger });
    await poll(() => fixture.source!.health().state).toBe('live');
    fixture.exchange.sendRaw('{not json');
    fixture.exchange.sendRaw(JSON.stringify({ arg: { channel: 'books', instId: BTC }, data: [] }));
    fixture.exchange.sendRaw(
      JSON.stringify({
        arg: { channel: 'trades', instId: BTC },
        data: [{ instId: BTC, px: '1', sz: '1', side: 'up', ts: '1' }],
      }),
    );
    fixture.exchange.sendRaw(JSON.stringify({ event: 'error', code: '60012', msg: 'Invalid request' }));
    expect(fixture.source!.health().errors).toBe(0);
    await poll(() => fixture.source!.health().errors).toBe(8); // each of the 4 reached both connections
    expect(fixture.source!.health().state).toBe('live');
    expect(fixture.exchange.connections.length).toBe(2);
    expect([...new Set(lines.filter((l) => l.msg === 'okx input rejected').map((l) => l.reason))]).toEqual([
      'invalid JSON',
      'unexpected channel books',
      expect.stringMatching(/^bad trades payload \(0?\.?side: /),
      'error 60012: Invalid request',
    ]);

    fixture.exchange.pushMarkPrice(BTC, { price: 1, time: Date.now() + 24 * HOUR });
    await poll(() => fixture.source!.health()).toMatchObject({
      state: 'degraded',
      detail: expect.stringMatching(/^exchange timestamps 864\d\d s ahead/),
    });
    fixture.exchange.pushMarkPrice(BTC, { price: 100_000, time: Date.now() });
    await poll(() => fixture.source!.health().state).toBe('live');
    expect(live()).toMatchObject([{ kind: 'markPrice', price: 100_000 }]);
  });

  it('refuses to start with a symbol OKX does not list, naming it', async () => {
    const source = new OkxSource({
      symbols: ['BTCUSDT', 'NOPEUSDT'],
      wsUrl: fixture.exchange.wsUrl,
      wsBusinessUrl: fixture.exchange.wsBusinessUrl,
      restBaseUrl: fixture.exchange.restBaseUrl,
    });
    fixture.source = source;
    await expect(source.start(() => {})).rejects.toThrow(
      'okx: not listed: NOPEUSDT (no live USDT-margined swap on OKX)',
    );
    expect(fixture.exchange.connections).toEqual([]);
  });
});

describe('okx REST budget', () => {
  it('5 requests per 2 s; a 429 waits one window', async () => {
    const start = Date.UTC(2026, 0, 1, 0, 0, 0, 500);
    const clock = new ManualClock(start);
    const abort = new AbortController();
    const rest = new RestClient(
      { baseUrl: fixture.exchange.restBaseUrl, clock, signal: abort.signal, retryBaseMs: 10, retryMaxMs: 100 },
      OKX_REST_BUDGET,
    );
    for (let i = 0; i < 5; i++) await rest.getJson('/api/v5/public/instruments', { instType: 'SWAP' });
    const sixth = rest.getJson('/api/v5/public/instruments', { instType: 'SWAP' });
    await poll(() => clock.pending).toBe(1);
    expect(clock.nextDueAt).toBe(start - 500 + 2_000);
    expect(fixture.exchange.requests().length).toBe(5);
    fixture.exchange.rateLimitNext(1);
    clock.advance(1_500);
    await poll(() => clock.pending).toBe(1);
    expect(
      fixture.exchange
        .requests()
        .map((r) => r.status)
        .at(-1),
    ).toBe(429);
    expect(clock.nextDueAt).toBe(start + 1_500 + 2_000);
    clock.advance(2_000);
    await expect(sixth).resolves.toMatchObject({ code: '0' });
    abort.abort();
  });

  it('serves older history on request: 5-minute candles and open interest before what start delivered', async () => {
    const from = Date.now() - 12 * HOUR;
    fixture.exchange.setCandles(BTC, '1m', klinesSince(Date.now() - HOUR, MINUTE, 100_000));
    fixture.exchange.setCandles(BTC, '5m', klinesSince(from, 5 * MINUTE, 100_000));
    const oi = [];
    for (let t = Math.ceil(from / (5 * MINUTE)) * 5 * MINUTE, i = 0; t <= Date.now(); t += 5 * MINUTE, i++)
      oi.push({ ts: t, oiContracts: 100_000 + i });
    fixture.exchange.setOpenInterestHistory(BTC, oi);
    const { events } = await startSource({ historyMs: HOUR });
    const recentFrom = fixture.source!.olderHistory.recentFrom();
    await expectOlderHistory(fixture.source!, events, from, oi.filter((p) => p.ts >= from && p.ts < recentFrom).length);
  });
});
