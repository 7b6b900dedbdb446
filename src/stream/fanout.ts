import type { Socket } from 'node:net';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { HeatmapSnapshot } from '../heatmap/types.js';
import type { FrameHub } from './frame-hub.js';
import type { StreamStats } from './stream-stats.js';

/** What the fan-out needs of a socket; a `ws` WebSocket fits. */
export interface FrameSocket {
  readonly readyState: number;
  readonly bufferedAmount: number;
  close(code: number, reason: string): void;
  terminate(): void;
}

/** A distinct subscription operation: the frames of all its subscribers are executed and serialized once. */
export interface OperationSpec {
  /** Same key ⇔ same execution result for the same frame. */
  key: string;
  /** The graphql-transport-ws `next` payload (an ExecutionResult) for a frame, as JSON bytes. */
  render(frame: HeatmapSnapshot): Promise<Buffer>;
}

export interface FanOutOptions {
  /** Frames kept per symbol for a subscriber whose socket has not drained (older ones dropped). */
  maxQueue: number;
  /** A send pending longer than this marks the socket slow. */
  slowAfterMs: number;
  /** A socket slow for longer than this is disconnected with SLOW_CONSUMER_CLOSE. */
  stuckAfterMs: number;
  /** Bytes buffered in the socket beyond which it counts as not drained. */
  bufferedLimit: number;
  /** Sockets written between yields to the event loop, so keep-alives, accepts and queries keep flowing. */
  chunkSize: number;
}

/**
 * Writes one unfragmented WebSocket text message straight to the TCP socket under one cork (a single
 * writev): a small per-subscriber prefix (frame header + `{"id":…,"payload":`) and the shared
 * bytes, neither copied nor re-framed per subscriber: the same two writes plain `ws` makes for one
 * shared Buffer. Safe beside `ws`'s own sender because this server never compresses or sends Blobs,
 * so ws never holds a partial frame when we write (DESIGN §7; fanout-performance.md §3a).
 */
function writeTextMessage(ws: FrameSocket, head: Buffer, parts: readonly Buffer[], done: () => void): void {
  const raw = (ws as unknown as { _socket: Socket })._socket;
  let length = head.length;
  for (const part of parts) length += part.length;
  const headerLength = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const prefix = Buffer.allocUnsafe(headerLength + head.length); // small: from Node's shared pool
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
  for (let i = 0; i < parts.length - 1; i++) raw.write(parts[i]!);
  raw.write(parts[parts.length - 1]!, () => done());
  raw.uncork();
}

export const SLOW_CONSUMER_CLOSE = { code: 4080, reason: 'Slow consumer: not reading frames' } as const;
export const SLOW_CONSUMER_MESSAGE = 'Connection slow - may miss updates';

const OPEN = 1;
const MESSAGE_END = Buffer.from('}');

interface Pending {
  seq: number;
  /** The shared end of the message: the `next` payload and the message's closing brace. */
  body: Buffer;
}

/** One subscription (one graphql-ws operation id on one socket). */
interface Subscriber {
  readonly socket: SocketState;
  /** `{"id":"<id>","type":"next","payload":` — the only per-subscriber bytes of a message. */
  readonly head: Buffer;
  readonly symbols: readonly string[];
  readonly operation: Operation;
  readonly lastSeq: Map<string, number>;
  readonly pending: Map<string, Pending[]>;
  /** Frames dropped since this subscriber's last delivery: reported in the next frame's warning. */
  dropped: Map<string, number>;
}

interface SocketState {
  readonly ws: FrameSocket;
  readonly subscribers: Set<Subscriber>;
  /** Sends handed to the socket whose write callback has not fired yet. */
  inflight: number;
  /** When `inflight` last went from 0 to 1, null while drained. */
  busySince: number | null;
  /** Subscribers with queued frames, flushed when the socket drains. */
  readonly waiting: Set<Subscriber>;
}

interface Operation {
  readonly spec: OperationSpec;
  readonly bySymbol: Map<string, Set<Subscriber>>;
  /** The last rendered frame per symbol: one execution per frame, however many subscribers. */
  readonly rendered: Map<string, { seq: number; body: Promise<Buffer> }>;
}

/**
 * The shared fan-out (DESIGN §7): for each published frame, each distinct operation is executed and
 * serialized once; every subscribed socket gets those bytes with its own operation id in front, so
 * the payload is never copied or re-serialized per subscriber. Latest wins for a
 * socket that has not drained: at most `maxQueue` pending frames per symbol, older ones dropped and
 * counted, the next delivered frame carrying a SLOW_CONSUMER warning; a socket stuck past
 * `stuckAfterMs` is disconnected. Fast sockets never wait for slow ones.
 */
