import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { wsFrameSocket } from '../../src/server/ws-frame-socket.js';

/**
 * What src/server/ws-frame-socket.ts relies on inside `ws`: its TCP socket in `_socket`, and a sender
 * that writes each of its own frames whole, so messages written beside it arrive intact and in
 * order. A `ws` upgrade that changes either fails here.
 */
describe('the fan-out socket over ws', () => {
  const http = createServer();
  const wss = new WebSocketServer({ server: http, perMessageDeflate: false });
  let server: WebSocket;
  let client: WebSocket;
  const received: string[] = [];

  beforeAll(async () => {
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    const accepted = once(wss, 'connection');
    client = new WebSocket(`ws://127.0.0.1:${(http.address() as AddressInfo).port}`);
    client.on('message', (data, isBinary) => received.push(isBinary ? '<binary>' : data.toString()));
    [server] = (await accepted) as [WebSocket];
    await once(client, 'open');
  });
  afterAll(async () => {
    client.terminate();
    wss.close();
    http.close();
  });

  it("writes text messages of every header length between ws's own messages, each intact and in order", async () => {
    const socket = wsFrameSocket(server);
    expect(socket.open).toBe(true);
    // Payload lengths around each WebSocket header size: 7-bit, 16-bit and 64-bit lengths.
    const lengths = [5, 125, 126, 65_535, 65_536, 300_000];
    const expected: string[] = [];
    let written = 0;
    for (const [i, length] of lengths.entries()) {
      const own = `ws ${i}`;
      server.send(own);
      expected.push(own);
      const head = Buffer.from(`{"id":"${i}","payload":"`);
      const body = 'x'.repeat(Math.max(0, length - head.length - 2));
      const shared = [Buffer.from(body.slice(0, body.length >> 1)), Buffer.from(`${body.slice(body.length >> 1)}"}`)];
      socket.writeMessage(head, shared, () => written++);
      expected.push(Buffer.concat([head, ...shared]).toString());
    }
    server.send('ws end');
    expected.push('ws end');
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        if (received.length >= expected.length && written === lengths.length) {
          clearInterval(timer);
          resolve();
        }
      }, 10);
      client.once('close', () => reject(new Error('the client closed: a frame arrived malformed')));
    });
    expect(received.map((text) => text.length)).toEqual(expected.map((text) => text.length));
    expect(received).toEqual(expected);
    expect(written).toBe(lengths.length);
    expect(socket.bufferedAmount).toBe(0);
  });

  it('closes through ws with the given code and reason', async () => {
    const closed = once(client, 'close');
    wsFrameSocket(server).close(4080, 'slow');
    const [code, reason] = (await closed) as [number, Buffer];
    expect([code, reason.toString()]).toEqual([4080, 'slow']);
    expect(wsFrameSocket(server).open).toBe(false);
  });
});
