import { once } from 'node:events';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { FRAME_FIELDS } from '../support/graphql-clients.js';
import { startStreamingHarness } from '../support/streaming-harness.js';

type Harness = Awaited<ReturnType<typeof startStreamingHarness>>;

const QUERY = `subscription ($s: [String!]!) { heatmapUpdated(symbols: $s) { ${FRAME_FIELDS} } }`;

/**
 * A raw subscriber in either protocol, keeping each result message's payload text exactly as sent.
 * Plain frames (no permessage-deflate offered): compressed, a paused socket holds ~5× more frames
 * before it backs up, which on a loaded machine outlasted the test (compressed paths:
 * tests/server/ws-compression.test.ts).
 */
async function subscriber(url: string, protocol: 'graphql-transport-ws' | 'graphql-ws', id: string) {
  const ws = new WebSocket(url, protocol, { perMessageDeflate: false });
  const payloads: string[] = [];
  const head = `{"id":${JSON.stringify(id)},"type":"${protocol === 'graphql-ws' ? 'data' : 'next'}","payload":`;
  ws.on('message', (data) => {
    const text = String(data);
    if (text.startsWith(head)) payloads.push(text.slice(head.length, -1));
  });
  await once(ws, 'open');
  ws.send(JSON.stringify({ type: 'connection_init' }));
  await once(ws, 'message'); // the ack
  const start = protocol === 'graphql-ws' ? 'start' : 'subscribe';
  ws.send(JSON.stringify({ id, type: start, payload: { query: QUERY, variables: { s: ['BTCUSDT'] } } }));
  return { ws, payloads };
}

const waitFor = async (predicate: () => boolean, what: string, timeoutMs = 15_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('the legacy protocol on the shared fan-out', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startStreamingHarness({
      WS_MAX_QUEUE_SIZE: '1',
      WS_MAX_BUFFERED_BYTES: '65536',
      WS_SLOW_CONSUMER_TIMEOUT: '0.2',
      WS_STUCK_TIMEOUT: '30',
    });
    h.publish('BTCUSDT');
  });
  afterAll(() => h?.stop());

  it('one operation for both protocols: the same payload bytes behind each its own head, as stock graphql-ws renders them', async () => {
    const modern = await subscriber(h.shared.wsUrl, 'graphql-transport-ws', 'a');
    const legacy = await subscriber(h.shared.wsUrl, 'graphql-ws', 'b');
    const stockLegacy = await subscriber(h.stock.wsUrl, 'graphql-ws', 'c');
    const all = [modern, legacy, stockLegacy];
    await waitFor(() => all.every((s) => s.payloads.length === 1), 'first frames');
    // One frame at a time, each once all three have it: the stock path keeps one pending frame per subscriber.
    for (let frames = 2; frames <= 4; frames++) {
      h.publish('BTCUSDT');
      await waitFor(() => all.every((s) => s.payloads.length === frames), `${frames} frames each`);
    }
    expect(legacy.payloads).toEqual(modern.payloads);
    expect(stockLegacy.payloads).toEqual(modern.payloads);
    // The fan-out registered one operation for the two shared subscribers: one execution and one
    // serialization per frame, whichever protocol each speaks.
    expect((h.fanout as unknown as { operations: Map<string, unknown> }).operations.size).toBe(1);
    all.forEach((s) => s.ws.close());
  });

  it('a paused legacy subscriber gets latest-wins and the SLOW_CONSUMER warning in its `data` messages', async () => {
    const fast = await subscriber(h.shared.wsUrl, 'graphql-ws', 'fast');
    const slow = await subscriber(h.shared.wsUrl, 'graphql-ws', 'slow');
    await waitFor(() => fast.payloads.length === 1 && slow.payloads.length === 1, 'first frames');
    const tcp = (slow.ws as unknown as { _socket: Socket })._socket;
    tcp.pause(); // stop reading: the server's socket backs up once the kernel buffers are full
    let last = 0;
    while (h.stats.droppedFrames === 0) {
      last = h.publish('BTCUSDT', 2000).seq;
      await new Promise((r) => setTimeout(r, 5));
    }
    last = h.publish('BTCUSDT', 2000).seq;
    // Frames arrive in order: the newest is the last one (parsing them all at every poll took seconds).
    const newest = (payloads: string[]) =>
      payloads.length > 0 ? (JSON.parse(payloads.at(-1)!).data.heatmapUpdated.seq as number) : 0;
    await waitFor(() => newest(fast.payloads) === last, 'the fast one');
    tcp.resume();
    await waitFor(() => newest(slow.payloads) === last, 'the slow one to catch up with the latest frame');
    const fastSeqs = fast.payloads.map((p) => JSON.parse(p).data.heatmapUpdated.seq as number);
    expect(fastSeqs).toEqual(fastSeqs.map((_, i) => fastSeqs[0]! + i));
    const warned = slow.payloads.map((p) => JSON.parse(p)).find((p) => p.extensions?.warning);
    expect(warned?.extensions.warning).toMatchObject({ code: 'SLOW_CONSUMER', droppedFrames: expect.any(Number) });
    [fast, slow].forEach((s) => s.ws.close());
  });
});
