import type { Logger } from 'pino';
import type { Frame } from '../heatmap/types.js';
import { yieldToEventLoop } from '../market/clock.js';
import { ServerCloseCode, SLOW_CONSUMER_CLOSE_REASON } from '../protocol.js';
import type { FrameHub } from './frame-hub.js';
import { SocketWriter, SubscriptionOutput, type FrameSocket, type WriterOptions } from './socket-writer.js';
import type { StreamStats } from './stream-stats.js';

/** A distinct subscription operation: the frames of all its subscribers are executed and serialized once. */
export interface OperationSpec {
  /** Same key ⇔ same execution result for the same frame. */
  key: string;
  /** The graphql-transport-ws `next` payload (an ExecutionResult) for a frame, as JSON bytes. */
  render(frame: Frame): Promise<Buffer>;
}

export interface FanOutOptions extends WriterOptions {
  /** A socket slow for longer than this is closed with ServerCloseCode.SlowConsumer. */
  stuckAfterMs: number;
  /** Sockets written between yields to the event loop, so keep-alives, accepts and queries keep flowing. */
  chunkSize: number;
}

const MESSAGE_END = Buffer.from('}');

/** One subscription of one operation on one socket. */
interface Subscriber {
  readonly writer: SocketWriter;
  readonly output: SubscriptionOutput;
  readonly symbols: readonly string[];
  readonly operation: Operation;
}

interface Operation {
  readonly spec: OperationSpec;
  /** Its subscribers, joined or still joining. */
  members: number;
  readonly bySymbol: Map<string, Set<Subscriber>>;
  /** The last rendered frame per symbol: one execution per frame, however many subscribers. */
  readonly rendered: Map<string, { seq: number; body: Promise<Buffer> }>;
}

/**
 * The shared fan-out (docs/architecture.md): the registry of subscriptions by operation and symbol,
 * and the render cache. For each frame the hub passes on, each distinct operation is executed and
 * serialized once; every subscriber's socket writer gets those bytes, to send behind the
 * subscriber's own message head. The broadcast loop never writes a socket itself.
 *
 * A symbol's broadcasts run one after another, and a new subscriber joins between two of them with
 * the hub's latest frame: so every subscriber gets a symbol's frames in the hub's order, each once.
 */
