import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { KeyedRateLimiter, TokenBucket } from '../../src/server/rate-limit.js';
import {
  closeOf,
  HEATMAP_SUBSCRIPTION,
  rawSocket,
  record,
  webSocketWithHeaders,
  wsClient,
} from '../support/graphql-clients.js';
import { startTestServer, type TestServer } from '../support/server.js';

describe('token buckets', () => {
  it('allow a burst, then the rate, and say how long to wait', () => {
    const bucket = new TokenBucket(2, 3, 0);
    expect([1, 2, 3, 4].map(() => bucket.take(0))).toEqual([true, true, true, false]);
    expect(bucket.retryAfterSeconds(0)).toBe(1);
    expect(bucket.take(499)).toBe(false);
    expect(bucket.take(500)).toBe(true); // 2 per second: one token after 500 ms
    expect(bucket.isFull(2000)).toBe(true);
    expect([1, 2, 3, 4].map(() => bucket.take(2000))).toEqual([true, true, true, false]);
  });

  it("a new address's first request passes, even with a burst of 1", () => {
    const limiter = new KeyedRateLimiter(0.01, 1);
    expect([limiter.take('a'), limiter.take('b'), limiter.take('a')]).toEqual([0, 0, 100]);
  });

  it('per address: independent buckets, bounded in number however many addresses appear', () => {
    const limiter = new KeyedRateLimiter(1, 2, 100);
    expect([limiter.take('a'), limiter.take('a'), limiter.take('a')]).toEqual([0, 0, 1]);
    expect(limiter.take('b')).toBe(0);
    for (let i = 0; i < 10_000; i++) limiter.take(`10.0.${i >> 8}.${i & 255}`);
    expect(limiter.size).toBe(100);
  });
});

describe('rate limits against the real server', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      HTTP_RATE_LIMIT: '0.1',
      HTTP_RATE_BURST: '10',
      WS_RATE_LIMIT: '2',
      WS_RATE_BURST: '5',
      TRUST_PROXY: 'true',
    });
  });
  afterAll(() => server.stop());

  /** /stats refusal counters: tests compare before and after, so no test depends on another's count. */
  const refusals = async () =>
    (
      (await (await fetch(`${server.url}/stats`)).json()) as {
        refused: { httpRateLimited: number; wsRateLimited: number };
      }
    ).refused;

  const query = (forwardedFor: string) =>
    fetch(server.httpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
      body: JSON.stringify({ query: '{ symbols { symbol } }' }),
    });

  it('HTTP: past the burst an address gets 429 with Retry-After and a RATE_LIMITED error; other addresses and /health are unaffected', async () => {
    const before = await refusals();
    const responses = await Promise.all(Array.from({ length: 25 }, () => query('203.0.113.7')));
    // One token per 10 s: the burst of 10 passes, the rest is refused, however slow this machine is.
    expect(responses.map((r) => r.status).sort()).toEqual([...Array(10).fill(200), ...Array(15).fill(429)]);
    const limited = responses.find((r) => r.status === 429)!;
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(5);
    expect(await limited.json()).toEqual({
      errors: [
        {
          message: expect.stringMatching(
            /at most 0.1 operations per second per client \(HTTP_RATE_LIMIT\); retry in \d+ s/,
          ),
          extensions: { code: 'RATE_LIMITED' },
        },
      ],
    });

    // The proxy's own (last) X-Forwarded-For entry is the address: a client-claimed first entry changes nothing.
    expect((await query('198.51.100.1, 203.0.113.7')).status).toBe(429);
    expect((await query('203.0.113.7, 198.51.100.1')).status).toBe(200);
    expect(
      (await Promise.all(Array.from({ length: 30 }, () => fetch(`${server.url}/health`)))).every(
        (r) => r.status !== 429,
      ),
    ).toBe(true);
    expect((await refusals()).httpRateLimited - before.httpRateLimited).toBe(16);
  });

  it('WebSocket: subscribes past the budget get a RATE_LIMITED error, counted; the connection and its subscriptions live on', async () => {
    const before = await refusals();
    const client = wsClient(server.wsUrl);
    const live = record(client, HEATMAP_SUBSCRIPTION, { symbols: ['BTCUSDT'] });
    await live.until(() => live.frames().length >= 1);
    const burst = Array.from({ length: 10 }, () => record(client, '{ symbols { symbol } }', {}));
    await Promise.all(burst.map((op) => op.until(() => op.completed || op.error !== undefined)));
    const refused = burst.filter((op) => op.error !== undefined);
    expect(burst.length - refused.length).toBeGreaterThanOrEqual(3);
    expect(refused.length).toBeGreaterThanOrEqual(5);
    expect((await refusals()).wsRateLimited - before.wsRateLimited).toBe(refused.length);
    expect(refused[0]!.error).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(/at most 2 per second per connection \(WS_RATE_LIMIT\)/),
        extensions: { code: 'RATE_LIMITED' },
      }),
    ]);
    // The earlier subscription keeps streaming, and after a pause the connection may subscribe again.
    const seen = live.frames().length;
    await live.until(() => live.frames().length > seen);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const later = record(client, '{ symbols { symbol } }', {});
    await later.until(() => later.completed || later.error !== undefined);
    expect(later.error).toBeUndefined();
    await client.dispose();
  });

  it('WebSocket: queries draw on the same per-address budget as HTTP (HTTP_RATE_LIMIT); subscriptions do not', async () => {
    const address = '192.0.2.20';
    const clients = [1, 2, 3].map(() =>
      wsClient(server.wsUrl, { webSocketImpl: webSocketWithHeaders({ 'x-forwarded-for': address }) }),
    );
    const live = record(clients[0]!, HEATMAP_SUBSCRIPTION, { symbols: ['BTCUSDT'] });
    await live.until(() => live.frames().length >= 1);
    // 4 per connection stays within each connection's WS_RATE_BURST (5); 12 exceed the address's 10.
    const queries = clients.flatMap((client) => [1, 2, 3, 4].map(() => record(client, '{ symbols { symbol } }', {})));
    await Promise.all(queries.map((op) => op.until(() => op.completed || op.error !== undefined)));
    const refused = queries.filter((op) => op.error !== undefined);
    expect(refused.length).toBe(2);
    expect(refused[0]!.error).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(
          /at most 0.1 operations per second per client \(HTTP_RATE_LIMIT\); retry in \d+ s/,
        ),
        extensions: { code: 'RATE_LIMITED' },
      }),
    ]);
    // The same budget over HTTP: spent.
    expect((await query(address)).status).toBe(429);
    expect(live.error).toBeUndefined();
    for (const client of clients) await client.dispose();
  });

  it('WebSocket: a ping flood is closed with 1008; another connection is not affected', async () => {
    const before = await refusals();
    const bystander = wsClient(server.wsUrl);
    const sub = record(bystander, HEATMAP_SUBSCRIPTION, { symbols: ['ETHUSDT'] });
    await sub.until(() => sub.frames().length >= 1);
    const flooder = await rawSocket(server.wsUrl);
    flooder.send(JSON.stringify({ type: 'connection_init' }));
    await new Promise((resolve) => flooder.once('message', resolve));
    const closed = closeOf(flooder);
    for (let i = 0; i < 50 && flooder.readyState === WebSocket.OPEN; i++)
      flooder.send(JSON.stringify({ type: 'ping' }));
    expect(await closed).toEqual({ code: 1008, reason: 'Rate limit exceeded: more than 2 messages per second' });
    const seen = sub.frames().length;
    await sub.until(() => sub.frames().length > seen);
    expect(sub.error).toBeUndefined();
    await bystander.dispose();
    expect((await refusals()).wsRateLimited).toBeGreaterThan(before.wsRateLimited);
  });
});

