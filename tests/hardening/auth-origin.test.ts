import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { loadConfig } from '../../src/server/config.js';
import { closeOf, HEATMAP_SUBSCRIPTION, httpQuery, record, wsClient } from '../support/graphql-clients.js';
import { startTestServer, type TestServer } from '../support/server.js';

const KEY = 'k1-0123456789abcdef';
const OTHER_KEY = 'k2-fedcba9876543210';
const DASHBOARD = 'https://dash.example.com';

const servers: TestServer[] = [];
afterAll(() => Promise.all(servers.map((s) => s.stop())));

const post = (url: string, headers: Record<string, string>, query = '{ symbols { symbol } }') =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query }),
  });

/** The HTTP status of a WebSocket upgrade, or 101 when it opened. */
function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, 'graphql-transport-ws', { headers });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('open', () => {
      ws.terminate();
      resolve(101);
    });
    ws.on('error', () => {});
  });
}

/** Opens a raw socket, sends connection_init with `payload`, resolves with 'ack' or the close code. */
async function handshake(
  url: string,
  payload?: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<{ outcome: 'ack' | number; reason?: string }> {
  const ws = new WebSocket(url, 'graphql-transport-ws', { headers });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const closed = closeOf(ws);
  const acked = new Promise<'ack'>((resolve) =>
    ws.once('message', (data) => {
      if (JSON.parse(String(data)).type === 'connection_ack') resolve('ack');
    }),
  );
  ws.send(JSON.stringify({ type: 'connection_init', ...(payload ? { payload } : {}) }));
  const result = await Promise.race([acked, closed]);
  ws.terminate();
  return result === 'ack' ? { outcome: 'ack' } : { outcome: result.code, reason: result.reason };
}

describe('with API keys, an origin allow-list, GraphiQL and introspection off', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      API_KEYS: `${KEY}, ${OTHER_KEY}`,
      CORS_ALLOWED_ORIGINS: DASHBOARD,
      GRAPHIQL_ENABLED: 'false',
      INTROSPECTION_ENABLED: 'false',
      HTTP_RATE_LIMIT: '0',
    });
    servers.push(server);
  });

  it('HTTP: 401 with an UNAUTHENTICATED GraphQL error without a valid Bearer key, data with one', async () => {
    for (const headers of [
      {},
      { authorization: 'Bearer wrong-key-0000000000' },
      { authorization: KEY },
      { authorization: `Basic ${KEY}` },
    ] as Array<Record<string, string>>) {
      const res = await post(server.httpUrl, headers);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
      expect(await res.json()).toMatchObject({
        errors: [{ message: expect.stringMatching(/Authorization: Bearer/), extensions: { code: 'UNAUTHENTICATED' } }],
      });
    }
    for (const authorization of [`Bearer ${KEY}`, `bearer ${OTHER_KEY}`]) {
      const res = await post(server.httpUrl, { authorization });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ data: { symbols: [{ symbol: 'BTCUSDT' }, { symbol: 'ETHUSDT' }] } });
    }
  });

  it('/health, /metrics and /stats stay reachable without a key', async () => {
    for (const path of ['/health', '/health/live', '/metrics', '/stats'])
      expect((await fetch(`${server.url}${path}`)).status).toBe(200);
  });

  it('WebSocket: 4403 without a valid key in connectionParams; the key as authorization, Authorization, apiKey or the upgrade header', async () => {
    for (const payload of [
      undefined,
      {},
      { authorization: 'Bearer nope-nope-nope-nope' },
      { apiKey: 'short' },
      { authorization: KEY },
    ]) {
      const { outcome, reason } = await handshake(server.wsUrl, payload);
      expect(outcome).toBe(4403);
      expect(reason).toMatch(/API key/);
    }
    for (const payload of [
      { authorization: `Bearer ${KEY}` },
      { Authorization: `Bearer ${OTHER_KEY}` },
      { apiKey: KEY },
    ]) {
      expect((await handshake(server.wsUrl, payload)).outcome).toBe('ack');
    }
    expect((await handshake(server.wsUrl, undefined, { authorization: `Bearer ${KEY}` })).outcome).toBe('ack');
    // And a graphql-ws client with connectionParams streams as usual.
    const client = wsClient(server.wsUrl, { connectionParams: { authorization: `Bearer ${KEY}` } });
    const sub = record(client, HEATMAP_SUBSCRIPTION, { symbols: ['BTCUSDT'] });
    await sub.until(() => sub.frames().length >= 1);
    await client.dispose();
  });

  it('origins: a foreign page gets 403 on the WebSocket upgrade and on HTTP; the allowed one and non-browser clients pass', async () => {
    expect(await upgradeStatus(server.wsUrl, { origin: 'https://evil.example' })).toBe(403);
    expect(await upgradeStatus(server.wsUrl, { origin: `${DASHBOARD}.evil.example` })).toBe(403);
    expect(await upgradeStatus(server.wsUrl, { origin: DASHBOARD })).toBe(101);
    expect(await upgradeStatus(server.wsUrl)).toBe(101);

    const foreign = await post(server.httpUrl, { origin: 'https://evil.example', authorization: `Bearer ${KEY}` });
    expect(foreign.status).toBe(403);
    expect(await foreign.json()).toMatchObject({ errors: [{ extensions: { code: 'FORBIDDEN_ORIGIN' } }] });
    const allowed = await post(server.httpUrl, { origin: DASHBOARD, authorization: `Bearer ${KEY}` });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(DASHBOARD);
    expect(allowed.headers.get('access-control-allow-credentials')).toBeNull();
    // A CORS preflight needs no key (browsers never send one), and allows the Authorization header.
    const preflight = await fetch(server.httpUrl, {
      method: 'OPTIONS',
      headers: {
        origin: DASHBOARD,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    expect(preflight.status).toBeLessThan(300);
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/authorization/i);
  });

  it('GraphiQL is not served and introspection is refused; __typename still works', async () => {
    const page = await fetch(server.httpUrl, { headers: { accept: 'text/html', authorization: `Bearer ${KEY}` } });
    expect(await page.text()).not.toMatch(/<html/i);
    const introspection = await post(
      server.httpUrl,
      { authorization: `Bearer ${KEY}` },
      '{ __schema { types { name } } }',
    );
    expect(JSON.stringify(await introspection.json())).toMatch(/introspection.*not allowed|GraphQL introspection/i);
    const typename = await post(
      server.httpUrl,
      { authorization: `Bearer ${KEY}` },
      '{ __typename symbols { __typename symbol } }',
    );
    expect((await typename.json()).data.__typename).toBe('Query');
    // Over WebSocket too: validation runs through the same envelop.
    const client = wsClient(server.wsUrl, { connectionParams: { apiKey: KEY } });
    const sub = record(client, '{ __type(name: "Query") { name } }', {});
    await sub.until(() => sub.error !== undefined);
    expect(JSON.stringify(sub.error)).toMatch(/introspection/i);
    await client.dispose();
  });

  it('counts every refusal by reason in /stats and requests_refused_total', async () => {
    const counts = async () => {
      const stats = (await (await fetch(`${server.url}/stats`)).json()) as { refused: Record<string, number> };
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      const metric = (reason: string) =>
        Number(new RegExp(`^requests_refused_total\\{reason="${reason}"\\} (\\d+)$`, 'm').exec(metrics)?.[1] ?? 0);
      return {
        stats: { unauthorized: stats.refused.unauthorized!, origin: stats.refused.origin! },
        metrics: { unauthorized: metric('unauthorized'), origin: metric('origin') },
      };
    };
    const before = await counts();
    // Two unauthorized over HTTP, one over WebSocket; one foreign origin on each.
    expect((await post(server.httpUrl, {})).status).toBe(401);
    expect((await post(server.httpUrl, { authorization: 'Bearer wrong-key-0000000000' })).status).toBe(401);
    expect((await handshake(server.wsUrl, { apiKey: 'wrong-key-0000000000' })).outcome).toBe(4403);
    expect(
      (await post(server.httpUrl, { origin: 'https://evil.example', authorization: `Bearer ${KEY}` })).status,
    ).toBe(403);
    expect(await upgradeStatus(server.wsUrl, { origin: 'https://evil.example' })).toBe(403);
    const after = await counts();
    const expected = { unauthorized: before.stats.unauthorized + 3, origin: before.stats.origin + 2 };
    expect(after.stats).toEqual(expected);
    expect(after.metrics).toEqual(expected);
  });
});

