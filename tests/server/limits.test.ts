import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { closeOf, HEATMAP_SUBSCRIPTION, httpQuery, rawSocket, record, wsClient } from '../support/graphql-clients.js';
import { waitFor } from '../support/cluster.js';
import { startTestServer, type TestServer } from '../support/server.js';

const servers: TestServer[] = [];
const start = async (env: Record<string, string> = {}) => {
  const server = await startTestServer(env);
  servers.push(server);
  return server;
};
afterAll(() => Promise.all(servers.map((s) => s.stop())));

const init = (ws: WebSocket) =>
  new Promise<void>((resolve) => {
    ws.once('message', () => resolve());
    ws.send(JSON.stringify({ type: 'connection_init' }));
  });

describe('limits, each with a clear error or close code', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await start({
      WS_MAX_CONNECTIONS: '3',
      WS_INIT_TIMEOUT: '0.5',
      WS_MAX_MESSAGE_BYTES: '4096',
      WS_MAX_SUBSCRIPTIONS_PER_CONNECTION: '2',
      MAX_QUERY_DEPTH: '4',
    });
  });
  const open: WebSocket[] = [];
  afterEach(async () => {
    open.splice(0).forEach((ws) => ws.terminate());
    // The server sees the closes a moment later; the next test must not meet this one's sockets at the cap.
    await waitFor('every connection closed on the server', async () => {
      const stats = (await (await fetch(`${server.url}/stats`)).json()) as { activeConnections: number };
      return stats.activeConnections === 0;
    });
  });

  it('closes connections beyond WS_MAX_CONNECTIONS with 1013 and counts them', async () => {
    for (let i = 0; i < 3; i++) {
      const ws = await rawSocket(server.wsUrl);
      open.push(ws);
      await init(ws);
    }
    const extra = await rawSocket(server.wsUrl);
    const closed = await closeOf(extra);
    expect(closed.code).toBe(1013);
    expect(closed.reason).toContain('limit of 3');
    const stats = await (await fetch(`${server.url}/stats`)).json();
    expect(stats.rejectedConnections).toBeGreaterThanOrEqual(1);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/ws_rejected_connections_total [1-9]/);
  });

  it('closes a connection that never sends connection_init with 4408', async () => {
    const ws = await rawSocket(server.wsUrl);
    expect((await closeOf(ws)).code).toBe(4408);
  });

  it('acknowledges a connection_init sent in time but read only after a stalled event loop, not 4408', async () => {
    const ws = await rawSocket(server.wsUrl);
    open.push(ws);
    const outcome = Promise.race([init(ws).then(() => 'acknowledged'), closeOf(ws).then(({ code }) => code)]);
    // The server shares this process: its event loop stalls past WS_INIT_TIMEOUT (0.5 s) with the
    // message already in its socket, as a loaded machine's can.
    const stalledAt = Date.now();
    while (Date.now() - stalledAt < 1000);
    expect(await outcome).toBe('acknowledged');
  });

  it('closes on a malformed protocol message with 4400 while another client keeps streaming', async () => {
    const good = wsClient(server.wsUrl);
    const sub = record(good, HEATMAP_SUBSCRIPTION, { symbols: ['BTCUSDT'] });
    await sub.until(() => sub.frames().length >= 1);
    const bad = await rawSocket(server.wsUrl);
    await init(bad);
    const closed = closeOf(bad);
    bad.send('{"type":"subscribe","id":42}');
    expect((await closed).code).toBe(4400);
    const seen = sub.frames().length;
    await sub.until(() => sub.frames().length >= seen + 2);
    expect(sub.error).toBeUndefined();
    sub.unsubscribe();
    await good.dispose();
  });

  it('closes on an oversized message with 1009', async () => {
    const ws = await rawSocket(server.wsUrl);
    await init(ws);
    const closed = closeOf(ws);
    ws.send(JSON.stringify({ type: 'ping', payload: { pad: 'x'.repeat(10_000) } }));
    expect((await closed).code).toBe(1009);
  });

  it('answers an operation beyond WS_MAX_SUBSCRIPTIONS_PER_CONNECTION with TOO_MANY_SUBSCRIPTIONS, keeping the others', async () => {
    const client = wsClient(server.wsUrl);
    const a = record(client, HEATMAP_SUBSCRIPTION, { symbols: ['BTCUSDT'] });
    const b = record(client, HEATMAP_SUBSCRIPTION, { symbols: ['ETHUSDT'] });
    await a.until(() => a.frames().length >= 1);
    await b.until(() => b.frames().length >= 1);
    const c = record(client, HEATMAP_SUBSCRIPTION, { symbols: ['BTCUSDT'] });
    await c.until(() => c.error !== undefined);
    expect((c.error as Array<{ extensions: { code: string } }>)[0]?.extensions.code).toBe('TOO_MANY_SUBSCRIPTIONS');
    const seen = a.frames().length;
    await a.until(() => a.frames().length > seen);
    await client.dispose();
  });
});

