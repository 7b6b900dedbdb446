import { createHash } from 'node:crypto';
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, gql } from '@apollo/client';
import { BatchHttpLink } from '@apollo/client/link/batch-http';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisProcess } from '../support/cluster.js';
import { startTestServer, type TestServer } from '../support/server.js';

const sha256 = (query: string) => createHash('sha256').update(query).digest('hex');

/** Every request Apollo's links send, as the server receives it (method, URL, parsed body). */
function recordingFetch() {
  const sent: Array<{ method: string; url: string; body: unknown }> = [];
  const fetchFn: typeof fetch = async (input, init) => {
    const url = String(input);
    sent.push({ method: init?.method ?? 'GET', url, body: init?.body ? JSON.parse(String(init.body)) : null });
    return fetch(input, init);
  };
  return { sent, fetch: fetchFn };
}

function apollo(link: ApolloLink) {
  return new ApolloClient({ link, cache: new InMemoryCache(), defaultOptions: { query: { fetchPolicy: 'no-cache' } } });
}

const SYMBOLS = gql`
  query Symbols {
    symbols {
      symbol
    }
  }
`;
const SNAPSHOT = gql`
  query Snapshot($symbol: String!) {
    snapshot(symbol: $symbol) {
      symbol
      priceStep
    }
  }
`;

/** A request carrying only the hash of `query` (what PersistedQueryLink sends first), over POST or GET. */
async function persistedQuery(url: string, query: string, method: 'GET' | 'POST' = 'POST') {
  const extensions = { persistedQuery: { version: 1, sha256Hash: sha256(query) } };
  const response =
    method === 'GET'
      ? await fetch(`${url}?extensions=${encodeURIComponent(JSON.stringify(extensions))}`)
      : await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ extensions }),
        });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** The query text a link sent (Apollo adds __typename before hashing, so it is not the source text). */
const sentQuery = (sent: Array<{ body: unknown }>) =>
  sent.map((r) => (r.body as { query?: string }).query).find((q) => q !== undefined)!;

/** Registers `query` as the retry of PersistedQueryLink does: the query with its hash. */
const register = (url: string, query: string) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, extensions: { persistedQuery: { version: 1, sha256Hash: sha256(query) } } }),
  });

const NOT_FOUND = {
  status: 404,
  body: { errors: [{ message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }] },
};

