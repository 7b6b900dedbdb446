import { describe, expect, it } from 'vitest';
import { BybitSource, BYBIT_REST_BUDGET, type BybitOptions } from '../../src/market/bybit/source.js';
import { RestClient } from '../../src/market/rest-client.js';
import { FakeBybit, type BybitRiskLimitRow } from '../support/fake-bybit.js';
import { klinesSince } from '../support/klines.js';
import { liveSourceFixture, QUICK_SOURCE } from '../support/live-source-fixture.js';
import { capturingLogger } from '../support/log-capture.js';
import { ManualClock } from './manual-clock.js';
import { expectOlderHistory } from '../support/older-history.js';

/** Polls longer than vitest's 1 s default: reconnects and backoffs take their time on a loaded machine. */
const poll: typeof expect.poll = (fn, options) => expect.poll(fn, { timeout: 10_000, ...options });

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const TOPICS = (s: string) => [`publicTrade.${s}`, `tickers.${s}`, `allLiquidation.${s}`, `kline.1.${s}`];
/** Bybit's first BTCUSDT tiers as the API sends them (fractions, "" deduction on tier 1). */
const BTC_RISK_LIMITS: BybitRiskLimitRow[] = [
  {
    riskLimitValue: '2000000',
    maintenanceMargin: '0.005',
    initialMargin: '0.01',
    maxLeverage: '100.00',
    mmDeduction: '',
  },
  {
    riskLimitValue: '4000000',
    maintenanceMargin: '0.01',
    initialMargin: '0.02',
    maxLeverage: '50.00',
    mmDeduction: '10000',
  },
];

const fixture = liveSourceFixture(
  async () => {
    const exchange = await FakeBybit.start();
    for (const symbol of ['BTCUSDT', 'ETHUSDT', 'SOLUSDT']) exchange.listInstrument(symbol);
    exchange.setRiskLimits('BTCUSDT', BTC_RISK_LIMITS);
    return exchange;
  },
  (exchange, options: Partial<BybitOptions>) =>
    new BybitSource({
      symbols: ['BTCUSDT'],
      wsUrl: exchange.wsUrl,
      restBaseUrl: exchange.restBaseUrl,
      ...QUICK_SOURCE,
      ...options,
    }),
);
const startSource = fixture.start;

