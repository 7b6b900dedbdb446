import { constants, deflateRawSync } from 'node:zlib';
import type { PerMessageDeflateOptions } from 'ws';

/** What every sync flush ends with (an empty stored block's LEN/NLEN); RFC 7692 §7.2.1 drops it from a message. */
const SYNC_FLUSH_TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);
const EXTENSION = 'permessage-deflate';

/**
 * How `ws` negotiates permessage-deflate (RFC 7692) for this server: always
 * `server_no_context_takeover` (no message of ours refers back to an earlier one, so one compressed
 * body serves every subscriber). The client's `client_max_window_bits` is accepted as offered (it
 * bounds the client's compressor, which `ws` inflates), and so is a `server_max_window_bits` (the
 * shared bodies are deflated per window size asked for). `client_no_context_takeover` is answered
 * whether offered or not (RFC 7692 §7.1.1.2 allows it): a `ws` client then sends its small messages
 * uncompressed (it applies its threshold only without context), so the server keeps no inflater
 * (~40 KB) for it. Clients must accept that answer; one set to refuse it (`ws`'s client with
 * `clientNoContextTakeover: false`) fails the handshake, and would need WS_COMPRESSION=false. A
 * client that offers nothing keeps the plain path. `threshold`: `ws` sends its
 * own messages below it uncompressed.
 */
export function perMessageDeflateOptions(threshold: number): PerMessageDeflateOptions {
  return {
    serverNoContextTakeover: true,
    clientNoContextTakeover: true,
    threshold,
    // ws's own messages (ack, pong, errors, complete) are small and rare: fast level, small footprint.
    zlibDeflateOptions: { level: 1, memLevel: 7 },
  };
}

/** The deflate parameters a socket negotiated, or null when it speaks the plain path. */
export interface DeflateParams {
  /** LZ77 window (log2): the client's `server_max_window_bits`, else 15. */
  windowBits: number;
}

/**
 * What the handshake agreed, read from the 101 response's header lines (`ws`'s `headers` event), e.g.
 * `Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; server_max_window_bits=11`.
 */