describe("Apollo's automatic persisted queries (PersistedQueryLink)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ APQ_MAX_QUERIES: '2' });
  });
  afterAll(() => server?.stop());

  it('a hash-only request gets PersistedQueryNotFound, the link retries with the query, later clients send the hash alone', async () => {
    const first = recordingFetch();
    const link = new PersistedQueryLink({ sha256 }).concat(new HttpLink({ uri: server.httpUrl, fetch: first.fetch }));
    const { data } = await apollo(link).query({ query: SYMBOLS });
    expect(data).toMatchObject({ symbols: [{ symbol: 'BTCUSDT' }, { symbol: 'ETHUSDT' }] });
    const hash = sha256(sentQuery(first.sent));
    expect(first.sent.map((r) => [r.method, (r.body as { query?: string }).query !== undefined])).toEqual([
      ['POST', false], // hash only → 404 PersistedQueryNotFound
      ['POST', true], // the retry with the query registers it
    ]);
    expect((first.sent[0]!.body as { extensions: unknown }).extensions).toMatchObject({
      persistedQuery: { version: 1, sha256Hash: hash },
    });

    const second = recordingFetch();
    const again = new PersistedQueryLink({ sha256 }).concat(new HttpLink({ uri: server.httpUrl, fetch: second.fetch }));
    expect((await apollo(again).query({ query: SYMBOLS })).data).toEqual(data);
    expect(second.sent).toHaveLength(1);
    expect((second.sent[0]!.body as { query?: string }).query).toBeUndefined();
  });

  it('useGETForHashedQueries: the hash travels in the URL, which a CDN can cache and replay', async () => {
    const { sent, fetch: recorded } = recordingFetch();
    const link = new PersistedQueryLink({ sha256, useGETForHashedQueries: true }).concat(
      new HttpLink({ uri: server.httpUrl, fetch: recorded }),
    );
    const { data } = await apollo(link).query({ query: SNAPSHOT, variables: { symbol: 'ETHUSDT' } });
    expect(data).toMatchObject({ snapshot: { symbol: 'ETHUSDT' } });
    // The first GET misses, the POST with the query registers it; the same GET URL now answers.
    expect(sent.map((r) => r.method)).toEqual(['GET', 'POST']);
    const url = sent[0]!.url;
    expect(url).toContain('extensions=');
    expect(url).not.toContain('query=');
    const replay = await fetch(url);
    expect(replay.status).toBe(200);
    expect(await replay.json()).toMatchObject({ data: { snapshot: { symbol: 'ETHUSDT' } } });
  });

  it('a query that does not match its hash is refused and not stored', async () => {
    const query = '{ symbols { seq } }';
    const response = await fetch(server.httpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, extensions: { persistedQuery: { version: 1, sha256Hash: sha256('{ other }') } } }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      errors: [{ message: 'PersistedQueryMismatch', extensions: { code: 'PERSISTED_QUERY_MISMATCH' } }],
    });
  });

  it('the store is bounded: past APQ_MAX_QUERIES the least recently used query is dropped', async () => {
    const queries = ['{ a: symbols { symbol } }', '{ b: symbols { symbol } }', '{ c: symbols { symbol } }'];
    for (const query of queries) expect((await register(server.httpUrl, query)).status).toBe(200);
    // APQ_MAX_QUERIES=2: the first is gone, the other two answer from the hash alone.
    expect(await persistedQuery(server.httpUrl, queries[0]!)).toEqual(NOT_FOUND);
    expect((await persistedQuery(server.httpUrl, queries[1]!)).status).toBe(200);
    expect((await persistedQuery(server.httpUrl, queries[2]!, 'GET')).status).toBe(200);
  });
});

describe('persisted queries shared over Redis (REDIS_URL)', () => {
  let redis: RedisProcess;
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    redis = await RedisProcess.start();
    const env = { REDIS_URL: redis.url, REDIS_CHANNEL_PREFIX: `apq${process.pid}`, APQ_MAX_QUERIES: '2' };
    [a, b] = await Promise.all([startTestServer(env), startTestServer(env)]);
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await redis?.stop();
  });

  it('a query registered on one instance answers from its hash on another; the shared store is bounded too', async () => {
    const queries = ['{ x: symbols { symbol } }', '{ y: symbols { symbol } }', '{ z: symbols { symbol } }'];
    expect(await persistedQuery(b.httpUrl, queries[0]!)).toEqual(NOT_FOUND);
    const { sent, fetch: recorded } = recordingFetch();
    const link = new PersistedQueryLink({ sha256 }).concat(new HttpLink({ uri: a.httpUrl, fetch: recorded }));
    await apollo(link).query({ query: gql(queries[0]!) });
    expect(await persistedQuery(b.httpUrl, sentQuery(sent))).toMatchObject({
      status: 200,
      body: { data: { x: [{ symbol: 'BTCUSDT' }, { symbol: 'ETHUSDT' }] } },
    });
    // Three more registrations on A push x out of Redis (b keeps it in its own LRU, a fresh instance has none).
    for (const query of queries) await register(a.httpUrl, query);
    const c = await startTestServer({ REDIS_URL: redis.url, REDIS_CHANNEL_PREFIX: `apq${process.pid}` });
    try {
      expect(await persistedQuery(c.httpUrl, sentQuery(sent))).toEqual(NOT_FOUND);
      expect(await persistedQuery(c.httpUrl, queries[0]!)).toEqual(NOT_FOUND);
      expect((await persistedQuery(c.httpUrl, queries[1]!)).status).toBe(200);
      expect((await persistedQuery(c.httpUrl, queries[2]!)).status).toBe(200);
    } finally {
      await c.stop();
    }
  });

  it('while Redis is down a hash miss is still a clean PersistedQueryNotFound, and the retry with the query works', async () => {
    await redis.stop();
    try {
      const query = '{ down: symbols { symbol } }';
      expect(await persistedQuery(b.httpUrl, query)).toEqual(NOT_FOUND);
      const { sent, fetch: recorded } = recordingFetch();
      const link = new PersistedQueryLink({ sha256 }).concat(new HttpLink({ uri: b.httpUrl, fetch: recorded }));
      expect((await apollo(link).query({ query: gql(query) })).data).toMatchObject({
        down: [{ symbol: 'BTCUSDT' }, { symbol: 'ETHUSDT' }],
      });
      // Registered in this instance's own LRU: its hash answers while Redis is still down.
      expect((await persistedQuery(b.httpUrl, sentQuery(sent))).status).toBe(200);
    } finally {
      await redis.start();
    }
  });
});

