import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import type { FrameSocket } from '../stream/socket-writer.js';

/** What this adapter relies on inside `ws` (tests/server/ws-frame-socket.test.ts fails if an upgrade changes it). */
interface WsInternals {
  /** The connection's TCP socket, which `ws`'s sender writes whole frames to. */
  _socket: Socket;
}

/**
 * The fan-out's socket over a `ws` WebSocket. A message goes straight to the TCP socket under one
 * cork (a single writev): the WebSocket frame header with the per-subscriber head copied behind it
 * (small, from Node's shared pool), then the shared bytes, neither copied nor re-framed per
 * subscriber: the same writes plain `ws` makes for one shared Buffer. This is safe beside `ws`'s
 * own sender (graphql-ws's acks, pings, errors) because that sender writes each of its frames to the
 * socket whole and at once when nothing compresses (this server turns permessage-deflate off) and no
 * Blob is sent, so it never holds a partial frame when we write.
 *
 * `keepAlive` says whether the peer answers its pings; without it (a socket nobody pings) it always does.
 */
export function wsFrameSocket(
  ws: WebSocket,
  keepAlive: { readonly unansweredSince: number | null } = { unansweredSince: null },
): FrameSocket {
  const raw = (ws as unknown as WsInternals)._socket;
  return {
    get open() {
      return ws.readyState === ws.OPEN;
    },
    get bufferedAmount() {
      return ws.bufferedAmount;
    },
    get unansweredSince() {
      return keepAlive.unansweredSince;
    },
    writeMessage(head, shared, written) {
      let length = head.length;
      for (const part of shared) length += part.length;
      const headerLength = length < 126 ? 2 : length < 65_536 ? 4 : 10;
      const prefix = Buffer.allocUnsafe(headerLength + head.length);
      prefix[0] = 0x81; // FIN + text
      if (headerLength === 2) prefix[1] = length;
      else if (headerLength === 4) {
        prefix[1] = 126;
        prefix.writeUInt16BE(length, 2);
      } else {
        prefix[1] = 127;
        prefix.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
        prefix.writeUInt32BE(length >>> 0, 6);
      }
      head.copy(prefix, headerLength);
      raw.cork();
      raw.write(prefix);
      for (let i = 0; i < shared.length - 1; i++) raw.write(shared[i]!);
      raw.write(shared[shared.length - 1]!, () => written());
      raw.uncork();
    },
    close: (code, reason) => ws.close(code, reason),
    terminate: () => ws.terminate(),
  };
}