describe('query depth, cost and alias limits', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await start({ MAX_QUERY_DEPTH: '2', MAX_QUERY_COST: '30', MAX_ALIASES: '3' });
  });
  const codes = (errors: unknown) => JSON.stringify(errors);

  it('rejects a query deeper than MAX_QUERY_DEPTH over HTTP and over WebSocket', async () => {
    expect((await httpQuery(server.httpUrl, '{ snapshot(symbol: "BTCUSDT") { seq } }')).body.errors).toBeUndefined();
    const deep = '{ snapshot(symbol: "BTCUSDT") { candle { open } } }';
    const http = await httpQuery(server.httpUrl, deep);
    expect(http.body.data).toBeUndefined();
    expect(codes(http.body.errors)).toMatch(/depth/i);
    const client = wsClient(server.wsUrl);
    const sub = record(client, 'subscription { heatmapUpdated(symbols: ["BTCUSDT"]) { candle { open } } }', {});
    await sub.until(() => sub.error !== undefined);
    expect(codes(sub.error)).toMatch(/depth/i);
    await client.dispose();
  });

  it('rejects a query costlier than MAX_QUERY_COST and more aliases than MAX_ALIASES', async () => {
    const wide = `{ snapshot(symbol: "BTCUSDT") { ${'symbol seq currentPrice priceStep positionsCreated positionsConsumed timestamp generatedAt '.repeat(1)} } symbols { symbol source lastUpdate currentPrice seq } streamStats { activeConnections activeSubscriptions framesPublished messagesSent droppedFrames slowConsumerWarnings broadcastP50Ms broadcastP95Ms } heatmap(symbol: "BTCUSDT") { symbol window intervalSeconds from to columns priceMin rowStep rows currentPrice } }`;
    const cost = await httpQuery(server.httpUrl, wide);
    expect(cost.body.data).toBeUndefined();
    expect(codes(cost.body.errors)).toMatch(/cost/i);
    const aliases = await httpQuery(
      server.httpUrl,
      `{ ${Array.from({ length: 5 }, (_, i) => `a${i}: symbols { symbol }`).join(' ')} }`,
    );
    expect(aliases.body.data).toBeUndefined();
    expect(codes(aliases.body.errors)).toMatch(/alias/i);
  });
});

describe('WS_ENABLED=false', () => {
  it('answers the WebSocket upgrade with 503 while HTTP queries keep working', async () => {
    const server = await start({ WS_ENABLED: 'false' });
    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(server.wsUrl, 'graphql-transport-ws');
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('error', () => {});
    });
    expect(status).toBe(503);
    const { body } = await httpQuery<{ snapshot: { symbol: string } }>(
      server.httpUrl,
      '{ snapshot(symbol: "ETHUSDT") { symbol } }',
    );
    expect(body.data?.snapshot.symbol).toBe('ETHUSDT');
  });
});
