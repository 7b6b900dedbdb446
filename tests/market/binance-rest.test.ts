import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BINANCE_REST_BUDGET } from '../../src/market/binance/rest.js';
import { RestClient } from '../../src/market/rest-client.js';
import { FakeExchange } from '../support/fake-exchange.js';
import { ManualClock } from './manual-clock.js';

const MID_MINUTE = Date.UTC(2026, 0, 1, 0, 0, 30);

let exchange: FakeExchange;
let abort: AbortController;
let clock: ManualClock;
let rest: RestClient;

beforeEach(async () => {
  exchange = await FakeExchange.start();
  exchange.setOpenInterest('BTCUSDT', 81_234.5, 1_700_000_000_000);
  abort = new AbortController();
  clock = new ManualClock(MID_MINUTE);
  rest = new RestClient(
    { baseUrl: exchange.restBaseUrl, clock, signal: abort.signal, retryBaseMs: 10, retryMaxMs: 100 },
    BINANCE_REST_BUDGET,
  );
});

afterEach(async () => {
  abort.abort();
  await exchange.close();
});

describe('binance REST client', () => {
  it.each([429, 418] as const)('waits exactly Retry-After after a %i before asking again', async (status) => {
    exchange.rateLimitNext(1, 5, status);
    const answer = rest.getJson('/fapi/v1/openInterest', { symbol: 'BTCUSDT' }, 1);
    await expect.poll(() => clock.pending).toBe(1);
    expect(clock.nextDueAt).toBe(MID_MINUTE + 5_000);
    clock.advance(4_999);
    expect(exchange.requests().map((r) => r.status)).toEqual([status]);
    clock.advance(1);
    await expect(answer).resolves.toEqual({ openInterest: '81234.5', symbol: 'BTCUSDT', time: 1_700_000_000_000 });
    expect(exchange.requests().map((r) => r.status)).toEqual([status, 200]);
  });

  it('keeps within 2400 weight per minute, trusting X-MBX-USED-WEIGHT-1M, by waiting for the next minute', async () => {
    exchange.setUsedWeight(2_390); // other clients on the same IP
    await rest.getJson('/fapi/v1/openInterest', { symbol: 'BTCUSDT' }, 1);
    expect(rest.weightUsed).toBe(2_391);
    // klines with limit 1500 weigh 10: 2391 + 10 > 2400.
    const klines = rest.getJson('/fapi/v1/klines', { symbol: 'BTCUSDT', interval: '1m', limit: 1500 }, 10);
    await expect.poll(() => clock.pending).toBe(1);
    expect(clock.nextDueAt).toBe(MID_MINUTE + 30_000);
    expect(exchange.requests('/fapi/v1/klines')).toEqual([]);
    clock.advance(30_000);
    await expect(klines).resolves.toEqual([]);
    expect(exchange.requests('/fapi/v1/klines').length).toBe(1);
  });

  it('gives up on a client error with the exchange message, and stops waiting when aborted', async () => {
    await expect(rest.getJson('/fapi/v1/openInterest', { symbol: 'NOPEUSDT' }, 1)).rejects.toThrow(
      /HTTP 400 .*Invalid symbol/,
    );
    exchange.rateLimitNext(1, 60);
    const answer = rest.getJson('/fapi/v1/openInterest', { symbol: 'BTCUSDT' }, 1);
    await expect.poll(() => clock.pending).toBe(1);
    abort.abort();
    await expect(answer).rejects.toThrow(/aborted/);
    expect(clock.pending).toBe(0);
  });
});
