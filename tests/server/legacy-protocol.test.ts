import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { ApolloClient, InMemoryCache, gql } from '@apollo/client';
import { WebSocketLink } from '@apollo/client/link/ws';
import { SubscriptionClient } from 'subscriptions-transport-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { waitFor } from '../support/cluster.js';
import { startTestServer, type TestServer } from '../support/server.js';

/**
 * The legacy subscriptions-transport-ws protocol (subprotocol `graphql-ws`) through its own 0.11
 * client and Apollo's WebSocketLink on top of it, and over raw `ws` where a client hides what
 * matters: same limits, auth, origin checks and metrics as graphql-transport-ws (docs/api.md).
 */
const FRAMES = 'subscription ($s: [String!]!) { heatmapUpdated(symbols: $s) { symbol seq } }';
type Result = { data?: { heatmapUpdated?: { symbol: string; seq: number } } | null; errors?: unknown[] };

function legacyClient(url: string, options: ConstructorParameters<typeof SubscriptionClient>[1] = {}) {
  return new SubscriptionClient(url, { reconnect: false, ...options }, WebSocket);
}

/** Everything one operation of a SubscriptionClient delivers. */
function run(client: SubscriptionClient, query: string, variables: Record<string, unknown> = {}) {
  const results: Result[] = [];
  let error: unknown;
  let completed = false;
  const subscription = client.request({ query, variables }).subscribe({
    next: (r) => results.push(r as Result),
    error: (e) => (error = e),
    complete: () => (completed = true),
  });
  return {
    results,
    get error() {
      return error;
    },
    get completed() {
      return completed;
    },
    stop: () => subscription.unsubscribe(),
  };
}

/** A raw socket offering `protocols`, recording what it receives. */
async function rawLegacy(url: string, options: WebSocket.ClientOptions = {}) {
  const ws = new WebSocket(url, 'graphql-ws', options);
  const messages: Array<{ type: string; id?: string; payload?: unknown }> = [];
  ws.on('message', (data) => messages.push(JSON.parse(String(data))));
  await once(ws, 'open');
  return { ws, messages };
}

/** The HTTP answer to an upgrade that is refused before the handshake. */
function refusedUpgrade(url: string, protocols: string[], options: WebSocket.ClientOptions = {}) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const ws = new WebSocket(url, protocols, options);
    ws.on('open', () => reject(new Error('the handshake succeeded')));
    ws.on('error', () => {});
    ws.on('unexpected-response', (_req, res: IncomingMessage) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
  });
}

