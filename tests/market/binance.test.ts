import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BinanceSource, type BinanceOptions } from '../../src/market/binance/source.js';
import type { MarketEvent } from '../../src/market/events.js';
import { FakeExchange } from '../support/fake-exchange.js';
import { klinesSince } from '../support/klines.js';
import { capturingLogger } from '../support/log-capture.js';
import { expectOlderHistory } from '../support/older-history.js';

const MINUTE = 60_000;
const FIVE_MINUTES = 5 * MINUTE;
const DAY = 24 * 3600_000;
const STREAMS = (symbol: string): string[] =>
  ['aggTrade', 'markPrice@1s', 'forceOrder', 'kline_1m'].map((s) => `${symbol}@${s}`);

let exchange: FakeExchange;
let source: BinanceSource | null;

beforeEach(async () => {
  exchange = await FakeExchange.start({ pingIntervalMs: 50 });
  source = null;
});

afterEach(async () => {
  await source?.stop();
  await exchange.close();
});

function openInterestSince(from: number, base: number): Array<{ timestamp: number; sumOpenInterest: number }> {
  const points = [];
  for (let t = Math.ceil(from / FIVE_MINUTES) * FIVE_MINUTES, i = 0; t <= Date.now(); t += FIVE_MINUTES, i++) {
    points.push({ timestamp: t, sumOpenInterest: base + 10 * Math.sin(i / 5) });
  }
  return points;
}

async function startSource(
  options: Partial<BinanceOptions> = {},
): Promise<{ events: MarketEvent[]; live: () => MarketEvent[] }> {
  const events: MarketEvent[] = [];
  const symbols = options.symbols ?? ['BTCUSDT'];
  for (const symbol of symbols) exchange.setOpenInterest(symbol, 80_000.123, Date.now());
  source = new BinanceSource({
    symbols,
    wsBaseUrl: exchange.wsBaseUrl,
    restBaseUrl: exchange.restBaseUrl,
    historyMs: 3_600_000,
    openInterestPollMs: 60_000,
    reconnectBaseMs: 20,
    reconnectMaxMs: 200,
    ...options,
  });
  await source.start((event) => events.push(event));
  const backfilled = events.length;
  return { events, live: () => events.slice(backfilled) };
}

