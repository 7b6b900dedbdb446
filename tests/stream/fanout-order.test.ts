import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import type { Frame } from '../../src/heatmap/types.js';
import { nextMessageHead } from '../../src/protocol.js';
import { wsFrameSocket } from '../../src/server/ws-frame-socket.js';
import { FanOut, type OperationSpec } from '../../src/stream/fanout.js';
import { FrameHub } from '../../src/stream/frame-hub.js';
import { StreamStats } from '../../src/stream/stream-stats.js';
import { makeFrame } from '../support/streaming-harness.js';

/**
 * The fan-out's ordering on real sockets, with renders the test releases by hand: a subscriber that
 * joins while a broadcast is under way gets the latest frame first and every later one once.
 */
describe('fan-out ordering while renders are pending', () => {
  const http = createServer();
  const wss = new WebSocketServer({ server: http, perMessageDeflate: false });
  const clients: WebSocket[] = [];
  const serverSides: WebSocket[] = [];

  beforeAll(async () => {
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    const url = `ws://127.0.0.1:${(http.address() as AddressInfo).port}`;
    for (let i = 0; i < 2; i++) {
      const accepted = once(wss, 'connection');
      const client = new WebSocket(url);
      clients.push(client);
      serverSides.push(((await accepted) as [WebSocket])[0]);
      await once(client, 'open');
    }
  });
  afterAll(() => {
    for (const client of clients) client.terminate();
    wss.close();
    http.close();
  });

  it('a joiner during a pending render gets the latest frame, then each later one once', async () => {
    const hub = new FrameHub(['BTCUSDT']);
    const fanout = new FanOut(hub, ['BTCUSDT'], new StreamStats(['BTCUSDT']), {
      maxQueue: 4,
      slowAfterMs: 60_000,
      stuckAfterMs: 60_000,
      bufferedLimit: 1 << 20,
      chunkSize: 500,
    });
    const gates: Array<() => void> = [];
    const spec: OperationSpec = {
      key: 'seq only',
      render: (frame: Frame) =>
        new Promise((resolve) => gates.push(() => resolve(Buffer.from(`{"seq":${frame.seq}}`)))),
    };
    const seqs = clients.map(() => [] as number[]);
    clients.forEach((client, i) =>
      client.on('message', (data) =>
        seqs[i]!.push((JSON.parse(data.toString()) as { payload: { seq: number } }).payload.seq),
      ),
    );
    const release = async () => {
      while (gates.length > 0) gates.shift()!();
      await new Promise((resolve) => setImmediate(resolve));
    };

    hub.handle(makeFrame('BTCUSDT', 1, 1));
    await new Promise((resolve) => setImmediate(resolve)); // its broadcast (to nobody) is over
    fanout.subscribe(wsFrameSocket(serverSides[0]!), nextMessageHead('a'), spec, ['BTCUSDT']);
    await release(); // a gets frame 1
    hub.handle(makeFrame('BTCUSDT', 2, 1)); // its broadcast waits for the render
    hub.handle(makeFrame('BTCUSDT', 3, 1)); // waits behind it
    fanout.subscribe(wsFrameSocket(serverSides[1]!), nextMessageHead('b'), spec, ['BTCUSDT']); // joins meanwhile
    for (let round = 0; round < 5; round++) await release();
    // Frame 4 comes after anything a socket was sent before it: once it is in, a repeat would be too.
    hub.handle(makeFrame('BTCUSDT', 4, 1));
    for (let round = 0; round < 5; round++) await release();

    const deadline = Date.now() + 10_000;
    while ((seqs[0]!.at(-1) !== 4 || seqs[1]!.at(-1) !== 4) && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 10));
    expect(seqs[0]).toEqual([1, 2, 3, 4]);
    // b joined while frame 3 was waiting: it starts at 3, and gets it once.
    expect(seqs[1]).toEqual([3, 4]);
    fanout.close();
  });
});