export class FanOut {
  private readonly operations = new Map<string, Operation>();
  private readonly sockets = new Map<FrameSocket, SocketState>();
  private readonly nextFrame = new Map<string, HeatmapSnapshot>();
  private readonly broadcasting = new Set<string>();
  private readonly unlisten: Array<() => void>;
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly hub: FrameHub,
    symbols: readonly string[],
    private readonly stats: StreamStats,
    private readonly options: FanOutOptions,
    private readonly log?: Logger,
  ) {
    this.unlisten = symbols.map((symbol) => hub.listen(symbol, (frame) => this.enqueueBroadcast(frame)));
    this.sweeper = setInterval(() => this.disconnectStuck(), Math.max(100, options.slowAfterMs)).unref();
  }

  /**
   * A subscription's frames as an async iterator that never yields: frames go straight to the
   * socket. graphql-ws holds it like any subscription and `return()`s it on `complete` or close,
   * which unregisters.
   */
  stream(
    socket: FrameSocket,
    id: string,
    spec: OperationSpec,
    symbols: readonly string[],
  ): AsyncIterableIterator<never> {
    let unregister: (() => void) | undefined;
    let finish!: (result: IteratorResult<never>) => void;
    const finished = new Promise<IteratorResult<never>>((resolve) => {
      finish = resolve;
    });
    const end = async () => {
      unregister?.();
      unregister = () => {};
      finish({ done: true, value: undefined });
      return { done: true as const, value: undefined };
    };
    return {
      next: () => {
        unregister ??= this.register(socket, id, spec, symbols);
        return finished;
      },
      return: end,
      throw: end,
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  /** What slow subscribers hold right now: queued frames (bounded by maxQueue) and socket buffers. */
  backlog(): { pendingFrames: number; bufferedBytes: number } {
    let pendingFrames = 0;
    let bufferedBytes = 0;
    for (const socket of this.sockets.values()) {
      bufferedBytes += socket.ws.bufferedAmount;
      for (const subscriber of socket.waiting)
        for (const queue of subscriber.pending.values()) pendingFrames += queue.length;
    }
    return { pendingFrames, bufferedBytes };
  }

  close(): void {
    clearInterval(this.sweeper);
    for (const off of this.unlisten) off();
  }

  private register(ws: FrameSocket, id: string, spec: OperationSpec, symbols: readonly string[]): () => void {
    let socket = this.sockets.get(ws);
    if (!socket) {
      socket = { ws, subscribers: new Set(), inflight: 0, busySince: null, waiting: new Set() };
      this.sockets.set(ws, socket);
    }
    let operation = this.operations.get(spec.key);
    if (!operation) {
      operation = { spec, bySymbol: new Map(), rendered: new Map() };
      this.operations.set(spec.key, operation);
    }
    const subscriber: Subscriber = {
      socket,
      head: Buffer.from(`{"id":${JSON.stringify(id)},"type":"next","payload":`),
      symbols,
      operation,
      lastSeq: new Map(),
      pending: new Map(),
      dropped: new Map(),
    };
    socket.subscribers.add(subscriber);
    for (const symbol of symbols) {
      let set = operation.bySymbol.get(symbol);
      if (!set) operation.bySymbol.set(symbol, (set = new Set()));
      set.add(subscriber);
      this.stats.of(symbol).subscriptions++;
      const latest = this.hub.latest(symbol);
      if (latest) {
        this.bodyFor(operation, latest).then(
          (body) => this.offer(subscriber, latest, body),
          (error: Error) => this.log?.error({ event: 'ws_broadcast_failed', symbol, err: error.message }),
        );
      }
    }
    return () => this.unregister(subscriber);
  }

  private unregister(subscriber: Subscriber): void {
    const { operation, socket } = subscriber;
    for (const symbol of subscriber.symbols) {
      const set = operation.bySymbol.get(symbol);
      set?.delete(subscriber);
      if (set?.size === 0) {
        operation.bySymbol.delete(symbol);
        operation.rendered.delete(symbol);
      }
      this.stats.of(symbol).subscriptions--;
    }
    if (operation.bySymbol.size === 0) this.operations.delete(operation.spec.key);
    socket.subscribers.delete(subscriber);
    socket.waiting.delete(subscriber);
    if (socket.subscribers.size === 0) this.sockets.delete(socket.ws);
  }

  /** Latest wins here too: if broadcasts of a symbol fall behind, the newest frame replaces the queued one. */
  private enqueueBroadcast(frame: HeatmapSnapshot): void {
    this.nextFrame.set(frame.symbol, frame);
    if (!this.broadcasting.has(frame.symbol)) void this.drainBroadcasts(frame.symbol);
  }

  private async drainBroadcasts(symbol: string): Promise<void> {
    this.broadcasting.add(symbol);
    try {
      for (let frame = this.nextFrame.get(symbol); frame; frame = this.nextFrame.get(symbol)) {
        this.nextFrame.delete(symbol);
        await this.broadcast(frame);
      }
    } catch (error) {
      this.log?.error({ event: 'ws_broadcast_failed', symbol, err: (error as Error).message });
    } finally {
      this.broadcasting.delete(symbol);
    }
  }

  private async broadcast(frame: HeatmapSnapshot): Promise<void> {
    const targets: Array<[Operation, Set<Subscriber>, Buffer]> = [];
    for (const operation of this.operations.values()) {
      const subscribers = operation.bySymbol.get(frame.symbol);
      if (subscribers?.size) targets.push([operation, subscribers, await this.bodyFor(operation, frame)]);
    }
    if (targets.length === 0) return;
    let written = 0;
    for (const [, subscribers, body] of targets) {
      for (const subscriber of subscribers) {
        this.offer(subscriber, frame, body);
        if (++written % this.options.chunkSize === 0) await yieldToEventLoop();
      }
    }
    const seconds = (Date.now() - frame.generatedAt) / 1000;
    this.stats.recordBroadcast(frame.symbol, seconds);
    this.log?.debug({
      event: 'ws_broadcast',
      symbol: frame.symbol,
      seq: frame.seq,
      subscribers: written,
      operations: targets.length,
      ms: seconds * 1000,
    });
  }

  /** Executed and serialized once per frame per operation, with the message's closing brace appended once. */
  private bodyFor(operation: Operation, frame: HeatmapSnapshot): Promise<Buffer> {
    const cached = operation.rendered.get(frame.symbol);
    if (cached?.seq === frame.seq) return cached.body;
    const body = operation.spec.render(frame).then((payload) => Buffer.concat([payload, MESSAGE_END]));
    operation.rendered.set(frame.symbol, { seq: frame.seq, body });
    return body;
  }

  private offer(subscriber: Subscriber, frame: HeatmapSnapshot, body: Buffer): void {
    const { symbol, seq } = frame;
    if (seq <= (subscriber.lastSeq.get(symbol) ?? 0) || !subscriber.socket.subscribers.has(subscriber)) return;
    const { socket } = subscriber;
    if (this.drained(socket)) return this.send(subscriber, symbol, { seq, body });
    let queue = subscriber.pending.get(symbol);
    if (!queue) subscriber.pending.set(symbol, (queue = []));
    queue.push({ seq, body });
    if (queue.length > this.options.maxQueue) {
      queue.shift();
      this.stats.of(symbol).droppedFrames++;
      subscriber.dropped.set(symbol, (subscriber.dropped.get(symbol) ?? 0) + 1);
    }
    socket.waiting.add(subscriber);
  }

  private drained(socket: SocketState): boolean {
    if (socket.inflight === 0) return true;
    return (
      socket.ws.bufferedAmount < this.options.bufferedLimit &&
      Date.now() - (socket.busySince ?? Date.now()) < this.options.slowAfterMs
    );
  }

  private send(subscriber: Subscriber, symbol: string, frame: Pending): void {
    const { socket } = subscriber;
    const ws = socket.ws;
    if (ws.readyState !== OPEN) return;
    subscriber.lastSeq.set(symbol, frame.seq);
    const dropped = subscriber.dropped.get(symbol) ?? 0;
    let parts = [frame.body];
    if (dropped > 0) {
      // Reopen the payload (drop its closing brace and the message's) to add the warning.
      const warning = JSON.stringify({ code: 'SLOW_CONSUMER', message: SLOW_CONSUMER_MESSAGE, droppedFrames: dropped });
      parts = [frame.body.subarray(0, frame.body.length - 2), Buffer.from(`,"extensions":{"warning":${warning}}}}`)];
      subscriber.dropped.delete(symbol);
      this.stats.of(symbol).slowConsumerWarnings++;
      this.log?.info({ event: 'slow_consumer', symbol, droppedFrames: dropped });
    }
    if (socket.inflight++ === 0) socket.busySince = Date.now();
    writeTextMessage(ws, subscriber.head, parts, () => this.sent(socket));
    this.stats.of(symbol).messagesSent++;
  }

  private sent(socket: SocketState): void {
    if (--socket.inflight > 0) return;
    socket.busySince = null;
    for (const subscriber of socket.waiting) {
      socket.waiting.delete(subscriber);
      for (const [symbol, queue] of subscriber.pending) {
        subscriber.pending.delete(symbol);
        for (const frame of queue) this.send(subscriber, symbol, frame);
      }
    }
  }

  private disconnectStuck(): void {
    const now = Date.now();
    for (const socket of this.sockets.values()) {
      if (socket.busySince === null || now - socket.busySince < this.options.stuckAfterMs) continue;
      this.stats.slowConsumerDisconnects++;
      this.log?.warn({ event: 'slow_consumer', action: 'disconnect', stuckMs: now - socket.busySince });
      this.sockets.delete(socket.ws);
      socket.ws.close(SLOW_CONSUMER_CLOSE.code, SLOW_CONSUMER_CLOSE.reason);
      // The close frame cannot get through a stuck socket: drop it after a grace period.
      setTimeout(() => socket.ws.terminate(), 1000).unref();
    }
  }
}
