import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { HEATMAP_SUBSCRIPTION, httpQuery, record, wsClient } from '../support/graphql-clients.js';
import type { FakeExchangeServer } from '../support/fake-exchange-server.js';
import { FED_EXCHANGES, type FedExchange, type FedExchangeName } from '../support/fed-exchange.js';
import { startTestServer, type TestServer } from '../support/server.js';

/**
 * Each live source (Binance, Bybit, OKX), run by the real server against its fake exchange, meets a
 * stalled stream, a dropped connection, garbage, and clock jumps. Each time: /health says degraded and
 * why (the dashboard reads it), the last heatmap and frames keep being served, and it recovers by itself.
 */
/**
 * After a stall is detected the source replaces the connection; the fake refuses the reconnect, so the
 * detail soon reads "connection closed (code 1006)". The fake never closes a stalled socket itself, so
 * either detail proves the server detected the stall.
 */
const STALL_DETECTED = /stalled: no message for \d+ ms|connection closed \(code 1006\).*reconnecting/;

describe.each(Object.keys(FED_EXCHANGES) as FedExchangeName[])('feed faults through the real server: %s', (name) => {
  let fed: FedExchange;
  let exchange: FakeExchangeServer;
  let server: TestServer;

  interface Health {
    status: string;
    ready: boolean;
    reasons: string[];
    source: { state: string; errors: number; detail: string | null };
  }
  const health = async () => {
    const res = await fetch(`${server.url}/health`);
    return { httpStatus: res.status, ...((await res.json()) as Health) };
  };
  const snapshotSeq = async () =>
    (await httpQuery<{ snapshot: { seq: number } }>(server.httpUrl, '{ snapshot(symbol: "BTCUSDT") { seq } }')).body
      .data?.snapshot.seq;
  const heatmapServed = async () => {
    const { body } = await httpQuery<{ heatmap: { columns: number; currentPrice: number } }>(
      server.httpUrl,
      '{ heatmap(symbol: "BTCUSDT", window: H12) { columns currentPrice } }',
    );
    return body.data?.heatmap.columns ?? 0;
  };

  beforeAll(async () => {
    fed = await FED_EXCHANGES[name]();
    exchange = fed.exchange;
    server = await startTestServer(fed.serverEnv);
    for (let i = 0; (await health()).status !== 'ok'; i++) {
      if (i > 150) throw new Error(`the ${name} source never became healthy: ${JSON.stringify(await health())}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }, 60_000);

  afterEach(() => {
    vi.restoreAllMocks();
    fed.now = () => Date.now();
    fed.feeding = true;
    exchange.refuseConnections(false);
  });

  afterAll(async () => {
    await server?.stop();
    await fed?.close();
  });

  /** While the source is down: still ready (200), degraded for `reason`, and the last data still served. */
  async function expectDegradedButServing(reason: RegExp): Promise<void> {
    await expect.poll(health, { timeout: 10_000 }).toMatchObject({
      httpStatus: 200,
      status: 'degraded',
      ready: true,
      source: { state: 'degraded' },
      reasons: expect.arrayContaining([expect.stringMatching(reason)]),
    });
    expect(await snapshotSeq()).toBeGreaterThan(0);
    expect(await heatmapServed()).toBeGreaterThan(0);
    // What the dashboard reads to show the feed's state:
    const { body } = await httpQuery<{ marketSource: { name: string; state: string; detail: string | null } }>(
      server.httpUrl,
      '{ marketSource { name state detail } }',
    );
    expect(body.data?.marketSource).toMatchObject({
      name,
      state: expect.stringMatching(/DEGRADED|CONNECTING/),
      detail: expect.any(String),
    });
  }

  /** Back to ok without anyone's help, and frames move again. */
  async function expectRecovered(sub: ReturnType<typeof record>): Promise<void> {
    await expect.poll(async () => (await health()).status, { timeout: 15_000 }).toBe('ok');
    expect(
      (await httpQuery<{ marketSource: { state: string } }>(server.httpUrl, '{ marketSource { state } }')).body.data
        ?.marketSource.state,
    ).toBe('LIVE');
    const seen = sub.frames().length;
    await sub.until(() => sub.frames().length >= seen + 2);
    expect(sub.error).toBeUndefined();
  }

  it('a stalled stream: degraded, the last heatmap served, replaced and live again', async () => {
    const client = wsClient(server.wsUrl);
    const sub = record(client, HEATMAP_SUBSCRIPTION, { symbols: ['BTCUSDT'] });
    await sub.until(() => sub.frames().length >= 2);
    exchange.refuseConnections(true);
    exchange.stall();
    await expectDegradedButServing(STALL_DETECTED);
    exchange.refuseConnections(false);
    await expectRecovered(sub);
    await client.dispose();
  });

  it('a dropped connection: degraded while reconnecting, then live again with the same streams', async () => {
    const client = wsClient(server.wsUrl);
    const sub = record(client, HEATMAP_SUBSCRIPTION, { symbols: ['BTCUSDT'] });
    await sub.until(() => sub.frames().length >= 1);
    exchange.refuseConnections(true);
    exchange.dropAll();
    // OKX names which of its two connections closed.
    await expectDegradedButServing(/market source degraded: (\w+ stream )?connection closed.*reconnecting/);
    exchange.refuseConnections(false);
    await expectRecovered(sub);
    // Every reconnect streams (subscribes to) the same as the first connection on its route.
    const firstByRoute = new Map<string, string>();
    for (const c of exchange.connections) {
      if (!firstByRoute.has(c.route)) firstByRoute.set(c.route, c.streams.join('/'));
      if (c.open) expect(c.streams.join('/')).toBe(firstByRoute.get(c.route));
    }
    await client.dispose();
  });

  it('garbage on the stream: counted in /health and /metrics, never fatal, frames keep flowing', async () => {
    const client = wsClient(server.wsUrl);
    const sub = record(client, HEATMAP_SUBSCRIPTION, { symbols: ['BTCUSDT'] });
    await sub.until(() => sub.frames().length >= 1);
    const errorsBefore = (await health()).source.errors;
    // Each connection gets every piece of garbage (OKX has two).
    const garbage = 5 * exchange.openConnections().length;
    for (const text of [
      '{not json',
      '\u0000\u0001',
      JSON.stringify({ stream: 'btcusdt@aggTrade', data: { e: 'aggTrade', p: 'NaN' } }),
      JSON.stringify([1, 2, 3]),
      'x'.repeat(100_000),
    ])
      exchange.sendRaw(text);
    await expect.poll(async () => (await health()).source.errors).toBe(errorsBefore + garbage);
    expect((await health()).source.state).toBe('live');
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(Number(/^market_source_errors_total (\d+)/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(
      errorsBefore + garbage,
    );
    const seen = sub.frames().length;
    await sub.until(() => sub.frames().length >= seen + 2);
    await client.dispose();
  });

  it('the exchange clock jumps a day ahead: those events are rejected (degraded), the heatmap keeps its time, then live again', async () => {
    const client = wsClient(server.wsUrl);
    const sub = record(client, HEATMAP_SUBSCRIPTION, { symbols: ['BTCUSDT'] });
    await sub.until(() => sub.frames().length >= 1);
    fed.feeding = false;
    const future = setInterval(() => fed.pushMark(1, Date.now() + 24 * 3600_000), 50);
    try {
      await expectDegradedButServing(/exchange timestamps \d+ s ahead of the local clock/);
      // The engine's clock did not follow: the last update is not in the future, the price not 1.
      const { body } = await httpQuery<{ symbols: Array<{ lastUpdate: string; currentPrice: number }> }>(
        server.httpUrl,
        '{ symbols { lastUpdate currentPrice } }',
      );
      expect(Date.parse(body.data!.symbols[0]!.lastUpdate)).toBeLessThanOrEqual(Date.now());
      expect(body.data!.symbols[0]!.currentPrice).toBeGreaterThan(99_000);
    } finally {
      clearInterval(future);
    }
    fed.feeding = true;
    await expectRecovered(sub);
    await client.dispose();
  });

  it('the local wall clock jumps an hour back: the skew is reported; during a stall it does not hide the stall (monotonic)', async () => {
    const client = wsClient(server.wsUrl);
    const sub = record(client, HEATMAP_SUBSCRIPTION, { symbols: ['BTCUSDT'] });
    await sub.until(() => sub.frames().length >= 1);
    const realNow = Date.now.bind(Date);
    const jumpBack = () => vi.spyOn(Date, 'now').mockImplementation(() => realNow() - 3600_000);
    // The exchange keeps real time while ours jumps back: its events look an hour ahead.
    fed.now = realNow;
    jumpBack();
    await expectDegradedButServing(/exchange timestamps 3600 s ahead of the local clock/);
    vi.restoreAllMocks(); // NTP puts the clock right
    await expectRecovered(sub);
    // The jump lands between the stream's last message and the stall check.
    exchange.refuseConnections(true);
    exchange.stall();
    jumpBack();
    await expectDegradedButServing(STALL_DETECTED);
    vi.restoreAllMocks();
    exchange.refuseConnections(false);
    await expectRecovered(sub);
    await client.dispose();
  });
});