describe('legacy graphql-ws subprotocol: clients', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ WS_KEEPALIVE: '0.3' });
    await waitFor('readiness', async () => (await fetch(`${server.url}/health`)).status === 200);
  });
  afterAll(() => server?.stop());

  it("subscriptions-transport-ws's own client streams frames, each symbol's seq rising", async () => {
    const client = legacyClient(server.wsUrl);
    const op = run(client, FRAMES, { s: ['BTCUSDT', 'ETHUSDT'] });
    const seqs = (symbol: string) =>
      op.results.flatMap((r) => (r.data?.heatmapUpdated?.symbol === symbol ? [r.data.heatmapUpdated.seq] : []));
    await waitFor('two frames of each symbol', () => seqs('BTCUSDT').length >= 2 && seqs('ETHUSDT').length >= 2);
    expect(op.error).toBeUndefined();
    for (const symbol of ['BTCUSDT', 'ETHUSDT']) {
      const s = seqs(symbol);
      expect(s).toEqual(s.map((_, i) => s[0]! + i));
    }
    expect((client as unknown as { client: WebSocket }).client.protocol).toBe('graphql-ws');
    op.stop();
    client.close();
  });

  it("Apollo's legacy WebSocketLink on it streams frames into Apollo Client", async () => {
    const subscriptionClient = legacyClient(server.wsUrl);
    const apollo = new ApolloClient({ link: new WebSocketLink(subscriptionClient), cache: new InMemoryCache() });
    const values: Array<{ data?: unknown; error?: unknown }> = [];
    const subscription = apollo
      .subscribe({ query: gql(FRAMES), variables: { s: ['ETHUSDT'] } })
      .subscribe({ next: (v) => values.push(v) });
    await waitFor('two frames', () => values.length >= 2);
    expect(values.map((v) => v.error)).toEqual([undefined, undefined]);
    expect(values[1]!.data).toMatchObject({ heatmapUpdated: { symbol: 'ETHUSDT' } });
    subscription.unsubscribe();
    subscriptionClient.close();
  });

  it('queries work over it too: a result, then complete', async () => {
    const client = legacyClient(server.wsUrl);
    const op = run(client, '{ symbols { symbol } }');
    await waitFor('complete', () => op.completed);
    expect(op.results).toEqual([{ data: { symbols: [{ symbol: 'BTCUSDT' }, { symbol: 'ETHUSDT' }] } }]);
    client.close();
  });

  it('errors as the legacy client reports them: a result with errors for an unknown symbol, an error for an invalid document', async () => {
    const client = legacyClient(server.wsUrl);
    const unknown = run(client, FRAMES, { s: ['DOGEUSDT'] });
    const invalid = run(client, 'subscription { heatmapUpdated(symbols: ["BTCUSDT"]) { nope } }');
    await waitFor('both ended', () => unknown.completed && invalid.error !== undefined);
    expect(unknown.results).toEqual([
      { errors: [expect.objectContaining({ extensions: expect.objectContaining({ code: 'INVALID_SYMBOL' }) })] },
    ]);
    // The client hands the first of the `error` message's errors to the observer.
    expect(invalid.error).toMatchObject({ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
    client.close();
  });

  it('keeps the connection alive with `ka` after the ack and then every WS_KEEPALIVE, and `stop` ends an operation', async () => {
    const { ws, messages } = await rawLegacy(server.wsUrl);
    ws.send(JSON.stringify({ type: 'connection_init', payload: {} }));
    await waitFor('ack and keep-alives', () => messages.filter((m) => m.type === 'ka').length >= 3);
    expect(messages.slice(0, 2).map((m) => m.type)).toEqual(['connection_ack', 'ka']);
    ws.send(JSON.stringify({ id: 's1', type: 'start', payload: { query: FRAMES, variables: { s: ['BTCUSDT'] } } }));
    await waitFor('a data message', () => messages.some((m) => m.type === 'data' && m.id === 's1'));
    ws.send(JSON.stringify({ id: 's1', type: 'stop' }));
    await waitFor('the server to drop the subscription', async () => {
      const stats = (await (await fetch(`${server.url}/stats`)).json()) as { activeSubscriptions: number };
      return stats.activeSubscriptions === 0;
    });
    expect(messages.some((m) => ['next', 'ping', 'pong'].includes(m.type))).toBe(false);
    ws.send(JSON.stringify({ type: 'connection_terminate' }));
    const [code] = (await once(ws, 'close')) as [number];
    expect(code).toBe(1000);
  });

  it('/metrics counts connections by protocol', async () => {
    const legacy = await rawLegacy(server.wsUrl);
    const modern = new WebSocket(server.wsUrl, 'graphql-transport-ws');
    await once(modern, 'open');
    const gauge = (text: string, protocol: string) =>
      Number(new RegExp(`^ws_active_connections_by_protocol\\{protocol="${protocol}"\\} (\\d+)$`, 'm').exec(text)?.[1]);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(gauge(metrics, 'graphql-ws')).toBeGreaterThanOrEqual(1);
    expect(gauge(metrics, 'graphql-transport-ws')).toBeGreaterThanOrEqual(1);
    legacy.ws.close();
    modern.close();
  });
});

