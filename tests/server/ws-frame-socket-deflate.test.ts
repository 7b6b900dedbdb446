import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { DeflateCache, negotiatedDeflate, perMessageDeflateOptions } from '../../src/server/permessage-deflate.js';
import { wsFrameSocket } from '../../src/server/ws-frame-socket.js';
import { waitFor } from '../client/wait.js';

/**
 * The fan-out socket with permessage-deflate negotiated, beside `ws`'s sender while it compresses
 * its own messages (asynchronously, so it holds them in its queue meanwhile): every message of both
 * arrives intact, each side's in its own order, and ours are compressed (far fewer bytes on the wire).
 */
describe('the fan-out socket over ws, compressing', () => {
  const http = createServer();
  // A threshold of 16 bytes: ws compresses each of its own messages below.
  const wss = new WebSocketServer({ server: http, perMessageDeflate: perMessageDeflateOptions(16) });
  const handshakes = new WeakMap<IncomingMessage, string[]>();
  wss.on('headers', (headers, request) => handshakes.set(request, headers));
  let server: WebSocket;
  let handshake: string[];
  let client: WebSocket;
  const received: string[] = [];

  beforeAll(async () => {
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    const accepted = once(wss, 'connection');
    client = new WebSocket(`ws://127.0.0.1:${(http.address() as AddressInfo).port}`); // offers permessage-deflate
    client.on('message', (data, isBinary) => received.push(isBinary ? '<binary>' : data.toString()));
    const [socket, request] = (await accepted) as [WebSocket, IncomingMessage];
    server = socket;
    handshake = handshakes.get(request)!;
    await once(client, 'open');
  });
  afterAll(async () => {
    client.terminate();
    wss.close();
    http.close();
  });

  it("writes compressed messages of every size between ws's own compressed ones, all intact", async () => {
    const params = negotiatedDeflate(handshake)!;
    expect(params).toEqual({ windowBits: 15 });
    expect(client.extensions).toBe('permessage-deflate');
    const socket = wsFrameSocket(server, { params, cache: new DeflateCache(), threshold: 16 });
    const lengths = [5, 125, 126, 65_535, 65_536, 300_000];
    const ours: string[] = [];
    const own: string[] = [];
    let written = 0;
    const wireBefore = (client as unknown as { _socket: import('node:net').Socket })._socket.bytesRead;
    for (const [i, length] of lengths.entries()) {
      own.push(`{"type":"ping","payload":{"n":${i},"pad":"${'p'.repeat(200)}"}}`);
      server.send(own.at(-1)!); // compressed by ws, asynchronously
      const head = Buffer.from(`{"id":"${i}","payload":"`);
      const body = 'x'.repeat(Math.max(0, length - head.length - 2));
      const shared = [Buffer.from(`${body}"}`)];
      socket.writeMessage(head, shared, () => written++);
      ours.push(Buffer.concat([head, ...shared]).toString());
    }
    await waitFor(() => received.length === ours.length + own.length && written === lengths.length, 'every message');
    expect(received.filter((text) => text.startsWith('{"id"'))).toEqual(ours);
    expect(received.filter((text) => text.startsWith('{"type"'))).toEqual(own);
    const wire = (client as unknown as { _socket: import('node:net').Socket })._socket.bytesRead - wireBefore;
    expect(wire).toBeLessThan(ours.join('').length / 20); // runs of x compress a lot
  });

  it('a body reopened for a slow-consumer warning: the frame part deflated once for every slow subscriber', async () => {
    const params = negotiatedDeflate(handshake)!;
    const cache = new DeflateCache();
    const socket = wsFrameSocket(server, { params, cache, threshold: 16 });
    const frame = Buffer.from(`{"data":{"heatmapUpdated":{"levels":"${'0123456789'.repeat(3_000)}"}}}}`);
    const expected: string[] = [];
    let written = 0;
    const before = received.length;
    for (const [i, dropped] of [3, 12].entries()) {
      // As the socket writer reopens it: a new view of the same frame per subscriber, then its own warning.
      const head = Buffer.from(`{"id":"slow-${i}","type":"next","payload":`);
      const shared = [frame.subarray(0, frame.length - 2), Buffer.from(`,"extensions":{"dropped":${dropped}}}}`)];
      socket.writeMessage(head, shared, () => written++);
      expected.push(Buffer.concat([head, ...shared]).toString());
    }
    await waitFor(() => received.length === before + 2 && written === 2, 'both messages');
    expect(received.slice(before)).toEqual(expected);
    const a = cache.opened(frame.subarray(0, frame.length - 2), params.windowBits);
    expect(cache.opened(frame.subarray(0, frame.length - 2), params.windowBits)).toBe(a);
  });
});
