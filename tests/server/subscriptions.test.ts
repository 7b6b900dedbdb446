import { Client, fetchExchange, gql, subscriptionExchange } from '@urql/core';
import { pipe, subscribe } from 'wonka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FRAME_FIELDS,
  HEATMAP_SUBSCRIPTION,
  httpQuery,
  record,
  wsClient,
  type Frame,
} from '../support/graphql-clients.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.stop());

const content = ({ seq: _seq, generatedAt: _g, ...rest }: Frame) => JSON.stringify(rest);

describe('heatmapUpdated over graphql-ws', () => {
  it("sends each symbol's latest frame on subscribe, without waiting for a new one", async () => {
    // This server publishes once, at start: a frame can only come from the subscribe itself.
    const still = await startTestServer({ WS_UPDATE_INTERVAL: '3600' });
    try {
      const { body } = await httpQuery<{ btc: Frame; eth: Frame }>(
        still.httpUrl,
        `{ btc: snapshot(symbol: "BTCUSDT") { ${FRAME_FIELDS} } eth: snapshot(symbol: "ETHUSDT") { ${FRAME_FIELDS} } }`,
      );
      const client = wsClient(still.wsUrl);
      const sub = record(client, HEATMAP_SUBSCRIPTION, { symbols: ['BTCUSDT', 'ETHUSDT'] });
      await sub.until(() => sub.frames().length === 2);
      await client.dispose();
      expect(sub.error).toBeUndefined();
      const bySymbol = Object.fromEntries(sub.frames().map((frame) => [frame.symbol, frame]));
      expect(bySymbol).toEqual({ BTCUSDT: body.data!.btc, ETHUSDT: body.data!.eth });
    } finally {
      await still.stop();
    }
  });

  it('then sends only changed frames, with seq +1 and no repeats', async () => {
    const client = wsClient(server.wsUrl);
    const sub = record(client, HEATMAP_SUBSCRIPTION, { symbols: ['BTCUSDT', 'ETHUSDT'] });
    await sub.until(() => new Set(sub.frames().map((f) => f.symbol)).size === 2);
    await sub.until(
      () =>
        sub.frames().filter((f) => f.symbol === 'BTCUSDT').length >= 4 &&
        sub.frames().filter((f) => f.symbol === 'ETHUSDT').length >= 4,
    );
    sub.unsubscribe();
    await client.dispose();
    expect(sub.error).toBeUndefined();
    for (const symbol of ['BTCUSDT', 'ETHUSDT']) {
      const frames = sub.frames().filter((f) => f.symbol === symbol);
      for (let i = 1; i < frames.length; i++) {
        expect(frames[i]!.seq).toBe(frames[i - 1]!.seq + 1);
        expect(content(frames[i]!)).not.toBe(content(frames[i - 1]!));
      }
    }
  });

  it('completing one of two subscriptions on a connection stops only its frames', async () => {
    const client = wsClient(server.wsUrl);
    const btc = record(client, HEATMAP_SUBSCRIPTION, { symbols: ['BTCUSDT'] });
    const eth = record(client, HEATMAP_SUBSCRIPTION, { symbols: ['ETHUSDT'] });
    await btc.until(() => btc.frames().length >= 2);
    await eth.until(() => eth.frames().length >= 2);
    btc.unsubscribe();
    const btcCount = btc.frames().length;
    const ethCount = eth.frames().length;
    await eth.until(() => eth.frames().length >= ethCount + 3);
    expect(btc.frames().length).toBe(btcCount);
    expect(eth.error).toBeUndefined();
    eth.unsubscribe();
    await client.dispose();
  });

  it('reports unknown symbols in a first INVALID_SYMBOL event while the valid ones stream', async () => {
    const client = wsClient(server.wsUrl);
    const sub = record(client, HEATMAP_SUBSCRIPTION, { symbols: ['DOGEUSDT', 'BTCUSDT'] });
    await sub.until(() => sub.frames().length >= 2);
    sub.unsubscribe();
    await client.dispose();
    const first = sub.results[0]!;
    expect(first.data).toBeNull();
    expect(first.errors?.[0]?.extensions?.code).toBe('INVALID_SYMBOL');
    expect(first.errors?.[0]?.message).toContain('DOGEUSDT');
    expect(first.errors?.[0]?.message).toContain('BTCUSDT, ETHUSDT');
    expect(sub.frames().every((f) => f.symbol === 'BTCUSDT')).toBe(true);
  });

  it.each([
    ['only unknown symbols', ['XRPUSDT'], 'INVALID_SYMBOL'],
    ['an empty list', [], 'BAD_USER_INPUT'],
    ['more than 10 symbols', Array.from({ length: 11 }, () => 'BTCUSDT'), 'BAD_USER_INPUT'],
  ])('rejects %s with %s', async (_name, symbols, code) => {
    const client = wsClient(server.wsUrl);
    const sub = record(client, HEATMAP_SUBSCRIPTION, { symbols });
    await sub.until(() => sub.error !== undefined || sub.results.length > 0);
    await client.dispose();
    const errors = (sub.error as Array<{ extensions?: { code?: string } }> | undefined) ?? sub.results[0]?.errors;
    expect(errors?.[0]?.extensions?.code).toBe(code);
  });

  it('works from urql through subscriptionExchange', async () => {
    const ws = wsClient(server.wsUrl);
    const urql = new Client({
      url: server.httpUrl,
      exchanges: [
        fetchExchange,
        subscriptionExchange({
          forwardSubscription: (request) => ({
            subscribe: (sink) => ({ unsubscribe: ws.subscribe({ ...request, query: request.query ?? '' }, sink) }),
          }),
        }),
      ],
    });
    const seqs: number[] = [];
    await new Promise<void>((resolve, reject) => {
      const { unsubscribe } = pipe(
        urql.subscription(
          gql`
            subscription ($s: [String!]!) {
              heatmapUpdated(symbols: $s) {
                symbol
                seq
              }
            }
          `,
          { s: ['ETHUSDT'] },
        ),
        subscribe((result) => {
          if (result.error) return reject(result.error);
          expect(result.data.heatmapUpdated.symbol).toBe('ETHUSDT');
          seqs.push(result.data.heatmapUpdated.seq);
          if (seqs.length === 3) {
            unsubscribe();
            resolve();
          }
        }),
      );
    });
    expect(seqs).toEqual([seqs[0], seqs[0]! + 1, seqs[0]! + 2]);
    await ws.dispose();
  });

  it("also streams over yoga's SSE transport", async () => {
    const controller = new AbortController();
    const res = await fetch(server.httpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: 'subscription { heatmapUpdated(symbols: ["BTCUSDT"]) { symbol seq } }' }),
      signal: controller.signal,
    });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body!.getReader();
    let text = '';
    while ((text.match(/event: next/g) ?? []).length < 2) text += new TextDecoder().decode((await reader.read()).value);
    controller.abort();
    const seqs = [...text.matchAll(/"seq":(\d+)/g)].map((m) => Number(m[1]));
    expect(seqs[1]).toBe(seqs[0]! + 1);
  });
});
