import { getIntrospectionQuery } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HEATMAP_SUBSCRIPTION, httpQuery, record, wsClient } from '../support/graphql-clients.js';
import { startTestServer, type TestServer } from '../support/server.js';

/**
 * Hostile documents against the default limits: each is refused with an error naming the limit,
 * before execution (no data, no subscription registered), and the server keeps answering.
 */
let server: TestServer;
beforeAll(async () => {
  // Rate limiting is tested on its own; here every document must reach the GraphQL limits.
  server = await startTestServer({ HTTP_RATE_LIMIT: '0' });
});
afterAll(() => server.stop());

const message = (body: { errors?: ReadonlyArray<{ message: string }> }) =>
  body.errors?.map((e) => e.message).join(' | ') ?? '';
const stats = async () =>
  (await (await fetch(`${server.url}/stats`)).json()) as { activeSubscriptions: number; messagesSent: number };

/** A WebSocket operation's first result or error, with the connection still open afterwards. */
async function overWebSocket(query: string, variables: Record<string, unknown> = {}) {
  const client = wsClient(server.wsUrl);
  const sub = record(client, query, variables);
  await sub.until(() => sub.error !== undefined || sub.results.length > 0);
  const outcome = {
    error: sub.error as Array<{ message: string; extensions?: { code?: string } }> | undefined,
    results: [...sub.results],
  };
  sub.unsubscribe();
  await client.dispose();
  return outcome;
}

describe('GraphQL abuse is refused before execution', () => {
  it('a deep query hidden in fragments: depth limit (MAX_QUERY_DEPTH=2 here; no schema path reaches the default 8)', async () => {
    const tooDeep = await startTestServer({ MAX_QUERY_DEPTH: '2', HTTP_RATE_LIMIT: '0' });
    try {
      const nested =
        'query { ...A } fragment A on Query { snapshot(symbol: "BTCUSDT") { ...B } } fragment B on HeatmapSnapshot { candle { time } }';
      const { body } = await httpQuery(tooDeep.httpUrl, nested);
      expect(body.data).toBeUndefined();
      expect(message(body)).toMatch(/depth limit of 2 exceeded/i);
    } finally {
      await tooDeep.stop();
    }
  });

  it('a wide query repeating one field over a hundred times: cost limit, with no data', async () => {
    // 140 × 7 tokens: under the token limit, over the cost limit.
    const wide = `{ ${Array.from({ length: 140 }, () => 'symbols { symbol seq currentPrice lastUpdate }').join(' ')} }`;
    const { body } = await httpQuery(server.httpUrl, wide);
    expect(body.data).toBeUndefined();
    expect(message(body)).toMatch(/cost limit of 1000 exceeded/i);
  });

  it('an alias bomb: alias limit', async () => {
    const aliases = `{ ${Array.from({ length: 50 }, (_, i) => `h${i}: heatmap(symbol: "BTCUSDT") { cells }`).join(' ')} }`;
    const { body } = await httpQuery(server.httpUrl, aliases);
    expect(body.data).toBeUndefined();
    expect(message(body)).toMatch(/aliases limit of 15 exceeded/i);
  });

  it('a fragment bomb (each fragment spreads the previous one twice, 2^60 fields): cost limit', async () => {
    let fragments = 'fragment F0 on Query { heatmap(symbol: "BTCUSDT") { cells } }\n';
    for (let i = 1; i <= 60; i++) fragments += `fragment F${i} on Query { ...F${i - 1} ...F${i - 1} }\n`;
    const { body } = await httpQuery(server.httpUrl, `query { ...F60 }\n${fragments}`);
    expect(body.data).toBeUndefined();
    expect(message(body)).toMatch(/cost limit of 1000 exceeded/i);
    const over = await overWebSocket(
      `subscription { ...S60 }\nfragment S0 on Subscription { heatmapUpdated(symbols: ["BTCUSDT"]) { seq } }\n${Array.from({ length: 60 }, (_, i) => `fragment S${i + 1} on Subscription { ...S${i} ...S${i} }`).join('\n')}`,
    );
    expect(JSON.stringify(over.error)).toMatch(/cost limit/i);
  });

  it('directive and token floods: their limits', async () => {
    const directives = await httpQuery(server.httpUrl, `{ symbols ${'@include(if: true) '.repeat(50)} { symbol } }`);
    expect(message(directives.body)).toMatch(/directives limit of 20 exceeded/i);
    const tokens = await httpQuery(server.httpUrl, `{ symbols { ${'symbol '.repeat(1500)} } }`);
    expect(tokens.body.data).toBeUndefined();
    expect(message(tokens.body)).toMatch(/token limit of 1000 exceeded/i);
  });

  it('introspection: the standard query works, a nested one (exponential result) is refused', async () => {
    const standard = await httpQuery<{ __schema: { types: unknown[] } }>(server.httpUrl, getIntrospectionQuery());
    expect(standard.body.data?.__schema.types.length).toBeGreaterThan(10);
    const nested = await httpQuery(
      server.httpUrl,
      '{ __schema { types { fields { type { fields { type { fields { type { fields { name } } } } } } } } } }',
    );
    expect(nested.body.data).toBeUndefined();
    expect(message(nested.body)).toMatch(/maximum introspection depth exceeded/i);
  });

  it('a huge variables list: VARIABLES_TOO_LARGE before parsing, over HTTP (400) and WebSocket', async () => {
    const symbols = Array.from({ length: 5000 }, () => 'BTCUSDT');
    const http = await httpQuery(
      server.httpUrl,
      'query Q($s: [String!]!) { symbols { symbol } q: snapshot(symbol: "BTCUSDT") { seq } }',
      { s: symbols },
    );
    expect(http.status).toBe(400);
    expect(http.body.errors?.[0]).toMatchObject({ extensions: { code: 'VARIABLES_TOO_LARGE', limit: 200 } });
    const before = await stats();
    const ws = await overWebSocket(HEATMAP_SUBSCRIPTION, { symbols });
    expect(ws.error?.[0]?.extensions?.code).toBe('VARIABLES_TOO_LARGE');
    expect((await stats()).activeSubscriptions).toBe(before.activeSubscriptions);
  });

  it('thousands of symbols in the document: BAD_USER_INPUT before any subscription is registered', async () => {
    const before = await stats();
    const list = Array.from({ length: 900 }, (_, i) => `"S${i}"`).join(' ');
    const ws = await overWebSocket(`subscription { heatmapUpdated(symbols: [${list}]) { seq } }`);
    const error =
      ws.error ?? (ws.results[0]?.errors as Array<{ message: string; extensions?: { code?: string } }> | undefined);
    expect(error?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(error?.[0]?.message).toMatch(/900 symbols; at most 10/);
    // 11 symbols through variables: the same error, the same nothing registered.
    const eleven = await overWebSocket(HEATMAP_SUBSCRIPTION, { symbols: Array.from({ length: 11 }, () => 'BTCUSDT') });
    const elevenError = eleven.error ?? (eleven.results[0]?.errors as Array<{ message: string }> | undefined);
    expect(elevenError?.[0]?.message).toMatch(/11 symbols; at most 10/);
    const after = await stats();
    expect(after.activeSubscriptions).toBe(before.activeSubscriptions);
  });

  it('a request body beyond HTTP_MAX_BODY_BYTES: 413', async () => {
    const res = await fetch(server.httpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ symbols { symbol } } # ${'x'.repeat(100_000)}` }),
    });
    expect(res.status).toBe(413);
    expect((await httpQuery(server.httpUrl, '{ symbols { symbol } }')).status).toBe(200);
  });
});
