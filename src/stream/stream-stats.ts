import * as hdr from 'hdr-histogram-js';
import { symbolOfStream } from '../heatmap/index.js';

/** Per-symbol counters since start, over all the symbol's streams (its exchange sets). */
export interface SymbolCounters {
  subscriptions: number;
  framesPublished: number;
  messagesSent: number;
  droppedFrames: number;
  slowConsumerWarnings: number;
}

const sum = (counters: Iterable<SymbolCounters>, key: keyof SymbolCounters) => {
  let total = 0;
  for (const c of counters) total += c[key];
  return total;
};

/** Counts of the streaming layer: the one source for `streamStats`, `GET /stats` and `/metrics`. */
export class StreamStats {
  /** Open WebSocket connections by subprotocol (graphql-transport-ws, or the legacy graphql-ws). */
  readonly connectionsByProtocol = new Map<string, number>();
  rejectedConnections = 0;
  slowConsumerDisconnects = 0;
  /** Requests and connections turned away by the guards (docs/security.md), by reason. */
  readonly refused = { httpRateLimited: 0, wsRateLimited: 0, unauthorized: 0, origin: 0, subprotocol: 0 };
  readonly bySymbol = new Map<string, SymbolCounters>();
  /** Broadcast durations in microseconds: from a frame's publication to its last socket write. */
  private readonly broadcast = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
  });
  private readonly broadcastObservers: Array<(symbol: string, seconds: number) => void> = [];

  constructor(symbols: readonly string[]) {
    for (const symbol of symbols) {
      this.bySymbol.set(symbol, {
        subscriptions: 0,
        framesPublished: 0,
        messagesSent: 0,
        droppedFrames: 0,
        slowConsumerWarnings: 0,
      });
    }
  }

  /** The counters of a stream's symbol. */
  of(stream: string): SymbolCounters {
    const counters = this.bySymbol.get(symbolOfStream(stream));
    if (!counters) throw new Error(`StreamStats: unknown symbol ${stream}`);
    return counters;
  }

  get activeConnections(): number {
    let total = 0;
    for (const count of this.connectionsByProtocol.values()) total += count;
    return total;
  }

  /** A connection speaking `protocol` opened (+1) or closed (-1). */
  countConnection(protocol: string, change: 1 | -1): void {
    this.connectionsByProtocol.set(protocol, (this.connectionsByProtocol.get(protocol) ?? 0) + change);
  }

  get activeSubscriptions(): number {
    return sum(this.bySymbol.values(), 'subscriptions');
  }
  get framesPublished(): number {
    return sum(this.bySymbol.values(), 'framesPublished');
  }
  get messagesSent(): number {
    return sum(this.bySymbol.values(), 'messagesSent');
  }
  get droppedFrames(): number {
    return sum(this.bySymbol.values(), 'droppedFrames');
  }
  get slowConsumerWarnings(): number {
    return sum(this.bySymbol.values(), 'slowConsumerWarnings');
  }

  recordBroadcast(stream: string, seconds: number): void {
    this.broadcast.recordValue(Math.max(1, Math.round(seconds * 1e6)));
    for (const observe of this.broadcastObservers) observe(symbolOfStream(stream), seconds);
  }

  onBroadcast(observe: (symbol: string, seconds: number) => void): void {
    this.broadcastObservers.push(observe);
  }

  /** Broadcast duration percentile in milliseconds, null before the first broadcast. */
  broadcastPercentileMs(percentile: number): number | null {
    return this.broadcast.totalCount === 0 ? null : this.broadcast.getValueAtPercentile(percentile) / 1000;
  }

  /** The plain-object view served by GET /stats. */
  toJSON() {
    return {
      activeConnections: this.activeConnections,
      connectionsByProtocol: Object.fromEntries(this.connectionsByProtocol),
      rejectedConnections: this.rejectedConnections,
      activeSubscriptions: this.activeSubscriptions,
      subscriptionsBySymbol: Object.fromEntries([...this.bySymbol].map(([s, c]) => [s, c.subscriptions])),
      framesPublished: this.framesPublished,
      messagesSent: this.messagesSent,
      droppedFrames: this.droppedFrames,
      slowConsumerWarnings: this.slowConsumerWarnings,
      slowConsumerDisconnects: this.slowConsumerDisconnects,
      refused: { ...this.refused },
      broadcastP50Ms: this.broadcastPercentileMs(50),
      broadcastP95Ms: this.broadcastPercentileMs(95),
    };
  }
}
