import { Client, fetchExchange } from '@urql/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HeatmapWindow } from '../../client/src/gql/graphql.js';
import { HeatmapQuery, SnapshotQuery, SymbolsQuery } from '../../client/src/lib/documents.js';
import { waitFor } from '../support/cluster.js';
import { httpQuery } from '../support/graphql-clients.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let urql: Client;
beforeAll(async () => {
  server = await startTestServer();
  urql = new Client({ url: server.httpUrl, exchanges: [fetchExchange], requestPolicy: 'network-only' });
  // Readiness: every symbol has a published frame.
  await waitFor('every symbol to have a frame', async () => (await fetch(`${server.url}/health`)).status === 200);
});
afterAll(() => server?.stop());

describe('queries over HTTP (urql)', () => {
  it('symbols lists the configured symbols with their source and last update', async () => {
    const { data, error } = await urql.query(SymbolsQuery, {}).toPromise();
    expect(error).toBeUndefined();
    const symbols = data?.symbols ?? [];
    expect(symbols.map((s) => s.symbol)).toEqual(['BTCUSDT', 'ETHUSDT']);
    for (const s of symbols) {
      expect(s.source).toBe('simulator');
      expect(Date.parse(s.lastUpdate ?? '')).toBeGreaterThan(Date.now() - 60_000);
      expect(s.seq).toBeGreaterThanOrEqual(1);
    }
    const [btc, eth] = symbols;
    expect(btc?.currentPrice).toBeGreaterThan(10 * (eth?.currentPrice ?? Infinity)); // each symbol has its own price scale
  });

  it('snapshot returns the latest frame: price-sorted non-empty levels on both sides', async () => {
    const { data, error } = await urql.query(SnapshotQuery, { symbol: 'BTCUSDT' }).toPromise();
    expect(error).toBeUndefined();
    const frame = data?.snapshot;
    if (!frame) throw new Error('no snapshot in the answer');
    expect(frame.symbol).toBe('BTCUSDT');
    expect(frame.levels.length).toBeGreaterThan(0);
    const prices = frame.levels.map((l) => l.price);
    expect(prices).toEqual([...prices].sort((a, b) => a - b));
    expect(frame.levels.every((l) => l.long > 0 || l.short > 0)).toBe(true);
    expect(frame.levels.some((l) => l.long > 0)).toBe(true);
    expect(frame.levels.some((l) => l.short > 0)).toBe(true);
    expect(Date.parse(frame.generatedAt)).toBeGreaterThanOrEqual(Date.parse(frame.timestamp));
  });

  it.each<HeatmapWindow>(['H12', 'H24', 'D3', 'D7', 'D30'])('heatmap %s has a consistent grid', async (window) => {
    const { data, error } = await urql.query(HeatmapQuery, { symbol: 'ETHUSDT', window }).toPromise();
    expect(error).toBeUndefined();
    const h = data?.heatmap;
    if (!h) throw new Error('no heatmap in the answer');
    expect(h.window).toBe(window);
    expect(h.rows).toBeGreaterThan(0);
    expect(h.rows).toBeLessThanOrEqual(300);
    expect((Date.parse(h.to) - Date.parse(h.from)) / 1000).toBe(h.columns * h.intervalSeconds);
    expect(h.cells.length).toBeGreaterThan(0);
    for (const [col, row, long = 0, short = 0] of h.cells) {
      expect(col).toBeGreaterThanOrEqual(0);
      expect(col).toBeLessThan(h.columns);
      expect(row).toBeGreaterThanOrEqual(0);
      expect(row).toBeLessThan(h.rows);
      expect(long + short).toBeGreaterThan(0);
    }
  });

  it('heatmap defaults to the 24h window', async () => {
    const { body } = await httpQuery<{ heatmap: { window: string } }>(
      server.httpUrl,
      '{ heatmap(symbol: "BTCUSDT") { window } }',
    );
    expect(body.data?.heatmap.window).toBe('H24');
  });

  it('an unknown symbol is an INVALID_SYMBOL error naming the valid ones; other fields of the request still answer', async () => {
    const { body } = await httpQuery<{ good: { symbol: string }; bad: unknown }>(
      server.httpUrl,
      '{ good: snapshot(symbol: "BTCUSDT") { symbol } bad: snapshot(symbol: "DOGEUSDT") { symbol } }',
    );
    expect(body.data?.good.symbol).toBe('BTCUSDT');
    expect(body.errors).toHaveLength(1);
    expect(body.errors?.[0]?.path).toEqual(['bad']);
    expect(body.errors?.[0]?.extensions?.code).toBe('INVALID_SYMBOL');
    expect(body.errors?.[0]?.message).toContain('BTCUSDT, ETHUSDT');
  });

  it('streamStats and GET /stats report the instance counters', async () => {
    const { body } = await httpQuery<{
      streamStats: { framesPublished: number; subscriptionsBySymbol: Array<{ symbol: string }> };
    }>(
      server.httpUrl,
      '{ streamStats { activeConnections activeSubscriptions framesPublished messagesSent droppedFrames slowConsumerWarnings broadcastP50Ms broadcastP95Ms subscriptionsBySymbol { symbol subscriptions } } }',
    );
    expect(body.errors).toBeUndefined();
    expect(body.data?.streamStats.framesPublished).toBeGreaterThanOrEqual(2);
    expect(body.data?.streamStats.subscriptionsBySymbol.map((s) => s.symbol)).toEqual(['BTCUSDT', 'ETHUSDT']);
    const stats = await (await fetch(`${server.url}/stats`)).json();
    expect(stats).toMatchObject({
      activeConnections: expect.any(Number),
      subscriptionsBySymbol: { BTCUSDT: expect.any(Number) },
    });
  });

  it('a path with a malformed percent escape gets a client answer (the page or 404), not a server error', async () => {
    const response = await fetch(`${server.url}/assets/%E0%A4%A.js`);
    expect(response.status).toBeLessThan(500);
  });

  it('health reports liveness, readiness and the source state', async () => {
    const res = await fetch(`${server.url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      status: 'ok',
      live: true,
      ready: true,
      source: { source: 'simulator', state: 'live' },
    });
  });

  it('GraphiQL is served at /graphql, self-contained and set to the WebSocket protocol', async () => {
    const res = await fetch(server.httpUrl, { headers: { accept: 'text/html' } });
    const html = await res.text();
    expect(res.status).toBe(200);
    expect(html).toContain('"subscriptionsProtocol":"WS"');
    expect(html).not.toContain('unpkg.com');
  });
});