describe('legacy graphql-ws subprotocol: the same limits and checks', () => {
  const KEY = 'legacy-test-key-0123456789';
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      API_KEYS: KEY,
      CORS_ALLOWED_ORIGINS: 'https://dashboard.example',
      WS_MAX_SUBSCRIPTIONS_PER_CONNECTION: '2',
      WS_RATE_LIMIT: '0.01',
      WS_RATE_BURST: '3',
      WS_INIT_TIMEOUT: '0.5',
    });
  });
  afterAll(() => server?.stop());

  it('a client offering neither subprotocol is refused at the handshake with an HTTP 400 naming both', async () => {
    for (const protocols of [[], ['graphql-sse'], ['GRAPHQL-WS']]) {
      const { status, body } = await refusedUpgrade(server.wsUrl, protocols);
      expect({ protocols, status }).toEqual({ protocols, status: 400 });
      expect(body).toContain('graphql-transport-ws');
      expect(body).toContain('graphql-ws');
    }
  });

  it('a client offering both gets graphql-transport-ws', async () => {
    const ws = new WebSocket(server.wsUrl, ['graphql-ws', 'graphql-transport-ws']);
    await once(ws, 'open');
    expect(ws.protocol).toBe('graphql-transport-ws');
    ws.close();
  });

  it('a foreign Origin is refused before the handshake, as for graphql-transport-ws', async () => {
    const { status } = await refusedUpgrade(server.wsUrl, ['graphql-ws'], { origin: 'https://evil.example' });
    expect(status).toBe(403);
  });

  it('the API key travels in connectionParams; without it: connection_error, then 4403', async () => {
    const good = legacyClient(server.wsUrl, { connectionParams: { apiKey: KEY } });
    const op = run(good, '{ symbols { symbol } }');
    await waitFor('the answer', () => op.completed);
    expect(op.results).toHaveLength(1);
    good.close();

    const { ws, messages } = await rawLegacy(server.wsUrl);
    ws.send(JSON.stringify({ type: 'connection_init', payload: { apiKey: 'wrong-key-wrong-key-wrong' } }));
    const [code, reason] = (await once(ws, 'close')) as [number, Buffer];
    expect(code).toBe(4403);
    expect(String(reason)).toContain('API key');
    expect(messages).toEqual([
      { type: 'connection_error', payload: { message: 'Forbidden: a valid API key is required in connectionParams' } },
    ]);
  });

  it('subscriptions per connection and the message rate limit answer with legacy `error` messages', async () => {
    const { ws, messages } = await rawLegacy(server.wsUrl);
    ws.send(JSON.stringify({ type: 'connection_init', payload: { apiKey: KEY } }));
    for (const id of ['1', '2', '3'])
      ws.send(JSON.stringify({ id, type: 'start', payload: { query: FRAMES, variables: { s: ['BTCUSDT'] } } }));
    ws.send(JSON.stringify({ id: '4', type: 'start', payload: { query: '{ symbols { symbol } }' } }));
    const errorOf = (id: string) =>
      messages.find((m) => m.type === 'error' && m.id === id)?.payload as Array<{ extensions: { code: string } }>;
    await waitFor('both refusals', () => errorOf('3') !== undefined && errorOf('4') !== undefined, 5000).catch(
      (error: Error) => {
        throw new Error(`${error.message}: ${JSON.stringify(messages)}`);
      },
    );
    expect(errorOf('3')[0]!.extensions.code).toBe('TOO_MANY_SUBSCRIPTIONS');
    expect(errorOf('4')[0]!.extensions.code).toBe('RATE_LIMITED');
    expect(ws.readyState).toBe(WebSocket.OPEN);
    ws.close();
  });

  it('no connection_init within WS_INIT_TIMEOUT: 4408', async () => {
    const { ws } = await rawLegacy(server.wsUrl);
    const [code] = (await once(ws, 'close')) as [number];
    expect(code).toBe(4408);
  });
});