export class FanOut {
  private readonly operations = new Map<string, Operation>();
  private readonly writers = new Map<FrameSocket, { writer: SocketWriter; subscribers: Set<Subscriber> }>();
  /** Per symbol: the newest frame not broadcast yet, and subscribers waiting to join. */
  private readonly nextFrame = new Map<string, Frame>();
  private readonly joining = new Map<string, Subscriber[]>();
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
    this.unlisten = symbols.map((symbol) =>
      hub.listen(symbol, (frame) => {
        this.nextFrame.set(symbol, frame);
        this.drain(symbol);
      }),
    );
    for (const symbol of symbols) this.joining.set(symbol, []);
    this.sweeper = setInterval(() => this.disconnectStuck(), Math.max(100, options.slowAfterMs)).unref();
  }

  /**
   * Subscribes an operation on `socket` to `symbols`: the latest frame of each, then every new one.
   * `head` starts each of its messages, up to the payload: its protocol's words and its id
   * (src/protocol.ts). Returns the unsubscribe.
   */
  subscribe(socket: FrameSocket, head: string, spec: OperationSpec, symbols: readonly string[]): () => void {
    let entry = this.writers.get(socket);
    if (!entry) {
      entry = { writer: new SocketWriter(socket, this.options, this.stats, this.log), subscribers: new Set() };
      this.writers.set(socket, entry);
    }
    let operation = this.operations.get(spec.key);
    if (!operation) {
      operation = { spec, members: 0, bySymbol: new Map(), rendered: new Map() };
      this.operations.set(spec.key, operation);
    }
    operation.members++;
    const subscriber: Subscriber = {
      writer: entry.writer,
      output: new SubscriptionOutput(Buffer.from(head)),
      symbols,
      operation,
    };
    entry.subscribers.add(subscriber);
    for (const symbol of symbols) {
      this.stats.of(symbol).subscriptions++;
      this.joining.get(symbol)!.push(subscriber);
      this.drain(symbol);
    }
    return () => this.unsubscribe(subscriber);
  }

  /** Whether frames are written to `socket`: then a peer that stops reading is a slow consumer, not a dead one. */
  writesTo(socket: FrameSocket): boolean {
    return this.writers.has(socket);
  }

  /** `socket`'s peer answered its keep-alive again: what was queued for it goes out. */
  answered(socket: FrameSocket): void {
    this.writers.get(socket)?.writer.resumed();
  }

  /** What slow subscribers hold right now: queued frames (bounded by maxQueue) and socket buffers. */
  backlog(): { pendingFrames: number; bufferedBytes: number } {
    let pendingFrames = 0;
    let bufferedBytes = 0;
    for (const { writer } of this.writers.values()) {
      bufferedBytes += writer.socket.bufferedAmount;
      pendingFrames += writer.queuedFrames();
    }
    return { pendingFrames, bufferedBytes };
  }

  close(): void {
    clearInterval(this.sweeper);
    for (const off of this.unlisten) off();
  }

  private unsubscribe(subscriber: Subscriber): void {
    const { operation, writer } = subscriber;
    if (!subscriber.output.active) return;
    writer.remove(subscriber.output);
    for (const symbol of subscriber.symbols) {
      const set = operation.bySymbol.get(symbol);
      set?.delete(subscriber);
      if (set?.size === 0) {
        operation.bySymbol.delete(symbol);
        operation.rendered.delete(symbol);
      }
      this.stats.of(symbol).subscriptions--;
    }
    if (--operation.members === 0) this.operations.delete(operation.spec.key);
    const entry = this.writers.get(writer.socket);
    entry?.subscribers.delete(subscriber);
    if (entry?.subscribers.size === 0) this.writers.delete(writer.socket);
  }

  private drain(symbol: string): void {
    if (!this.broadcasting.has(symbol)) void this.runBroadcasts(symbol);
  }

  /**
   * One loop per symbol. Latest wins here too: if broadcasts fall behind, the newest frame replaces
   * the waiting one. Joiners get the latest frame first, then each later one once: when a frame
   * waits (it is the latest), they join its broadcast; when none does, the last one broadcast is
   * written to them. Joining with the waiting frame matters when broadcasts fall behind the frames:
   * a frame then always waits, and joiners let in only when none did waited for ever.
   */
  private async runBroadcasts(symbol: string): Promise<void> {
    this.broadcasting.add(symbol);
    try {
      for (;;) {
        const frame = this.nextFrame.get(symbol);
        const joiners = this.joining.get(symbol)!;
        if (joiners.length > 0) this.joining.set(symbol, []);
        if (frame) {
          this.nextFrame.delete(symbol);
          for (const subscriber of joiners) this.enlist(symbol, subscriber);
          await this.broadcast(frame);
          continue;
        }
        if (joiners.length === 0) break;
        await this.admit(symbol, joiners);
      }
    } catch (error) {
      this.log?.error({ event: 'ws_broadcast_failed', symbol, err: (error as Error).message });
    } finally {
      this.broadcasting.delete(symbol);
    }
  }

  private async admit(symbol: string, joiners: readonly Subscriber[]): Promise<void> {
    const latest = this.hub.latest(symbol);
    for (const subscriber of joiners) {
      if (!subscriber.output.active) continue;
      const { operation } = subscriber;
      if (latest) {
        try {
          subscriber.writer.write(subscriber.output, symbol, await this.bodyFor(operation, latest));
        } catch (error) {
          this.log?.error({ event: 'ws_broadcast_failed', symbol, err: (error as Error).message });
        }
      }
      this.enlist(symbol, subscriber);
    }
  }

  /** From now on `subscriber` gets every frame of `symbol` broadcast (unless it unsubscribed meanwhile). */
  private enlist(symbol: string, subscriber: Subscriber): void {
    if (!subscriber.output.active) return;
    const { operation } = subscriber;
    let set = operation.bySymbol.get(symbol);
    if (!set) operation.bySymbol.set(symbol, (set = new Set()));
    set.add(subscriber);
  }

  private async broadcast(frame: Frame): Promise<void> {
    const targets: Array<[Set<Subscriber>, Buffer]> = [];
    for (const operation of this.operations.values()) {
      const subscribers = operation.bySymbol.get(frame.stream);
      if (subscribers?.size) targets.push([subscribers, await this.bodyFor(operation, frame)]);
    }
    if (targets.length === 0) return;
    let written = 0;
    for (const [subscribers, body] of targets) {
      for (const subscriber of subscribers) {
        subscriber.writer.write(subscriber.output, frame.stream, body);
        if (++written % this.options.chunkSize === 0) await yieldToEventLoop();
      }
    }
    const seconds = (Date.now() - frame.generatedAt) / 1000;
    this.stats.recordBroadcast(frame.stream, seconds);
    this.log?.debug({
      event: 'ws_broadcast',
      symbol: frame.stream,
      seq: frame.seq,
      subscribers: written,
      operations: targets.length,
      ms: seconds * 1000,
    });
  }

  /** Executed and serialized once per frame per operation, with the message's closing brace appended once. */
  private bodyFor(operation: Operation, frame: Frame): Promise<Buffer> {
    const cached = operation.rendered.get(frame.stream);
    if (cached?.seq === frame.seq) return cached.body;
    const body = operation.spec.render(frame).then((payload) => Buffer.concat([payload, MESSAGE_END]));
    operation.rendered.set(frame.stream, { seq: frame.seq, body });
    return body;
  }

  private disconnectStuck(): void {
    const now = Date.now();
    for (const [socket, { writer }] of this.writers) {
      const stuckMs = writer.stuckMs(now);
      if (stuckMs < this.options.stuckAfterMs) continue;
      this.stats.slowConsumerDisconnects++;
      this.log?.warn({ event: 'slow_consumer', action: 'disconnect', stuckMs });
      this.writers.delete(socket);
      socket.close(ServerCloseCode.SlowConsumer, SLOW_CONSUMER_CLOSE_REASON);
      // The close frame cannot get through a stuck socket: drop it after a grace period.
      setTimeout(() => socket.terminate(), 1000).unref();
    }
  }
}