describe('wrong API keys over WebSocket, against the real server', () => {
  const KEY = 'k1-0123456789abcdef';
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      API_KEYS: KEY,
      HTTP_RATE_LIMIT: '0.1',
      HTTP_RATE_BURST: '3',
      TRUST_PROXY: 'true',
    });
  });
  afterAll(() => server.stop());

  /** connection_init with `apiKey` from `address`: 'ack' or the close code and reason. */
  async function handshake(address: string, apiKey: string) {
    const ws = await rawSocket(server.wsUrl, { headers: { 'x-forwarded-for': address } });
    const closed = closeOf(ws);
    const acked = new Promise<'ack'>((resolve) => ws.once('message', () => resolve('ack')));
    ws.send(JSON.stringify({ type: 'connection_init', payload: { apiKey } }));
    const outcome = await Promise.race([acked, closed]);
    ws.terminate();
    return outcome;
  }

  it('are throttled per address like HTTP: past the budget no key is checked, other addresses are unaffected', async () => {
    const guesser = '192.0.2.30';
    for (let i = 0; i < 3; i++)
      expect(await handshake(guesser, `wrong-key-${i}-000000000`)).toMatchObject({ code: 4403 });
    // The budget (HTTP_RATE_BURST 3) is spent: refused before the key is looked at, even the right one.
    expect(await handshake(guesser, 'wrong-key-3-000000000')).toEqual({
      code: 1008,
      reason: expect.stringMatching(/^Too many requests from this address \(HTTP_RATE_LIMIT\); retry in \d+ s$/),
    });
    expect(await handshake(guesser, KEY)).toMatchObject({ code: 1008 });
    // The same budget as HTTP's.
    const http = await fetch(server.httpUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${KEY}`,
        'x-forwarded-for': guesser,
      },
      body: JSON.stringify({ query: '{ symbols { symbol } }' }),
    });
    expect(http.status).toBe(429);
    expect(await handshake('192.0.2.31', KEY)).toBe('ack');
  });
});