describe('defaults: open, as the dashboard expects', () => {
  it('needs no key, accepts any origin without credentials, serves GraphiQL and introspection', async () => {
    const server = await startTestServer();
    servers.push(server);
    expect((await httpQuery(server.httpUrl, '{ symbols { symbol } }')).status).toBe(200);
    expect((await handshake(server.wsUrl)).outcome).toBe('ack');
    expect(await upgradeStatus(server.wsUrl, { origin: 'https://anywhere.example' })).toBe(101);
    const cors = await post(server.httpUrl, { origin: 'https://anywhere.example' });
    expect(cors.headers.get('access-control-allow-origin')).toBe('https://anywhere.example');
    expect(cors.headers.get('access-control-allow-credentials')).toBeNull();
    expect((await fetch(server.httpUrl, { headers: { accept: 'text/html' } })).headers.get('content-type')).toMatch(
      /html/,
    );
    expect((await httpQuery(server.httpUrl, '{ __schema { queryType { name } } }')).body.data).toEqual({
      __schema: { queryType: { name: 'Query' } },
    });
  });
});

describe('configuration', () => {
  it('refuses short API keys and malformed origins without echoing a key', () => {
    expect(() => loadConfig({ API_KEYS: 'short-secret' })).toThrow(
      /API_KEYS=<redacted>: API keys must be at least 16 characters/,
    );
    expect(() => loadConfig({ API_KEYS: 'short-secret' })).not.toThrow(/short-secret/);
    expect(() => loadConfig({ CORS_ALLOWED_ORIGINS: 'https://dash.example.com/' })).toThrow(
      /CORS_ALLOWED_ORIGINS.*origins look like/,
    );
    expect(
      loadConfig({ API_KEYS: `${KEY},${OTHER_KEY}`, CORS_ALLOWED_ORIGINS: `${DASHBOARD}, http://localhost:4000` }),
    ).toMatchObject({
      API_KEYS: [KEY, OTHER_KEY],
      CORS_ALLOWED_ORIGINS: [DASHBOARD, 'http://localhost:4000'],
    });
  });
});
