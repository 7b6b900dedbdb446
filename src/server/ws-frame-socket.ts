import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import type { FrameSocket } from '../stream/socket-writer.js';
import {
  compressedMessage,
  deflateBody,
  textFrameHeader,
  type DeflateCache,
  type DeflateParams,
} from './permessage-deflate.js';

/** What this adapter relies on inside `ws` (tests/server/ws-frame-socket.test.ts fails if an upgrade changes it). */
interface WsInternals {
  /** The connection's TCP socket, which `ws`'s sender writes whole frames to. */
  _socket: Socket;
}

/** How a socket that negotiated permessage-deflate gets its frames compressed. */
export interface FrameDeflate {
  params: DeflateParams;
  /** The server's one cache: a frame's body is deflated once for every socket with the same window. */
  cache: DeflateCache;
  /** Messages shorter than this (uncompressed) go out plain. */
  threshold: number;
}

/**
 * The fan-out's socket over a `ws` WebSocket. A message goes straight to the TCP socket under one
 * cork (a single writev): the WebSocket frame header with the per-subscriber head copied behind it
 * (small, from Node's shared pool), then the shared bytes, neither copied nor re-framed per
 * subscriber: the same writes plain `ws` makes for one shared Buffer. With permessage-deflate
 * negotiated (`deflate`), the same two writes carry the compressed head (deflated once per
 * subscription) and the compressed body (deflated once per frame for all subscribers), RSV1 set
 * (src/server/permessage-deflate.ts).
 *
 * This is safe beside `ws`'s own sender (graphql-ws's acks, pings, errors) because that sender
 * writes each of its frames to the TCP socket whole, header and payload in one synchronous corked
 * write, and no Blob is sent. While it compresses one of its own messages (asynchronously, when
 * over the threshold) it holds that frame and any later ones in its queue and writes nothing, so it
 * is never mid-frame when this writes; such a message may go out after frames written here later,
 * which graphql-transport-ws allows (its messages are about other operations, or end one whose
 * frames stopped before).
 *
 * `keepAlive` says whether the peer answers its pings; without it (a socket nobody pings) it always does.
 */
export function wsFrameSocket(
  ws: WebSocket,
  deflate: FrameDeflate | null = null,
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
      let parts: Buffer[];
      if (deflate && length >= deflate.threshold) {
        const { cache, params } = deflate;
        const { windowBits } = params;
        // A body reopened for a slow-consumer warning: the frame's part is deflated once for every slow
        // subscriber, only the warning behind it for this message.
        const body =
          shared.length === 1
            ? [cache.body(shared[0]!, windowBits)]
            : [
                ...shared.slice(0, -1).map((part) => cache.opened(part, windowBits)),
                deflateBody(shared.at(-1)!, windowBits),
              ];
        parts = compressedMessage(cache.head(head, windowBits), ...body);
      } else {
        parts = [textFrameHeader(length, false, head), ...shared];
      }
      raw.cork();
      for (let i = 0; i < parts.length - 1; i++) raw.write(parts[i]!);
      raw.write(parts[parts.length - 1]!, () => written());
      raw.uncork();
    },
    close: (code, reason) => ws.close(code, reason),
    terminate: () => ws.terminate(),
  };
}
