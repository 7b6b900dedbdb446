import { afterEach, describe, expect, it } from 'vitest';
import type { KlineCandle } from '../../src/market/events.js';
import { FakeBybit } from '../support/fake-bybit.js';
import type { FakeExchangeServer } from '../support/fake-exchange-server.js';
import { FakeOkx } from '../support/fake-okx.js';
import { httpQuery } from '../support/graphql-clients.js';
import { startTestServer, type TestServer } from '../support/server.js';

/** Polls longer than vitest's 1 s default: reconnects and backoffs take their time on a loaded machine. */
const poll: typeof expect.poll = (fn, options) => expect.poll(fn, { timeout: 10_000, ...options });

const MINUTE = 60_000;
const FIVE_MINUTES = 5 * MINUTE;

/** 15 flat candles at 100,000 (taker split even, VWAP 100,000): a step that opens as many longs as shorts. */
function flatCandles(): KlineCandle[] {
  const first = Math.floor(Date.now() / MINUTE) * MINUTE - 15 * MINUTE;
  return Array.from({ length: 15 }, (_, i) => ({
    openTime: first + i * MINUTE,
    open: 100_000,
    high: 100_050,
    low: 99_950,
    close: 100_000,
    volume: 2,
    quoteVolume: 200_000,
    takerBuyVolume: 1,
  }));
}

/** Two 5-minute open-interest points inside the 15 minutes of history, with closed candles between them. */
function stepTimes(): [number, number] {
  const t0 = Math.floor((Date.now() - 10 * MINUTE) / FIVE_MINUTES) * FIVE_MINUTES;
  return [t0, t0 + FIVE_MINUTES];
}

let exchange: FakeExchangeServer | null = null;
let server: TestServer | null = null;

afterEach(async () => {
  await server?.stop();
  await exchange?.close();
  server = exchange = null;
});

interface Level {
  price: number;
  long: number;
  short: number;
}
async function levelsServed(): Promise<Level[]> {
  const { body } = await httpQuery<{ snapshot: { levels: Level[] } | null }>(
    server!.httpUrl,
    '{ snapshot(symbol: "BTCUSDT") { levels { price long short } } }',
  );
  return body.data?.snapshot?.levels ?? [];
}

async function marketSource(): Promise<{ name: string; state: string } | undefined> {
  const { body } = await httpQuery<{ marketSource: { name: string; state: string } }>(
    server!.httpUrl,
    '{ marketSource { name state } }',
  );
  return body.data?.marketSource;
}

/**
 * One open-interest step of +5 BTC at 100,000 through the real server: $250,000 of longs and of shorts,
 * all at 100x (LEVERAGE_TIERS=100:1), land at the exchange's own liquidation prices. Binance would put
 * them at 99,397.59 / 100,597.61 (buckets 99,300 / 100,500).
 */
describe('Bybit and OKX as the live source of the real server', () => {
  it('bybit: its risk limits and formula price the levels; its two-sided open interest is halved', async () => {
    const bybit = await FakeBybit.start();
    exchange = bybit;
    const [t0, t1] = stepTimes();
    bybit.listInstrument('BTCUSDT');
    bybit.setKlines('BTCUSDT', '1', flatCandles());
    // Two-sided 400 → 410 BTC: one side 200 → 205.
    bybit.setOpenInterestHistory('BTCUSDT', [
      { timestamp: t0, openInterest: 400 },
      { timestamp: t1, openInterest: 410 },
    ]);
    bybit.setRiskLimits('BTCUSDT', [
      {
        riskLimitValue: '2000000',
        maintenanceMargin: '0.005',
        initialMargin: '0.01',
        maxLeverage: '100',
        mmDeduction: '',
      },
    ]);
    server = await startTestServer({
      MARKET_SOURCE: 'live',
      EXCHANGES: 'bybit',
      SYMBOLS: 'BTCUSDT',
      HISTORY_HOURS: '0.25',
      LEVERAGE_TIERS: '100:1',
      BYBIT_WS_URL: bybit.wsUrl,
      BYBIT_REST_URL: bybit.restBaseUrl,
    });
    // 100000 · (1 − 1/100 + 0.005) = 99,500 and 100000 · (1 + 1/100 − 0.005) = 100,500.
    await poll(levelsServed).toEqual([
      { price: 99_500, long: 250_000, short: 0 },
      { price: 100_500, long: 0, short: 250_000 },
    ]);
    await poll(marketSource).toEqual({ name: 'bybit', state: 'LIVE' });
    await poll(() => bybit.openConnections()[0]?.streams).toContain('allLiquidation.BTCUSDT');
  });

  it('okx: contracts become coins with ctVal; its tiers and fee-inclusive formula price the levels', async () => {
    const okx = await FakeOkx.start();
    exchange = okx;
    const [t0, t1] = stepTimes();
    const instId = 'BTC-USDT-SWAP';
    okx.listSwap({ instId, ctVal: 0.01 });
    okx.setTiers('BTC-USDT', [{ maxSz: '50000', mmr: '0.004', imr: '0.008', maxLever: '125' }]);
    okx.setCandles(instId, '1m', flatCandles());
    // 20,000 → 20,500 contracts of 0.01 BTC: 200 → 205 BTC.
    okx.setOpenInterestHistory(instId, [
      { ts: t0, oiContracts: 20_000 },
      { ts: t1, oiContracts: 20_500 },
    ]);
    server = await startTestServer({
      MARKET_SOURCE: 'live',
      EXCHANGES: 'okx',
      SYMBOLS: 'BTCUSDT',
      HISTORY_HOURS: '0.25',
      LEVERAGE_TIERS: '100:1',
      OKX_WS_URL: okx.wsUrl,
      OKX_WS_BUSINESS_URL: okx.wsBusinessUrl,
      OKX_REST_URL: okx.restBaseUrl,
    });
    // 100000 · 0.99/(1 − 0.004 − 0.0005) = 99,447.51 and 100000 · 1.01/(1 + 0.004 + 0.0005) = 100,547.54.
    await poll(levelsServed).toEqual([
      { price: 99_400, long: 250_000, short: 0 },
      { price: 100_500, long: 0, short: 250_000 },
    ]);
    await poll(marketSource).toEqual({ name: 'okx', state: 'LIVE' });
    expect(
      okx
        .openConnections()
        .map((c) => c.route)
        .sort(),
    ).toEqual(['/ws/v5/business', '/ws/v5/public']);
  });
});