describe('bybit live source against the fake Bybit', () => {
  it('loads risk limits first, then backfills paged candles and halved open interest in time order', async () => {
    const from = Date.now() - 20 * HOUR;
    fixture.exchange.setKlines('BTCUSDT', '1', klinesSince(from, MINUTE, 100_000));
    const oi = [];
    for (let t = Math.ceil(from / (5 * MINUTE)) * 5 * MINUTE, i = 0; t <= Date.now(); t += 5 * MINUTE, i++)
      oi.push({ timestamp: t, openInterest: 100_000 + i });
    fixture.exchange.setOpenInterestHistory('BTCUSDT', oi);

    const { events, live } = await startSource({ historyMs: 20 * HOUR });
    expect(live()).toEqual([]);
    // The tick from instruments-info, then the tiers, both stamped at the history's start.
    expect(events[0]).toMatchObject({ kind: 'instrument', symbol: 'BTCUSDT', tickSize: 0.1 });
    expect(events[1]).toMatchObject({
      kind: 'marginTiers',
      exchange: 'bybit',
      symbol: 'BTCUSDT',
      tiers: [
        { valueCap: 2_000_000, maxLeverage: 100, maintenanceMarginRate: 0.005, mmDeduction: 0 },
        { valueCap: 4_000_000, maxLeverage: 50, maintenanceMarginRate: 0.01, mmDeduction: 10_000 },
      ],
    });
    expect(events[1]!.time).toBe(events[0]!.time);
    const history = events.slice(2);
    expect(history.every((e) => e.time >= events[0]!.time)).toBe(true);
    const times = history.map((e) => e.time);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    // 20 h of 1-minute candles: 1200 closed, two pages of at most 1000, newest first.
    const klines = history.filter((e) => e.kind === 'kline');
    expect(klines.length).toBeGreaterThanOrEqual(1198);
    expect(new Set(klines.map((k) => k.openTime)).size).toBe(klines.length);
    expect(klines.every((k) => k.closed && k.time === k.closeTime && k.closeTime === k.openTime + MINUTE - 1)).toBe(
      true,
    );
    expect(fixture.exchange.requests('/v5/market/kline').map((r) => [r.params.interval, r.params.limit])).toEqual([
      ['1', '1000'],
      ['1', '1000'],
    ]);
    // Bybit has no taker split in candles: the direction decides.
    const up = klines.find((k) => k.close > k.open)!;
    expect(up.takerBuyVolume).toBe(up.volume);
    // 240 five-minute points over two cursor pages of 200; Bybit's two-sided figure halved.
    const points = history.filter((e) => e.kind === 'openInterest');
    expect(points.length).toBe(oi.length);
    expect(points[0]).toMatchObject({ time: oi[0]!.timestamp, openInterest: oi[0]!.openInterest / 2 });
    expect(fixture.exchange.requests('/v5/market/open-interest').map((r) => r.params.cursor)).toEqual([
      undefined,
      '200',
    ]);
    expect(fixture.source!.health().errors).toBe(0);
  });

  it('subscribes every topic on one connection, normalizes each, merges ticker deltas and pings', async () => {
    fixture.exchange.setRiskLimits('ETHUSDT', BTC_RISK_LIMITS);
    const { live } = await startSource({ symbols: ['BTCUSDT', 'ETHUSDT'], staleAfterMs: 1_500 });
    await poll(() => fixture.exchange.openConnections()[0]?.streams.length).toBe(8);
    expect(fixture.exchange.openConnections()[0]!.streams).toEqual([...TOPICS('BTCUSDT'), ...TOPICS('ETHUSDT')]);
    await poll(() => fixture.source!.health().state).toBe('live');

    const t = Date.now();
    fixture.exchange.pushTrades('BTCUSDT', [
      { price: 100_010.5, qty: 0.25, side: 'Buy', time: t },
      { price: 100_009, qty: 0.5, side: 'Sell', time: t + 1 },
    ]);
    fixture.exchange.pushTicker('BTCUSDT', 'snapshot', t + 2, {
      markPrice: 100_005,
      openInterest: 60_000,
      lastPrice: 100_009,
    });
    // A delta without mark price or open interest changes neither.
    fixture.exchange.pushTicker('BTCUSDT', 'delta', t + 3, { lastPrice: 100_011 });
    fixture.exchange.pushTicker('BTCUSDT', 'delta', t + 4, { markPrice: 100_006.5 });
    fixture.exchange.pushLiquidations('ETHUSDT', [
      { side: 'Buy', bankruptcyPrice: 2_990.5, qty: 3, time: t + 5 },
      { side: 'Sell', bankruptcyPrice: 3_010, qty: 1.5, time: t + 6 },
    ]);
    fixture.exchange.pushKline('BTCUSDT', {
      openTime: 1_700_000_040_000,
      open: 100_000,
      high: 100_200,
      low: 99_900,
      close: 99_950,
      volume: 12.5,
      quoteVolume: 1_249_375,
      takerBuyVolume: 0,
      timestamp: t + 7,
      confirm: true,
    });
    await poll(() => live().length).toBe(8);
    expect(live()).toEqual([
      { kind: 'trade', symbol: 'BTCUSDT', time: t, price: 100_010.5, qty: 0.25, takerBuy: true },
      { kind: 'trade', symbol: 'BTCUSDT', time: t + 1, price: 100_009, qty: 0.5, takerBuy: false },
      { kind: 'markPrice', symbol: 'BTCUSDT', time: t + 2, price: 100_005 },
      { kind: 'openInterest', symbol: 'BTCUSDT', time: t + 2, openInterest: 30_000 },
      { kind: 'markPrice', symbol: 'BTCUSDT', time: t + 4, price: 100_006.5 },
      // "Buy" liquidates a long.
      { kind: 'liquidation', symbol: 'ETHUSDT', time: t + 5, price: 2_990.5, qty: 3, side: 'long' },
      { kind: 'liquidation', symbol: 'ETHUSDT', time: t + 6, price: 3_010, qty: 1.5, side: 'short' },
      {
        kind: 'kline',
        symbol: 'BTCUSDT',
        time: t + 7,
        openTime: 1_700_000_040_000,
        closeTime: 1_700_000_099_999,
        open: 100_000,
        high: 100_200,
        low: 99_900,
        close: 99_950,
        volume: 12.5,
        quoteVolume: 1_249_375,
        takerBuyVolume: 0,
        closed: true,
      },
    ]);
    // Pings every half stale limit keep a quiet connection alive; their answers are not errors.
    await poll(() => fixture.exchange.connections[0]!.pings).toBeGreaterThanOrEqual(3);
    expect(fixture.source!.health()).toMatchObject({ source: 'bybit', state: 'live', errors: 0 });
    expect(fixture.exchange.connections.length).toBe(1);
  });

  it('reconnects after a drop, degraded meanwhile, and subscribes again', async () => {
    const { live } = await startSource();
    await poll(() => fixture.source!.health().state).toBe('live');
    fixture.exchange.refuseConnections(true);
    fixture.exchange.dropAll();
    await poll(() => fixture.source!.health()).toMatchObject({
      state: 'degraded',
      connected: false,
      detail: expect.stringMatching(/connection closed.*reconnecting/),
    });
    fixture.exchange.refuseConnections(false);
    await poll(() => fixture.exchange.openConnections()[0]?.streams).toEqual(TOPICS('BTCUSDT'));
    await poll(() => fixture.source!.health().state).toBe('live');
    fixture.exchange.pushTicker('BTCUSDT', 'delta', Date.now(), { markPrice: 99_000 });
    await poll(() => live().some((e) => e.kind === 'markPrice' && e.price === 99_000)).toBe(true);
  });

  it('detects a stalled stream (no data, no pong), replaces the connection and recovers', async () => {
    const { logger, lines } = capturingLogger();
    const { live } = await startSource({ staleAfterMs: 600, logger });
    await poll(() => fixture.source!.health().state).toBe('live');
    fixture.exchange.refuseConnections(true);
    fixture.exchange.stall();
    await poll(() => lines.some((line) => /^stalled: no message for \d+ ms/.test(String(line.detail)))).toBe(true);
    expect(fixture.source!.health().state).toBe('degraded');
    fixture.exchange.refuseConnections(false);
    await poll(() => fixture.exchange.openConnections().filter((c) => !c.stalled).length).toBe(1);
    await poll(() => fixture.source!.health().state).toBe('live');
    fixture.exchange.pushTrades('BTCUSDT', [{ price: 100_000, qty: 1, side: 'Buy', time: Date.now() }]);
    await poll(() => live().some((e) => e.kind === 'trade')).toBe(true);
  });

  it('counts garbage and refused subscriptions without reconnecting, and keeps streaming', async () => {
    const { logger, lines } = capturingLogger();
    const { live } = await startSource({ logger });
    await poll(() => fixture.source!.health().state).toBe('live');
    fixture.exchange.sendRaw('{not json');
    fixture.exchange.sendRaw(
      JSON.stringify({ topic: 'orderbook.50.BTCUSDT', type: 'snapshot', ts: Date.now(), data: {} }),
    );
    fixture.exchange.sendRaw(
      JSON.stringify({
        topic: 'publicTrade.BTCUSDT',
        type: 'snapshot',
        ts: Date.now(),
        data: [{ T: 1, s: 'BTCUSDT', S: 'Up', v: '1', p: '1' }],
      }),
    );
    fixture.exchange.sendRaw(
      JSON.stringify({ success: false, ret_msg: 'error:handler not found,topic:x', op: 'subscribe' }),
    );
    fixture.exchange.sendRaw(JSON.stringify([1, 2, 3]));
    fixture.exchange.pushTrades('BTCUSDT', [{ price: 100_001, qty: 0.5, side: 'Sell', time: Date.now() }]);
    await poll(() => live().filter((e) => e.kind === 'trade').length).toBe(1);
    expect(fixture.source!.health()).toMatchObject({ state: 'live', errors: 5 });
    expect(fixture.exchange.connections.length).toBe(1);
    expect(lines.filter((line) => line.msg === 'bybit input rejected').map((line) => line.reason)).toEqual([
      'invalid JSON',
      'unexpected topic orderbook.50.BTCUSDT',
      expect.stringMatching(/^bad publicTrade\.BTCUSDT payload \(0\.S: /),
      'subscribe refused: error:handler not found,topic:x',
      'not a topic message {topic, ts, data}',
    ]);
  });

  it('rejects events from a clock a day ahead (degraded, check NTP), then is live again', async () => {
    const { live } = await startSource();
    await poll(() => fixture.source!.health().state).toBe('live');
    fixture.exchange.pushTicker('BTCUSDT', 'delta', Date.now() + 24 * HOUR, { markPrice: 1 });
    await poll(() => fixture.source!.health()).toMatchObject({
      state: 'degraded',
      detail: expect.stringMatching(/^exchange timestamps 864\d\d s ahead/),
    });
    expect(live()).toEqual([]);
    fixture.exchange.pushTicker('BTCUSDT', 'delta', Date.now(), { markPrice: 100_000 });
    await poll(() => fixture.source!.health().state).toBe('live');
    expect(live()).toMatchObject([{ kind: 'markPrice', price: 100_000 }]);
  });

  it('refuses to start with a symbol that is not a trading USDT perpetual, naming it and why', async () => {
    fixture.exchange.listInstrument('BTCPERP', { settleCoin: 'USDC' });
    const source = new BybitSource({
      symbols: ['BTCUSDT', 'BTCPERP', 'NOPEUSDT'],
      wsUrl: fixture.exchange.wsUrl,
      restBaseUrl: fixture.exchange.restBaseUrl,
    });
    fixture.source = source;
    await expect(source.start(() => {})).rejects.toThrow(
      'bybit: not listed: BTCPERP (a LinearPerpetual settled in USDC, not a USDT perpetual), NOPEUSDT (not listed by Bybit)',
    );
    expect(fixture.exchange.connections).toEqual([]);
  });

  it('a symbol whose instrument cannot be read (REST failing after retries) is kept without its tick, reported', async () => {
    const { logger, lines } = capturingLogger();
    fixture.exchange.failNext(5); // every attempt at BTCUSDT's instruments-info
    await startSource({ logger });
    expect(fixture.exchange.requests('/v5/market/instruments-info').map((r) => r.status)).toEqual([
      502, 502, 502, 502, 502,
    ]);
    expect(lines.find((line) => line.msg === 'bybit input rejected')).toMatchObject({
      reason: 'BTCUSDT instrument not read; streaming it as configured, without its tick',
      sample: expect.stringMatching(/HTTP 502/),
    });
    await poll(() => fixture.exchange.openConnections()[0]?.streams).toEqual(TOPICS('BTCUSDT'));
  });

  it('a symbol without risk limits keeps tier 1, reported, and still streams', async () => {
    const { logger, lines } = capturingLogger();
    const { events } = await startSource({ symbols: ['BTCUSDT', 'SOLUSDT'], logger });
    expect(events.filter((e) => e.kind === 'marginTiers').map((e) => e.symbol)).toEqual(['BTCUSDT']);
    expect(lines.find((line) => line.reason === 'risk limits not loaded; pricing with tier 1')).toMatchObject({
      sample: expect.stringMatching(/retCode 10001 params error: symbol invalid/),
    });
    await poll(() => fixture.source!.health().state).toBe('live');
  });
});

describe('bybit REST budget', () => {
  it('a 403 stops every request for 10 minutes (Bybit sends no Retry-After); 600 requests per 5 s', async () => {
    const start = Date.UTC(2026, 0, 1, 0, 0, 1);
    const clock = new ManualClock(start);
    const abort = new AbortController();
    const rest = new RestClient(
      { baseUrl: fixture.exchange.restBaseUrl, clock, signal: abort.signal, retryBaseMs: 10, retryMaxMs: 100 },
      BYBIT_REST_BUDGET,
    );
    const params = { category: 'linear', symbol: 'BTCUSDT' };
    fixture.exchange.rateLimitNext(1);
    const answer = rest.getJson('/v5/market/risk-limit', params);
    await poll(() => clock.pending).toBe(1);
    expect(clock.nextDueAt).toBe(start + 600_000);
    clock.advance(599_999);
    expect(fixture.exchange.requests().map((r) => r.status)).toEqual([403]);
    clock.advance(1);
    await expect(answer).resolves.toMatchObject({ retCode: 0 });

    // The window [start + 600 s, +5 s) has 1 request used; 599 more fit, the next waits for the next window.
    for (let i = 0; i < 599; i++) await rest.getJson('/v5/market/risk-limit', params);
    const waiting = rest.getJson('/v5/market/risk-limit', params);
    await poll(() => clock.pending).toBe(1);
    expect(clock.nextDueAt).toBe(start - 1_000 + 605_000);
    expect(fixture.exchange.requests().length).toBe(601);
    clock.advance(clock.nextDueAt! - clock.now());
    await expect(waiting).resolves.toMatchObject({ retCode: 0 });
    abort.abort();
  });

  it('serves older history on request: 5-minute candles and open interest before what start delivered', async () => {
    const from = Date.now() - 2 * 24 * HOUR;
    fixture.exchange.setKlines('BTCUSDT', '1', klinesSince(Date.now() - HOUR, MINUTE, 100_000));
    fixture.exchange.setKlines('BTCUSDT', '5', klinesSince(from, 5 * MINUTE, 100_000));
    const oi = [];
    for (let t = Math.ceil(from / (5 * MINUTE)) * 5 * MINUTE, i = 0; t <= Date.now(); t += 5 * MINUTE, i++)
      oi.push({ timestamp: t, openInterest: 100_000 + i });
    fixture.exchange.setOpenInterestHistory('BTCUSDT', oi);
    const { events } = await startSource({ historyMs: HOUR });
    const recentFrom = fixture.source!.olderHistory.recentFrom();
    await expectOlderHistory(
      fixture.source!,
      events,
      from,
      oi.filter((p) => p.timestamp >= from && p.timestamp < recentFrom).length,
    );
  });
});