export function negotiatedDeflate(responseHeaders: readonly string[]): DeflateParams | null {
  const line = responseHeaders.find((header) => /^sec-websocket-extensions:/i.test(header));
  for (const extension of line?.slice(line.indexOf(':') + 1).split(',') ?? []) {
    const [name, ...params] = extension.split(';').map((part) => part.trim());
    if (name !== EXTENSION) continue;
    const windowBits = params.find((param) => param.startsWith('server_max_window_bits='))?.split('=')[1];
    return { windowBits: windowBits ? Number(windowBits.replace(/"/g, '')) : 15 };
  }
  return null;
}

/**
 * zlib's default level: on frames within 2% of its best ratio (21.3% vs 21.0% of the JSON) at about
 * a quarter of the CPU.
 */
function syncFlushed(bytes: Buffer, windowBits: number): Buffer {
  // zlib has no raw-deflate window of 8 and uses 9 for it, which still satisfies a client that asked
  // for 8: zlib never emits a distance beyond the window minus 262 bytes (250 < 256 here).
  return deflateRawSync(bytes, {
    level: constants.Z_DEFAULT_COMPRESSION,
    windowBits,
    finishFlush: constants.Z_SYNC_FLUSH,
  });
}

/**
 * A shared message body (the `next` payload and the closing brace) as raw DEFLATE from a fresh
 * context, ending in a sync flush whose trailing `00 00 FF FF` is dropped: the last part of a
 * compressed message. Its back-references never reach before its own start.
 */
export function deflateBody(body: Buffer, windowBits: number): Buffer {
  const compressed = syncFlushed(body, windowBits);
  return compressed.subarray(0, compressed.length - SYNC_FLUSH_TAIL.length);
}

/**
 * A leading part of a message (a subscriber's head `{"id":"…","type":"next","payload":`, or a frame's
 * body opened to add a slow-consumer warning) as raw DEFLATE from a fresh context ending in a sync
 * flush that is kept: no final block, and the stream ends on a byte boundary, so the next compressed
 * part can follow it in the same message.
 */
function deflateLeading(part: Buffer, windowBits: number): Buffer {
  return syncFlushed(part, windowBits);
}

interface WindowCaches {
  bodies: WeakMap<Buffer, Buffer>;
  heads: WeakMap<Buffer, Buffer>;
  /** Opened bodies, by the bytes they view: each slow subscriber gets a new view of the same frame. */
  opened: WeakMap<ArrayBufferLike, Map<string, Buffer>>;
}

/**
 * The compressed forms of shared bodies and subscriber heads, each deflated once per window size
 * and kept exactly as long as its plain Buffer lives (a frame's body while the fan-out holds it, a
 * head while its subscription lasts). One per server: every socket that negotiated the same window
 * gets the same compressed body.
 */
export class DeflateCache {
  private readonly byWindow = new Map<number, WindowCaches>();

  body(plain: Buffer, windowBits: number): Buffer {
    const { bodies } = this.window(windowBits);
    let compressed = bodies.get(plain);
    if (!compressed) bodies.set(plain, (compressed = deflateBody(plain, windowBits)));
    return compressed;
  }

  head(plain: Buffer, windowBits: number): Buffer {
    const { heads } = this.window(windowBits);
    let compressed = heads.get(plain);
    if (!compressed) heads.set(plain, (compressed = deflateLeading(plain, windowBits)));
    return compressed;
  }

  /**
   * A frame's body without its closing braces (the slow-consumer warning goes there), as a leading
   * part: deflated once per frame for every slow subscriber, whose own part is then only the small
   * warning. Keyed by the bytes the view covers, which nothing rewrites while the frame lives.
   */
  opened(view: Buffer, windowBits: number): Buffer {
    const { opened } = this.window(windowBits);
    let views = opened.get(view.buffer);
    if (!views) opened.set(view.buffer, (views = new Map()));
    const key = `${view.byteOffset}:${view.length}`;
    let compressed = views.get(key);
    if (!compressed) views.set(key, (compressed = deflateLeading(view, windowBits)));
    return compressed;
  }

  private window(windowBits: number): WindowCaches {
    let caches = this.byWindow.get(windowBits);
    if (!caches)
      this.byWindow.set(windowBits, (caches = { bodies: new WeakMap(), heads: new WeakMap(), opened: new WeakMap() }));
    return caches;
  }
}

/**
 * The start of one unfragmented text message from the server (unmasked): the frame header for a
 * payload of `payloadLength` bytes, RSV1 set when `compressed` (a permessage-deflate message), with
 * `head` copied behind it (small, from Node's shared pool); the rest of the payload follows it.
 */
export function textFrameHeader(payloadLength: number, compressed: boolean, head: Buffer): Buffer {
  const headerLength = payloadLength < 126 ? 2 : payloadLength < 65_536 ? 4 : 10;
  const prefix = Buffer.allocUnsafe(headerLength + head.length);
  prefix[0] = compressed ? 0xc1 : 0x81; // FIN (+ RSV1) + text
  if (headerLength === 2) prefix[1] = payloadLength;
  else if (headerLength === 4) {
    prefix[1] = 126;
    prefix.writeUInt16BE(payloadLength, 2);
  } else {
    prefix[1] = 127;
    prefix.writeUInt32BE(Math.floor(payloadLength / 2 ** 32), 2);
    prefix.writeUInt32BE(payloadLength >>> 0, 6);
  }
  head.copy(prefix, headerLength);
  return prefix;
}

/**
 * One compressed message in wire order: the frame header (RSV1 set) with the compressed head behind
 * it, then the compressed body parts (leading ones from `DeflateCache.opened`, the last from
 * `deflateBody`). Together they are one DEFLATE stream that inflates to head + body.
 */
export function compressedMessage(head: Buffer, ...body: Buffer[]): Buffer[] {
  let length = head.length;
  for (const part of body) length += part.length;
  return [textFrameHeader(length, true, head), ...body];
}
