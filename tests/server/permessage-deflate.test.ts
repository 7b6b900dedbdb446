import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer, type PerMessageDeflateOptions } from 'ws';
import {
  compressedMessage,
  DeflateCache,
  negotiatedDeflate,
  perMessageDeflateOptions,
} from '../../src/server/permessage-deflate.js';
import { waitFor } from '../client/wait.js';

// The permessage-deflate core on real sockets: `ws`'s server negotiates with the project's options,
// messages composed from a compressed head and a compressed shared body are written straight to the
// TCP socket, and `ws`'s client (RFC 7692 inflater: it appends 00 00 FF FF and inflates) must read
// exactly the plain message's bytes, whatever the frame, id and window-bits offer.

let server: WebSocketServer;
let url: string;
const accepted: Array<{ socket: WebSocket; handshake: string[] }> = [];
beforeAll(async () => {
  server = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: perMessageDeflateOptions(1024) });
  const handshakes = new WeakMap<IncomingMessage, string[]>();
  server.on('headers', (headers, request) => handshakes.set(request, headers));
  server.on('connection', (socket, request) => accepted.push({ socket, handshake: handshakes.get(request)! }));
  await new Promise<void>((resolve) => server.once('listening', resolve));
  url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const socket of server.clients) socket.terminate();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** A connected client with the given offer (false: none) and the server's side of it. */
async function connect(offer: PerMessageDeflateOptions | false) {
  const before = accepted.length;
  const client = new WebSocket(url, { perMessageDeflate: offer });
  const received: Buffer[] = [];
  client.on('message', (data: Buffer, isBinary) => {
    expect(isBinary).toBe(false);
    received.push(data);
  });
  await new Promise<void>((resolve, reject) => client.once('open', resolve).once('error', reject));
  const { socket, handshake } = await waitFor(() => accepted[before], 'the server side of the connection');
  return { client, socket, handshake, received };
}

function writeRaw(socket: WebSocket, parts: readonly Buffer[]) {
  const raw = (socket as unknown as { _socket: Socket })._socket;
  raw.cork();
  for (const part of parts) raw.write(part);
  raw.uncork();
}

const headOf = (id: string) => Buffer.from(`{"id":${JSON.stringify(id)},"type":"next","payload":`);

const level = fc.record({
  price: fc.integer({ min: 1, max: 200_000 }),
  long: fc.double({ noNaN: true, noDefaultInfinity: true }),
  short: fc.nat(),
});
/** Frame-like payloads (numbers-heavy JSON up to ~100 KB) and arbitrary JSON (unicode, nesting, tiny). */
const payload = fc.oneof(
  fc.record({
    symbol: fc.constantFrom('BTCUSDT', 'ETHUSDT'),
    seq: fc.nat(),
    levels: fc.array(level, { maxLength: 2_000 }),
  }),
  fc.jsonValue({ maxDepth: 4 }),
);
const id = fc.oneof(
  fc.uuid(),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 24 }),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 8 }),
);
const windowBits = fc.integer({ min: 8, max: 15 });
const offer: fc.Arbitrary<PerMessageDeflateOptions | false> = fc.oneof(
  { weight: 1, arbitrary: fc.constant(false as const) },
  {
    weight: 5,
    arbitrary: fc.record(
      {
        serverMaxWindowBits: windowBits,
        clientMaxWindowBits: fc.oneof(windowBits, fc.constant(true)),
        // true or unset: a client set to refuse it (false) fails the handshake, see perMessageDeflateOptions.
        clientNoContextTakeover: fc.constant(true),
        serverNoContextTakeover: fc.boolean(),
      },
      { requiredKeys: [] },
    ) as fc.Arbitrary<PerMessageDeflateOptions>,
  },
);

describe('permessage-deflate: negotiation', () => {
  it('always answers server_no_context_takeover and client_no_context_takeover, honours the window sizes asked for, and leaves a client without an offer plain', async () => {
    const answer = (handshake: string[]) =>
      handshake.find((line) => line.toLowerCase().startsWith('sec-websocket-extensions:')) ?? '';
    const cases: Array<[PerMessageDeflateOptions | false, RegExp[], number | null]> = [
      [false, [], null],
      [{}, [/server_no_context_takeover/, /client_no_context_takeover/], 15],
      [
        { clientMaxWindowBits: 10, clientNoContextTakeover: true },
        [/client_max_window_bits=10/, /client_no_context_takeover/],
        15,
      ],
      [
        { serverMaxWindowBits: 11 },
        [/server_max_window_bits=11/, /server_no_context_takeover/, /client_no_context_takeover/],
        11,
      ],
    ];
    for (const [clientOffer, expected, bits] of cases) {
      const { client, socket, handshake } = await connect(clientOffer);
      for (const pattern of expected) expect(answer(handshake)).toMatch(pattern);
      expect(socket.extensions).toBe(client.extensions);
      expect(client.extensions).toBe(clientOffer === false ? '' : 'permessage-deflate');
      expect(negotiatedDeflate(handshake)?.windowBits ?? null).toBe(bits);
      client.close();
    }
  });
});

const cache = new DeflateCache();

describe('permessage-deflate: messages composed of a compressed head and a shared compressed body', () => {
  it('inflate in ws’s client to exactly the plain message, next to ws’s own (compressed) sends', async () => {
    await fc.assert(
      fc.asyncProperty(
        offer,
        payload,
        fc.array(id, { minLength: 1, maxLength: 3 }),
        async (clientOffer, value, ids) => {
          const { client, socket, handshake, received } = await connect(clientOffer);
          try {
            const params = negotiatedDeflate(handshake);
            expect(params === null).toBe(clientOffer === false);
            const body = Buffer.from(`${JSON.stringify({ data: value })}}`);
            const plain = ids.map((one) => Buffer.concat([headOf(one), body]).toString());
            // ws's own message (compressed by ws when over its threshold) sent just before ours.
            const own = JSON.stringify({ type: 'error', id: 'x', payload: [{ message: 'm'.repeat(2_000) }] });
            socket.send(own);
            if (params) {
              const shared = cache.body(body, params.windowBits);
              for (const one of ids) {
                // Deflated once: every subscriber's message carries the same compressed body.
                expect(cache.body(body, params.windowBits)).toBe(shared);
                writeRaw(socket, compressedMessage(cache.head(headOf(one), params.windowBits), shared));
              }
            } else {
              // The plain path of the same server: header + head + body, RSV1 clear.
              for (const one of ids)
                writeRaw(socket, [Buffer.from([0x81]), ...lengthAndParts(Buffer.concat([headOf(one), body]))]);
            }
            await waitFor(() => received.length === ids.length + 1, 'every message');
            const texts = received.map((data) => data.toString());
            expect(texts).toContain(own);
            expect(texts.filter((text) => text !== own)).toEqual(plain);
          } finally {
            client.terminate();
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});

/** Length bytes of an unmasked server frame (after the first header byte), then the payload. */
function lengthAndParts(payload: Buffer): Buffer[] {
  if (payload.length < 126) return [Buffer.from([payload.length]), payload];
  if (payload.length < 65_536) {
    const length = Buffer.alloc(3);
    length[0] = 126;
    length.writeUInt16BE(payload.length, 1);
    return [length, payload];
  }
  const length = Buffer.alloc(9);
  length[0] = 127;
  length.writeUInt32BE(0, 1);
  length.writeUInt32BE(payload.length, 5);
  return [length, payload];
}