describe('binance live source against the fake exchange', () => {
  it('backfills paginated klines and OI history in time order before anything live', async () => {
    const historyMs = 6 * DAY; // > 24 h: 5m klines; 1728 of them → 2 pages of 1500; OI hist → 4 pages of 500.
    const from = Date.now() - historyMs;
    const klines = {
      BTCUSDT: klinesSince(from, FIVE_MINUTES, 100_000),
      ETHUSDT: klinesSince(from, FIVE_MINUTES, 3_000),
    };
    exchange.setKlines('BTCUSDT', '5m', klines.BTCUSDT);
    exchange.setKlines('ETHUSDT', '5m', klines.ETHUSDT);
    exchange.setOpenInterestHistory('BTCUSDT', openInterestSince(from, 80_000));
    exchange.setOpenInterestHistory('ETHUSDT', openInterestSince(from, 1_000_000));

    const { events, live } = await startSource({ symbols: ['BTCUSDT', 'ETHUSDT'], historyMs, openInterestPollMs: 30 });
    expect(live()).toEqual([]);
    const times = events.map((e) => e.time);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    for (const symbol of ['BTCUSDT', 'ETHUSDT'] as const) {
      const closed = klines[symbol].filter(
        (k) => k.openTime + FIVE_MINUTES - 1 <= Date.now() && k.openTime >= from - FIVE_MINUTES,
      );
      const got = events.filter((e) => e.kind === 'kline' && e.symbol === symbol);
      // Every closed candle in range once; the still-forming one is left to the stream.
      expect(got.length).toBeGreaterThanOrEqual(closed.length - 2);
      expect(new Set(got.map((e) => (e as { openTime: number }).openTime)).size).toBe(got.length);
      expect(
        got.every(
          (e) =>
            e.kind === 'kline' && e.closed && e.closeTime === e.openTime + FIVE_MINUTES - 1 && e.time === e.closeTime,
        ),
      ).toBe(true);
      expect(events.filter((e) => e.kind === 'openInterest' && e.symbol === symbol).length).toBeGreaterThan(1700);
    }
    const btcKline = events.find(
      (e) => e.kind === 'kline' && e.symbol === 'BTCUSDT' && e.openTime === klines.BTCUSDT[10]!.openTime,
    );
    expect(btcKline).toMatchObject({
      open: Number(klines.BTCUSDT[10]!.open.toFixed(8)),
      volume: klines.BTCUSDT[10]!.volume,
      quoteVolume: Number(klines.BTCUSDT[10]!.quoteVolume.toFixed(8)),
      takerBuyVolume: klines.BTCUSDT[10]!.takerBuyVolume,
    });

    const klineRequests = exchange.requests('/fapi/v1/klines');
    expect(klineRequests.map((r) => [r.params.symbol, r.params.interval, r.params.limit])).toEqual([
      ['BTCUSDT', '5m', '1500'],
      ['BTCUSDT', '5m', '1500'],
      ['ETHUSDT', '5m', '1500'],
      ['ETHUSDT', '5m', '1500'],
    ]);
    expect(
      exchange.requests('/futures/data/openInterestHist').filter((r) => r.params.symbol === 'BTCUSDT').length,
    ).toBe(4);
    expect(
      exchange
        .requests('/futures/data/openInterestHist')
        .every((r) => r.params.period === '5m' && r.params.limit === '500'),
    ).toBe(true);

    // Then open interest is polled for every symbol, after the backfill.
    await expect
      .poll(() => exchange.requests('/fapi/v1/openInterest').filter((r) => r.params.symbol === 'ETHUSDT').length)
      .toBeGreaterThanOrEqual(2);
    await expect.poll(() => live().filter((e) => e.kind === 'openInterest').length).toBeGreaterThanOrEqual(2);
    expect(live().find((e) => e.kind === 'openInterest' && e.symbol === 'BTCUSDT')).toMatchObject({
      openInterest: 80_000.123,
    });
    expect(live().find((e) => e.kind === 'openInterest' && e.symbol === 'ETHUSDT')).toMatchObject({
      openInterest: 80_000.123,
    });
    expect(source!.health().errors).toBe(0);
  });

  it('streams every stream type on one combined connection, normalized, answering pings and sending nothing', async () => {
    const { live } = await startSource({ symbols: ['BTCUSDT', 'ETHUSDT'] });
    await expect.poll(() => exchange.openConnections().length).toBe(1);
    expect(exchange.connections[0]!.streams).toEqual([...STREAMS('btcusdt'), ...STREAMS('ethusdt')]);
    await expect.poll(() => source!.health().state).toBe('live');

    const t = Date.now();
    exchange.pushAggTrade('BTCUSDT', { price: 100_123.4, qty: 0.25, buyerIsMaker: true, time: t });
    exchange.pushAggTrade('ETHUSDT', { price: 3_001.5, qty: 2, buyerIsMaker: false, time: t + 1 });
    exchange.pushMarkPrice('BTCUSDT', { price: 100_120.1, time: t + 2 });
    exchange.pushForceOrder('BTCUSDT', { side: 'SELL', price: 99_900, averagePrice: 99_950.5, qty: 0.4, time: t + 3 });
    exchange.pushForceOrder('ETHUSDT', { side: 'BUY', price: 3_010, averagePrice: 3_009.25, qty: 5, time: t + 4 });
    exchange.pushKline('BTCUSDT', {
      openTime: 1_700_000_040_000,
      open: 100_000,
      high: 100_200,
      low: 99_900,
      close: 100_100,
      volume: 12.5,
      quoteVolume: 1_251_000.5,
      takerBuyVolume: 7.25,
      eventTime: t + 5,
      closed: false,
    });
    await expect.poll(() => live().filter((e) => e.kind !== 'openInterest').length).toBe(6);
    expect(live().filter((e) => e.kind !== 'openInterest')).toEqual([
      { kind: 'trade', symbol: 'BTCUSDT', time: t, price: 100_123.4, qty: 0.25, takerBuy: false },
      { kind: 'trade', symbol: 'ETHUSDT', time: t + 1, price: 3_001.5, qty: 2, takerBuy: true },
      { kind: 'markPrice', symbol: 'BTCUSDT', time: t + 2, price: 100_120.1 },
      { kind: 'liquidation', symbol: 'BTCUSDT', time: t + 3, price: 99_950.5, qty: 0.4, side: 'long' },
      { kind: 'liquidation', symbol: 'ETHUSDT', time: t + 4, price: 3_009.25, qty: 5, side: 'short' },
      {
        kind: 'kline',
        symbol: 'BTCUSDT',
        time: t + 5,
        openTime: 1_700_000_040_000,
        closeTime: 1_700_000_099_999,
        open: 100_000,
        high: 100_200,
        low: 99_900,
        close: 100_100,
        volume: 12.5,
        quoteVolume: 1_251_000.5,
        takerBuyVolume: 7.25,
        closed: false,
      },
    ]);
    expect(source!.health()).toMatchObject({
      source: 'binance',
      state: 'live',
      connected: true,
      errors: 0,
      detail: null,
    });
    expect(source!.health().lastEventAt).toBeGreaterThanOrEqual(t);
    await expect.poll(() => exchange.connections[0]!.pongs).toBeGreaterThanOrEqual(2);
    expect(exchange.connections[0]!.messagesReceived).toBe(0);
  });

  it('reconnects after a dropped connection, degraded meanwhile, and resubscribes the same streams', async () => {
    const { live } = await startSource({ symbols: ['BTCUSDT', 'SOLUSDT'] });
    await expect.poll(() => source!.health().state).toBe('live');
    exchange.refuseConnections(true);
    exchange.dropAll();
    await expect
      .poll(() => source!.health())
      .toMatchObject({
        state: 'degraded',
        connected: false,
        detail: expect.stringMatching(/connection closed.*reconnecting/),
      });
    exchange.refuseConnections(false);
    await expect.poll(() => exchange.openConnections().length).toBe(1);
    await expect.poll(() => source!.health().state).toBe('live');
    const connections = exchange.connections;
    expect(connections.at(-1)!.streams).toEqual(connections[0]!.streams);
    exchange.pushMarkPrice('SOLUSDT', { price: 151.25, time: Date.now() });
    await expect
      .poll(() => live().some((e) => e.kind === 'markPrice' && e.symbol === 'SOLUSDT' && e.price === 151.25))
      .toBe(true);
  });

  it('rotates the connection before its maximum age without a gap or a degraded state', async () => {
    const { live } = await startSource({ maxConnectionAgeMs: 300 });
    await expect.poll(() => exchange.connections.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
    await expect.poll(() => exchange.openConnections().length).toBe(1);
    expect(source!.health()).toMatchObject({ state: 'live', errors: 0 });
    expect(new Set(exchange.connections.map((c) => c.streams.join('/'))).size).toBe(1);
    exchange.pushAggTrade('BTCUSDT', { price: 100_000, qty: 1, buyerIsMaker: false, time: Date.now() });
    await expect.poll(() => live().filter((e) => e.kind === 'trade').length).toBe(1);
  });

  it('detects a stalled stream: degraded, replaces the connection, then recovers', async () => {
    const { logger, lines } = capturingLogger();
    const staleAfterMs = 1500;
    const { live } = await startSource({ staleAfterMs, logger });
    await expect.poll(() => source!.health().state).toBe('live');
    // Keep it fed for twice the stale limit, each message sent once the previous one arrived (no
    // fixed sleep, so a slow machine only spaces them by its own lag): a live stream is not stale.
    const fedUntil = performance.now() + 2 * staleAfterMs;
    for (let i = 0; performance.now() < fedUntil; i++) {
      exchange.pushMarkPrice('BTCUSDT', { price: 100_000 + i, time: Date.now() });
      await expect.poll(() => live().some((e) => e.kind === 'markPrice' && e.price === 100_000 + i)).toBe(true);
    }
    expect(exchange.connections.length).toBe(1);
    expect(lines.filter((line) => /^stalled/.test(String(line.detail)))).toEqual([]);
    exchange.refuseConnections(true);
    exchange.stall();
    // The log keeps every detail: the refused reconnect soon replaces "stalled" in health().
    await expect
      .poll(() => lines.some((line) => /^stalled: no message for \d+ ms/.test(String(line.detail))), {
        timeout: 10_000,
      })
      .toBe(true);
    expect(source!.health().state).toBe('degraded');
    exchange.refuseConnections(false);
    await expect.poll(() => exchange.openConnections().filter((c) => !c.stalled).length).toBe(1);
    await expect.poll(() => source!.health().state).toBe('live');
    exchange.pushMarkPrice('BTCUSDT', { price: 101_000, time: Date.now() });
    await expect.poll(() => live().some((e) => e.kind === 'markPrice' && e.price === 101_000)).toBe(true);
  });

  it('counts and logs garbage without crashing or reconnecting, and keeps streaming', async () => {
    const { logger, lines } = capturingLogger();
    const { live } = await startSource({ logger });
    await expect.poll(() => source!.health().state).toBe('live');
    exchange.sendRaw('{not json');
    exchange.sendRaw(JSON.stringify({ stream: 'btcusdt@depth', data: { e: 'depthUpdate' } }));
    exchange.sendRaw(
      JSON.stringify({
        stream: 'btcusdt@aggTrade',
        data: { e: 'aggTrade', s: 'BTCUSDT', p: 100_000, q: '1', T: Date.now(), m: 'no' },
      }),
    );
    exchange.sendRaw(JSON.stringify({ result: null, id: 1 }));
    exchange.sendRaw(
      JSON.stringify({
        stream: 'btcusdt@forceOrder',
        data: { e: 'forceOrder', o: { s: 'BTCUSDT', S: 'SIDEWAYS', ap: '1', z: '1', T: 1 } },
      }),
    );
    exchange.pushAggTrade('BTCUSDT', { price: 100_001, qty: 0.5, buyerIsMaker: false, time: Date.now() });
    await expect.poll(() => live().filter((e) => e.kind === 'trade').length).toBe(1);
    expect(source!.health()).toMatchObject({ state: 'live', errors: 5 });
    expect(exchange.connections.length).toBe(1);
    const rejected = lines.filter((line) => line.msg === 'binance input rejected');
    expect(rejected.map((line) => line.reason)).toEqual([
      'invalid JSON',
      'unexpected stream btcusdt@depth',
      expect.stringMatching(/^bad btcusdt@aggTrade payload \(p: .*m: /),
      'not a combined-stream {stream, data} message',
      expect.stringMatching(/^bad btcusdt@forceOrder payload \(o\.S: /),
    ]);
    expect(rejected[0]!.sample).toBe('{not json');
  });

  it('honours 429 Retry-After during start-up (tick sizes, backfill), reporting it, then completes', async () => {
    exchange.setKlines('BTCUSDT', '1m', klinesSince(Date.now() - 3_600_000, MINUTE, 100_000));
    exchange.rateLimitNext(1, 1);
    const events: MarketEvent[] = [];
    source = new BinanceSource({
      symbols: ['BTCUSDT'],
      wsBaseUrl: exchange.wsBaseUrl,
      restBaseUrl: exchange.restBaseUrl,
      historyMs: 3_600_000,
      openInterestPollMs: 60_000,
    });
    exchange.setOpenInterest('BTCUSDT', 1, Date.now());
    const started = source.start((event) => events.push(event));
    await expect
      .poll(() => source!.health())
      .toMatchObject({
        state: 'connecting',
        errors: 1,
        detail: expect.stringMatching(/rate limited \(HTTP 429\); retrying in 1 s/),
      });
    // Nothing else is asked while the exchange said to wait (the first request reads the tick sizes).
    expect(exchange.requests().map((r) => [r.path, r.status])).toEqual([['/fapi/v1/exchangeInfo', 429]]);
    await started;
    expect(exchange.requests('/fapi/v1/exchangeInfo').map((r) => r.status)).toEqual([429, 200]);
    expect(exchange.requests('/fapi/v1/klines').map((r) => r.status)).toEqual([200]);
    expect(events[0]).toMatchObject({ kind: 'instrument', symbol: 'BTCUSDT', tickSize: 0.1 });
    expect(events.filter((e) => e.kind === 'kline').length).toBeGreaterThanOrEqual(59);
  });

  it("reads each symbol's tick from exchangeInfo before its history, and refuses symbols Binance does not list", async () => {
    exchange.setTickSize('ETHUSDT', '0.05');
    exchange.setKlines('ETHUSDT', '1m', klinesSince(Date.now() - 3_600_000, MINUTE, 3_000));
    const { events } = await startSource({ symbols: ['BTCUSDT', 'ETHUSDT'] });
    expect(events.slice(0, 2).map((e) => e.kind === 'instrument' && [e.symbol, e.tickSize])).toEqual([
      ['BTCUSDT', 0.1],
      ['ETHUSDT', 0.05],
    ]);
    expect(events.slice(2).every((e) => e.kind !== 'instrument' && e.time >= events[0]!.time)).toBe(true);
    await source!.stop();

    source = new BinanceSource({ symbols: ['BTCUSDT', 'DOGEXUSDT'], restBaseUrl: exchange.restBaseUrl });
    await expect(source.start(() => {})).rejects.toThrow(/not listed on Binance USDⓈ-M.*: DOGEXUSDT$/);
  });

  it('starts without ticks when exchangeInfo cannot be had, saying so', async () => {
    exchange.rateLimitNext(5, 0);
    const { events } = await startSource({ reconnectBaseMs: 1, reconnectMaxMs: 5 });
    expect(exchange.requests('/fapi/v1/exchangeInfo').map((r) => r.status)).toEqual([429, 429, 429, 429, 429]);
    expect(events.some((e) => e.kind === 'instrument')).toBe(false);
    expect(source!.health().errors).toBeGreaterThanOrEqual(5);
    await expect.poll(() => exchange.openConnections().length).toBe(1);
  });

  it('stop() closes the stream and ends polling', async () => {
    await startSource({ openInterestPollMs: 20 });
    await expect.poll(() => exchange.openConnections().length).toBe(1);
    await expect.poll(() => exchange.requests('/fapi/v1/openInterest').length).toBeGreaterThanOrEqual(2);
    await source!.stop();
    expect(source!.health()).toMatchObject({ state: 'stopped', connected: false });
    await expect.poll(() => exchange.openConnections().length).toBe(0);
    const polls = exchange.requests('/fapi/v1/openInterest').length;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(exchange.requests('/fapi/v1/openInterest').length).toBe(polls);
  });

  it('serves older history on request: 5-minute candles and open interest before what start delivered', async () => {
    const from = Date.now() - 2 * DAY;
    exchange.setKlines('BTCUSDT', '1m', klinesSince(Date.now() - 3_600_000, MINUTE, 100_000));
    exchange.setKlines('BTCUSDT', '5m', klinesSince(from, FIVE_MINUTES, 100_000));
    const oi = openInterestSince(from, 80_000);
    exchange.setOpenInterestHistory('BTCUSDT', oi);
    const { events } = await startSource({ historyMs: 3_600_000 });
    const recentFrom = source!.olderHistory.recentFrom();
    const inRange = oi.filter((p) => p.timestamp >= from && p.timestamp < recentFrom).length;
    await expectOlderHistory(source!, events, from, inRange);
    expect(exchange.requests('/fapi/v1/klines').filter((r) => r.params.interval === '5m').length).toBeGreaterThan(0);
  });
});
