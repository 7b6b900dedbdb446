import type { Logger } from 'pino';
import { slowConsumerWarning } from '../protocol.js';
import type { StreamStats } from './stream-stats.js';

/**
 * What the writer needs of a WebSocket connection. The `ws` implementation
 * (src/server/ws-frame-socket.ts) writes the WebSocket framing itself, straight to the TCP socket.
 */
export interface FrameSocket {
  /** False once closing or closed: nothing more is written. */
  readonly open: boolean;
  /** Bytes handed to the socket that the OS has not taken yet. */
  readonly bufferedAmount: number;
  /**
   * When the keep-alive ping the peer has not answered yet was sent, null when it has answered. A
   * reader answers at once; one that stopped reading does not, however much the OS still buffers.
   */
  readonly unansweredSince: number | null;
  /**
   * Writes one unfragmented text message: `head` (a few per-subscriber bytes, copied next to the
   * frame header) then `shared` (bytes shared by every subscriber of a frame, never copied);
   * `written` runs once the OS has taken it all.
   */
  writeMessage(head: Buffer, shared: readonly Buffer[], written: () => void): void;
  close(code: number, reason: string): void;
  /** Drops the connection at once (a close frame cannot get through a stuck socket). */
  terminate(): void;
}

export interface WriterOptions {
  /** Frames kept per symbol for a subscription whose socket has not drained (older ones dropped). */
  maxQueue: number;
  /** A send pending longer than this marks the socket slow. */
  slowAfterMs: number;
  /** Bytes buffered in the socket beyond which it counts as not drained. */
  bufferedLimit: number;
}

/** One subscription (one operation id) on a socket: its message head and its latest-wins queues. */
export class SubscriptionOutput {
  /** Frames waiting per symbol while the socket has not drained: each the shared end of a message. */
  readonly pending = new Map<string, Buffer[]>();
  /** Frames dropped since this subscription's last message: reported in the next frame's warning. */
  readonly dropped = new Map<string, number>();
  active = true;

  /** `head`: `{"id":"<id>","type":"next","payload":` (or the legacy protocol's `data`), the only per-subscriber bytes of a message. */
  constructor(readonly head: Buffer) {}
}

/**
 * Writes frames to one socket. A frame goes out at once while the socket drains; otherwise it waits
 * in its subscription's queue, at most `maxQueue` per symbol (latest wins: older ones are dropped and
 * counted, and the next frame sent carries the SLOW_CONSUMER warning), and the queues are flushed when
 * the socket's writes complete. Fast sockets never wait for slow ones: each socket has its own writer.
 */
export class SocketWriter {
  /** Messages handed to the socket whose write callback has not fired yet. */
  private inflight = 0;
  /** When `inflight` last went from 0 to 1, null while drained. */
  private busySince: number | null = null;
  /** Subscriptions with queued frames. */
  private readonly waiting = new Set<SubscriptionOutput>();

  constructor(
    readonly socket: FrameSocket,
    private readonly options: WriterOptions,
    private readonly stats: StreamStats,
    private readonly log?: Logger,
  ) {}

  /** Sends `body` (a frame's shared bytes, ending the message) to `output` now, or queues it. */
  write(output: SubscriptionOutput, symbol: string, body: Buffer): void {
    if (!output.active) return;
    if (this.drained()) return this.send(output, symbol, body);
    let queue = output.pending.get(symbol);
    if (!queue) output.pending.set(symbol, (queue = []));
    queue.push(body);
    if (queue.length > this.options.maxQueue) {
      queue.shift();
      this.stats.of(symbol).droppedFrames++;
      output.dropped.set(symbol, (output.dropped.get(symbol) ?? 0) + 1);
    }
    this.waiting.add(output);
  }

  /** The subscription ended: nothing more is written for it. */
  remove(output: SubscriptionOutput): void {
    output.active = false;
    this.waiting.delete(output);
  }

  /** Frames waiting in this socket's queues. */
  queuedFrames(): number {
    let frames = 0;
    for (const output of this.waiting) for (const queue of output.pending.values()) frames += queue.length;
    return frames;
  }

  /** How long the socket has been taking no message or its peer reading nothing, 0 while it drains. */
  stuckMs(now: number): number {
    const since = Math.min(this.busySince ?? now, this.socket.unansweredSince ?? now);
    return now - since;
  }

  /** The peer answered its keep-alive: frames queued meanwhile go out, the first with the warning. */
  resumed(): void {
    if (this.inflight === 0) this.flush();
  }

  private drained(): boolean {
    // Called for every message: the clock is read only when a ping is unanswered or a write pending.
    const unanswered = this.socket.unansweredSince;
    if (unanswered !== null && Date.now() - unanswered >= this.options.slowAfterMs) return false;
    if (this.inflight === 0) return true;
    const now = Date.now();
    return (
      this.socket.bufferedAmount < this.options.bufferedLimit &&
      now - (this.busySince ?? now) < this.options.slowAfterMs
    );
  }

  private send(output: SubscriptionOutput, symbol: string, body: Buffer): void {
    if (!this.socket.open) return;
    const dropped = output.dropped.get(symbol) ?? 0;
    let shared = [body];
    if (dropped > 0) {
      // Reopen the payload (drop its closing brace and the message's) to add the warning.
      const warning = JSON.stringify(slowConsumerWarning(dropped));
      shared = [body.subarray(0, body.length - 2), Buffer.from(`,"extensions":{"warning":${warning}}}}`)];
      output.dropped.delete(symbol);
      this.stats.of(symbol).slowConsumerWarnings++;
      this.log?.info({ event: 'slow_consumer', symbol, droppedFrames: dropped });
    }
    if (this.inflight++ === 0) this.busySince = Date.now();
    this.socket.writeMessage(output.head, shared, () => this.sent());
    this.stats.of(symbol).messagesSent++;
  }

  private sent(): void {
    if (--this.inflight > 0) return;
    this.busySince = null;
    this.flush();
  }

  private flush(): void {
    if (!this.drained()) return;
    for (const output of this.waiting) {
      this.waiting.delete(output);
      for (const [symbol, queue] of output.pending) {
        output.pending.delete(symbol);
        for (const body of queue) this.send(output, symbol, body);
      }
    }
  }
}