describe("batched operations (Apollo's BatchHttpLink)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      HTTP_MAX_BATCH: '4',
      MAX_QUERY_DEPTH: '2',
      HTTP_RATE_LIMIT: '0.01',
      HTTP_RATE_BURST: '1000',
    });
  });
  afterAll(() => server?.stop());

  const post = (body: unknown) =>
    fetch(server.httpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('queries issued together travel as one JSON array and each gets its own result', async () => {
    const { sent, fetch: recorded } = recordingFetch();
    const client = apollo(new BatchHttpLink({ uri: server.httpUrl, batchMax: 4, batchInterval: 20, fetch: recorded }));
    const results = await Promise.all([
      client.query({ query: SYMBOLS }),
      client.query({ query: SNAPSHOT, variables: { symbol: 'BTCUSDT' } }),
      client.query({ query: SNAPSHOT, variables: { symbol: 'ETHUSDT' } }),
    ]);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.body).toHaveLength(3);
    expect(results.map((r) => r.data)).toMatchObject([
      { symbols: [{ symbol: 'BTCUSDT' }, { symbol: 'ETHUSDT' }] },
      { snapshot: { symbol: 'BTCUSDT' } },
      { snapshot: { symbol: 'ETHUSDT' } },
    ]);
  });

  it('each operation of a batch meets the query limits on its own: one too deep fails alone', async () => {
    const response = await post([
      { query: '{ symbols { symbol } }' },
      { query: '{ snapshot(symbol: "BTCUSDT") { levels { price } } }' },
      { query: '{ streamStats { activeConnections } }' },
    ]);
    expect(response.status).toBe(200);
    const [ok, deep, alsoOk] = (await response.json()) as Array<{ data?: unknown; errors?: unknown[] }>;
    expect(ok!.data).toBeTruthy();
    expect(alsoOk!.data).toBeTruthy();
    expect(deep).toEqual({
      errors: [expect.objectContaining({ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } })],
    });
  });

  it('more operations than HTTP_MAX_BATCH: 413 with a GraphQL error body', async () => {
    const response = await post(Array.from({ length: 5 }, () => ({ query: '{ symbols { symbol } }' })));
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({
      errors: [{ message: 'Batching is limited to 4 operations per request.', extensions: { code: 'BAD_REQUEST' } }],
    });
  });
});

describe('batches and the rate limit', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ HTTP_RATE_LIMIT: '0.01', HTTP_RATE_BURST: '3' });
  });
  afterAll(() => server?.stop());

  it('every operation of a batch takes a token: past the burst the rest of the batch is RATE_LIMITED, slot by slot', async () => {
    const response = await fetch(server.httpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(Array.from({ length: 5 }, () => ({ query: '{ symbols { symbol } }' }))),
    });
    expect(response.status).toBe(200);
    const results = (await response.json()) as Array<{ data?: unknown; errors?: Array<{ extensions: unknown }> }>;
    // One token per 100 s: the burst of 3 passes however slow this machine is.
    expect(results.filter((r) => r.data)).toHaveLength(3);
    const limited = results.filter((r) => r.errors);
    expect(limited).toHaveLength(2);
    for (const r of limited)
      expect(r.errors).toEqual([expect.objectContaining({ extensions: { code: 'RATE_LIMITED' } })]);
    // The batch used the whole burst: the next request is refused outright.
    const next = await fetch(server.httpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ symbols { symbol } }' }),
    });
    expect(next.status).toBe(429);
  });
});
