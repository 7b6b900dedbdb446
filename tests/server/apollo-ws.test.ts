import { createHash } from 'node:crypto';
import { ApolloClient, ApolloLink, CombinedGraphQLErrors, InMemoryCache, gql } from '@apollo/client';
import { BatchHttpLink } from '@apollo/client/link/batch-http';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { getMainDefinition } from '@apollo/client/utilities';
import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { waitFor } from '../support/cluster.js';
import { startTestServer, type TestServer } from '../support/server.js';

/**
 * Apollo Client 4 set up as docs/api.md ("Apollo Client") shows it: subscriptions over GraphQLWsLink,
 * queries through PersistedQueryLink and BatchHttpLink; and the error paths its table promises.
 */
let server: TestServer;
let ws: Client;
let client: ApolloClient;
const requests: unknown[] = [];
beforeAll(async () => {
  // GraphQLWsLink's error path reads the global WebSocket, which Node has from 22 on (docs/api.md).
  globalThis.WebSocket ??= WebSocket as unknown as typeof globalThis.WebSocket;
  server = await startTestServer();
  await waitFor('readiness', async () => (await fetch(`${server.url}/health`)).status === 200);
  ws = createClient({ url: server.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0 });
  const http = new PersistedQueryLink({ sha256: (q) => createHash('sha256').update(q).digest('hex') }).concat(
    new BatchHttpLink({
      uri: server.httpUrl,
      batchMax: 10,
      fetch: (input, init) => {
        requests.push(JSON.parse(String(init?.body)));
        return fetch(input, init);
      },
    }),
  );
  const link = ApolloLink.split(
    ({ query }) => {
      const definition = getMainDefinition(query);
      return definition.kind === 'OperationDefinition' && definition.operation === 'subscription';
    },
    new GraphQLWsLink(ws),
    http,
  );
  client = new ApolloClient({ link, cache: new InMemoryCache() });
});
afterAll(async () => {
  await ws?.dispose();
  await server?.stop();
});

/** The first `count` values of a subscription, or its error. */
function take(query: string, count: number) {
  return new Promise<{ values: Array<{ data?: unknown; error?: unknown }>; error?: unknown }>((resolve) => {
    const values: Array<{ data?: unknown; error?: unknown }> = [];
    const subscription = client.subscribe({ query: gql(query) }).subscribe({
      next: (value) => {
        values.push(value);
        if (values.length === count || value.error) {
          subscription.unsubscribe();
          resolve({ values });
        }
      },
      error: (error) => resolve({ values, error }),
      complete: () => resolve({ values }),
    });
  });
}

describe('Apollo Client 4 with GraphQLWsLink, PersistedQueryLink and BatchHttpLink', () => {
  it('streams heatmapUpdated frames over GraphQLWsLink', async () => {
    const { values, error } = await take('subscription { heatmapUpdated(symbols: ["BTCUSDT"]) { symbol seq } }', 2);
    expect(error).toBeUndefined();
    expect(values).toHaveLength(2);
    const [a, b] = values.map((v) => (v.data as { heatmapUpdated: { symbol: string; seq: number } }).heatmapUpdated);
    expect(a!.symbol).toBe('BTCUSDT');
    expect(b!.seq).toBeGreaterThan(a!.seq);
  });

  it('an unknown symbol (a result with errors) reaches Apollo as CombinedGraphQLErrors with the code', async () => {
    const { values, error } = await take('subscription { heatmapUpdated(symbols: ["DOGEUSDT"]) { seq } }', 1);
    // Apollo 4 delivers it as a value's `error` (the observable itself does not fail).
    expect(error).toBeUndefined();
    const reported = values.at(-1)?.error;
    expect(reported).toBeInstanceOf(CombinedGraphQLErrors);
    expect((reported as CombinedGraphQLErrors).errors[0]?.extensions?.code).toBe('INVALID_SYMBOL');
  });

  it('a validation error (a graphql-ws `error` message) reaches Apollo as CombinedGraphQLErrors too', async () => {
    const { values, error } = await take('subscription { heatmapUpdated(symbols: ["BTCUSDT"]) { nope } }', 1);
    expect(error).toBeUndefined();
    const reported = values.at(-1)?.error;
    expect(reported).toBeInstanceOf(CombinedGraphQLErrors);
    const [first] = (reported as CombinedGraphQLErrors).errors;
    expect(first?.extensions).toEqual({ code: 'GRAPHQL_VALIDATION_FAILED' });
  });

  it('queries go out batched and hash-first; the unknown hashes are retried with their query', async () => {
    requests.length = 0;
    const [symbols, snapshot] = await Promise.all([
      client.query({ query: gql('{ symbols { symbol } }') }),
      client.query({ query: gql('{ snapshot(symbol: "ETHUSDT") { symbol } }') }),
    ]);
    expect(symbols.data).toMatchObject({ symbols: [{ symbol: 'BTCUSDT' }, { symbol: 'ETHUSDT' }] });
    expect(snapshot.data).toMatchObject({ snapshot: { symbol: 'ETHUSDT' } });
    // A batch of two hashes (both unknown), then the query texts.
    expect(requests[0]).toHaveLength(2);
    expect((requests[0] as Array<{ query?: string }>).every((op) => op.query === undefined)).toBe(true);
    const retried = requests.slice(1).flat() as Array<{ query?: string }>;
    expect(retried.filter((op) => op.query !== undefined)).toHaveLength(2);
  });
});
