import { ApolloClient, ApolloLink, gql, InMemoryCache } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { Client as UrqlClient, gql as urqlGql, subscriptionExchange } from '@urql/core';
import { once } from 'node:events';
import type { Socket } from 'node:net';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pipe, subscribe } from 'wonka';
import WebSocket from 'ws';
import { waitFor } from '../client/wait.js';
import { frameKey, HEATMAP_SUBSCRIPTION, plainReplay } from '../support/graphql-clients.js';
import { startTestServer, type TestServer } from '../support/server.js';

// permessage-deflate end to end on the real server: clients that offer it get every frame compressed
// once for all of them, clients that do not get the plain path, and both read exactly the same
// message for the same seq — with graphql-ws's client, urql and Apollo Client over `ws`.

/** Every socket a client library opens through it, with what it sent and received, as text. */
function capturingWebSocket(offerDeflate: boolean) {
  const sockets: WebSocket[] = [];
  const sent: string[] = [];
  const received: string[] = [];
  class Capturing extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, { perMessageDeflate: offerDeflate ? {} : false });
      sockets.push(this);
      this.on('message', (data) => received.push(String(data)));
    }
    override send(data: unknown, ...rest: unknown[]) {
      sent.push(String(data));
      return (super.send as (...args: unknown[]) => void)(data, ...rest);
    }
  }
  const wireBytes = () =>
    sockets.reduce((total, ws) => total + ((ws as unknown as { _socket?: Socket })._socket?.bytesRead ?? 0), 0);
  return {
    impl: Capturing,
    sockets,
    sent,
    received,
    wireBytes,
    nexts: () => received.filter((m) => m.includes('"type":"next"')),
  };
}

/** The same seq's message on both sides is the same text; the compressed side's socket carried far fewer bytes. */
async function expectSameMessages(
  compressing: ReturnType<typeof capturingWebSocket>,
  plain: Awaited<ReturnType<typeof plainReplay>>,
) {
  const common = await waitFor(() => {
    const plainSeqs = new Set(plain.nexts().map(frameKey));
    const shared = compressing.nexts().filter((m) => plainSeqs.has(frameKey(m)));
    return shared.length >= 3 ? shared : null;
  }, 'three seqs received by both clients');
  for (const message of common) expect(plain.nexts().find((m) => frameKey(m) === frameKey(message))).toBe(message);
  expect(compressing.sockets.every((ws) => ws.extensions === 'permessage-deflate')).toBe(true);
  expect(plain.ws.extensions).toBe('');
  const plainBytes = (plain.ws as unknown as { _socket: Socket })._socket.bytesRead;
  const perMessage = (bytes: number, messages: number) => bytes / messages;
  expect(perMessage(compressing.wireBytes(), compressing.received.length)).toBeLessThan(
    0.4 * perMessage(plainBytes, plain.nexts().length + 1),
  );
}

const subscribeMessageOf = (sent: string[]) =>
  waitFor(() => sent.find((m) => m.includes('"type":"subscribe"')), 'the subscribe message');

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.stop());

