import type { Socket } from 'node:net';
import WebSocket from 'ws';
import { readFrameHead, LOAD_QUERY } from './lib/frame-head.js';
import { encodeHistogram, newHistogram } from './lib/histogram.js';

/**
 * One load-generator process: opens its share of graphql-transport-ws (or legacy graphql-ws)
 * connections (raw `ws`, no UTF-8 validation; offering permessage-deflate only when asked),
 * subscribes each to the symbols, and records push latency from every frame's generatedAt,
 * per-connection seq gaps, the bytes that arrived on the TCP sockets while measuring, and the
 * k6-style counters.
 */
export interface WorkerTask {
  url: string;
  connections: number;
  symbols: string[];
  durationMs: number;
  rampConcurrency: number;
  /** Stop opening connections after this long (a saturated server may never accept them all). */
  connectTimeoutMs: number;
  localAddresses: string[];
  query: string;
  /** The subprotocol: graphql-transport-ws (`subscribe`), or the legacy graphql-ws (`start`). */
  protocol: 'graphql-transport-ws' | 'graphql-ws';
  /** Offer permessage-deflate (ws's client defaults) instead of nothing. */
  compression: boolean;
}

/** Counters each worker keeps and the report sums. */
export interface LoadCounters {
  sessions: number;
  failedConnections: number;
  closedEarly: number;
  messagesReceived: number;
  bytesReceived: number;
  /** Bytes read from the TCP sockets while measuring: what crossed the wire, compressed or not. */
  wireBytes: number;
  framesReceived: number;
  framesExpected: number;
  seqGaps: number;
  slowConsumerWarnings: number;
}

export interface WorkerResult extends LoadCounters {
  /** HDR histograms (µs), compressed base64, merged by the parent. */
  latency: string;
  connecting: string;
  /** Subscribers that received their first frame (the latest one, sent at subscribe), however late. */
  firstFrames: number;
  firstFrameWithin2s: number;
  connectionsWithoutGaps: number;
}

/** The client's TCP socket (inside `ws`), whose bytesRead counts what arrived on the wire. */
const rawSocket = (ws: WebSocket) => (ws as unknown as { _socket?: Socket })._socket;

async function run(task: WorkerTask): Promise<WorkerResult> {
  const latency = newHistogram();
  const connecting = newHistogram();
  const result = {
    sessions: 0,
    failedConnections: 0,
    closedEarly: 0,
    messagesReceived: 0,
    bytesReceived: 0,
    framesReceived: 0,
    slowConsumerWarnings: 0,
    firstFrames: 0,
    firstFrameWithin2s: 0,
  };
  const perConnection: Array<Map<string, { first: number; last: number; received: number }>> = [];
  const sockets: WebSocket[] = [];
  let measuring = false;

  const open = (index: number) =>
    new Promise<void>((resolve) => {
      const started = performance.now();
      const seqs = new Map<string, { first: number; last: number; received: number }>();
      perConnection.push(seqs);
      const localAddress = task.localAddresses.length
        ? task.localAddresses[index % task.localAddresses.length]
        : undefined;
      const ws = new WebSocket(task.url, task.protocol, {
        perMessageDeflate: task.compression ? {} : false,
        skipUTF8Validation: true,
        ...(localAddress ? { localAddress } : {}),
      });
      let subscribedAt = 0;
      let firstFrame = true;
      ws.on('open', () => {
        connecting.recordValue(Math.max(1, Math.round((performance.now() - started) * 1000)));
        result.sessions++;
        ws.send(JSON.stringify({ type: 'connection_init' }));
      });
      ws.on('message', (data: Buffer) => {
        result.messagesReceived++;
        result.bytesReceived += data.length;
        if (data.length < 64 && data.includes('connection_ack')) {
          subscribedAt = Date.now();
          ws.send(
            JSON.stringify({
              id: '1',
              type: task.protocol === 'graphql-ws' ? 'start' : 'subscribe',
              payload: { query: task.query, variables: { symbols: task.symbols } },
            }),
          );
          return resolve();
        }
        const head = readFrameHead(data);
        if (!head) return;
        if (firstFrame) {
          firstFrame = false;
          result.firstFrames++;
          if (Date.now() - subscribedAt <= 2000) result.firstFrameWithin2s++;
        }
        if (!measuring) return;
        result.framesReceived++;
        latency.recordValue(Math.max(1, (Date.now() - head.generatedAt) * 1000));
        if (data.includes('"SLOW_CONSUMER"')) result.slowConsumerWarnings++;
        const s = seqs.get(head.symbol);
        if (s) {
          s.last = head.seq;
          s.received++;
        } else seqs.set(head.symbol, { first: head.seq, last: head.seq, received: 1 });
      });
      ws.on('error', () => {
        result.failedConnections++;
        resolve();
      });
      ws.on('close', () => {
        if (measuring) result.closedEarly++;
      });
      sockets.push(ws);
    });

  // Ramp: a bounded number of handshakes in flight at once, until all are open or time is up.
  let next = 0;
  const deadline = Date.now() + task.connectTimeoutMs;
  const timeLeft = () =>
    new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, deadline - Date.now())).unref());
  await Promise.all(
    Array.from({ length: Math.min(task.rampConcurrency, task.connections) }, async () => {
      while (next < task.connections && Date.now() < deadline) await Promise.race([open(next++), timeLeft()]);
    }),
  );
  process.send?.({ type: 'connected' });
  await new Promise<void>((resolve) => process.once('message', () => resolve()));
  const bytesRead = () => sockets.reduce((total, ws) => total + (rawSocket(ws)?.bytesRead ?? 0), 0);
  const readBefore = bytesRead();
  measuring = true;
  await new Promise((r) => setTimeout(r, task.durationMs));
  measuring = false;
  const wireBytes = bytesRead() - readBefore;
  for (const ws of sockets) ws.terminate();

  let framesExpected = 0;
  let connectionsWithoutGaps = 0;
  for (const seqs of perConnection) {
    let gaps = 0;
    for (const s of seqs.values()) {
      framesExpected += s.last - s.first + 1;
      gaps += s.last - s.first + 1 - s.received;
    }
    if (gaps === 0 && seqs.size > 0) connectionsWithoutGaps++;
  }
  return {
    ...result,
    latency: encodeHistogram(latency),
    connecting: encodeHistogram(connecting),
    wireBytes,
    framesExpected,
    seqGaps: framesExpected - result.framesReceived,
    connectionsWithoutGaps,
  };
}

process.once('message', (task: WorkerTask) => {
  run({ ...task, query: task.query || LOAD_QUERY }).then(
    (result) => process.send?.({ type: 'result', result }),
    (error: Error) => {
      process.send?.({ type: 'error', message: error.message });
    },
  );
});