describe('permessage-deflate on the WebSocket endpoint', () => {
  it("graphql-ws's client: a compressing and a plain client read the same message for the same seq", async () => {
    const compressing = capturingWebSocket(true);
    const client = createClient({ url: server.wsUrl, webSocketImpl: compressing.impl, lazy: false, retryAttempts: 0 });
    const unsubscribe = client.subscribe(
      { query: HEATMAP_SUBSCRIPTION, variables: { symbols: ['BTCUSDT', 'ETHUSDT'] } },
      { next: () => {}, error: () => {}, complete: () => {} },
    );
    const plain = await plainReplay(server.wsUrl, await subscribeMessageOf(compressing.sent));
    await expectSameMessages(compressing, plain);
    unsubscribe();
    await client.dispose();
    plain.ws.close();
  });

  it('urql over graphql-ws: the same', async () => {
    const compressing = capturingWebSocket(true);
    const wsClient = createClient({ url: server.wsUrl, webSocketImpl: compressing.impl, retryAttempts: 0 });
    const urql = new UrqlClient({
      url: server.httpUrl,
      exchanges: [
        subscriptionExchange({
          forwardSubscription: (request) => ({
            subscribe: (sink) => ({
              unsubscribe: wsClient.subscribe({ ...request, query: request.query ?? '' }, sink),
            }),
          }),
        }),
      ],
    });
    const seqs: number[] = [];
    const { unsubscribe } = pipe(
      urql.subscription(urqlGql(HEATMAP_SUBSCRIPTION), { symbols: ['BTCUSDT'] }),
      subscribe((result) => {
        if (result.data) seqs.push(result.data.heatmapUpdated.seq);
      }),
    );
    const plain = await plainReplay(server.wsUrl, await subscribeMessageOf(compressing.sent));
    await expectSameMessages(compressing, plain);
    await waitFor(() => seqs.length >= 3, 'urql results');
    unsubscribe();
    await wsClient.dispose();
    plain.ws.close();
  });

  it('Apollo Client over graphql-ws: the same', async () => {
    const compressing = capturingWebSocket(true);
    const wsClient = createClient({ url: server.wsUrl, webSocketImpl: compressing.impl, retryAttempts: 0 });
    const apollo = new ApolloClient({
      link: ApolloLink.from([new GraphQLWsLink(wsClient)]),
      cache: new InMemoryCache(),
    });
    const seqs: number[] = [];
    const subscription = apollo
      .subscribe<{ heatmapUpdated: { seq: number } }>({
        query: gql(HEATMAP_SUBSCRIPTION),
        variables: { symbols: ['ETHUSDT'] },
      })
      .subscribe({ next: (result) => result.data && seqs.push(result.data.heatmapUpdated.seq) });
    const plain = await plainReplay(server.wsUrl, await subscribeMessageOf(compressing.sent));
    await expectSameMessages(compressing, plain);
    await waitFor(() => seqs.length >= 3, 'Apollo results');
    subscription.unsubscribe();
    apollo.stop();
    await wsClient.dispose();
    plain.ws.close();
  });
});

describe('settings', () => {
  it('WS_COMPRESSION=false: nothing is negotiated, every client gets the plain path', async () => {
    const off = await startTestServer({ WS_COMPRESSION: 'false' });
    try {
      const ws = new WebSocket(off.wsUrl, 'graphql-transport-ws'); // offers permessage-deflate by default
      await once(ws, 'open');
      expect(ws.extensions).toBe('');
      ws.close();
    } finally {
      await off.stop();
    }
  });

  it('messages under WS_COMPRESSION_THRESHOLD go out plain to a compressing client, still the same message', async () => {
    const compressing = capturingWebSocket(true);
    const client = createClient({ url: server.wsUrl, webSocketImpl: compressing.impl, lazy: false, retryAttempts: 0 });
    // ~60-byte messages: far below the 1 KB threshold.
    const query = 'subscription Small($symbols: [String!]!) { heatmapUpdated(symbols: $symbols) { symbol seq } }';
    client.subscribe(
      { query, variables: { symbols: ['BTCUSDT'] } },
      { next: () => {}, error: () => {}, complete: () => {} },
    );
    const plain = await plainReplay(server.wsUrl, await subscribeMessageOf(compressing.sent));
    await waitFor(() => compressing.nexts().length >= 3 && plain.nexts().length >= 3, 'small frames');
    const common = compressing.nexts().filter((m) => plain.nexts().some((p) => frameKey(p) === frameKey(m)));
    for (const message of common) expect(plain.nexts().find((m) => frameKey(m) === frameKey(message))).toBe(message);
    // Uncompressed: a plain frame costs its message plus a 2-byte header on both sockets alike.
    const plainBytes = (plain.ws as unknown as { _socket: Socket })._socket.bytesRead;
    expect(compressing.wireBytes() / compressing.received.length).toBeGreaterThan(
      0.8 * (plainBytes / (plain.nexts().length + 1)),
    );
    await client.dispose();
    plain.ws.close();
  });
});
