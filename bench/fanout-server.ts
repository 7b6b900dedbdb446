import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { WebSocketServer, type WebSocket } from 'ws';
import { makeFrame, startStreamingHarness } from '../tests/support/streaming-harness.js';

/**
 * One fan-out target for bench/fanout.ts, in its own process so its CPU can be measured:
 *   shared         — this project's fan-out (execute + serialize once per frame per operation), plain
 *   shared-deflate — the same with permessage-deflate: each frame compressed once for all subscribers
 *   stock          — graphql-ws executing and stringifying per subscriber (FANOUT=stock), plain
 *   stock-deflate  — the same, `ws` compressing every message per socket
 *   ws             — plain `ws` broadcasting one shared Buffer: the practical limit
 *   ws-deflate     — plain `ws` with its default per-socket permessage-deflate
 * All publish the same ~15 KB frames (440 levels) once a second.
 */
export type TargetMode = 'shared' | 'shared-deflate' | 'stock' | 'stock-deflate' | 'ws' | 'ws-deflate';
const mode = process.argv[2] as TargetMode;
const deflate = mode.endsWith('-deflate');
const LEVELS = 440;
const SYMBOL = 'BTCUSDT';

const eventLoop = monitorEventLoopDelay({ resolution: 10 });
eventLoop.enable();
let rssMax = 0;
setInterval(() => {
  rssMax = Math.max(rssMax, process.memoryUsage().rss);
}, 250).unref();

async function startTarget(): Promise<{ url: string; publish: (seq: number) => void }> {
  if (mode === 'ws' || mode === 'ws-deflate') {
    const http = createServer();
    const wss = new WebSocketServer({
      server: http,
      perMessageDeflate: deflate, // true: ws's defaults
      handleProtocols: () => 'graphql-transport-ws',
    });
    const subscribed = new Set<WebSocket>();
    wss.on('connection', (socket) => {
      socket.on('message', (data: Buffer) => {
        const text = data.toString();
        if (text.includes('"connection_init"')) socket.send('{"type":"connection_ack"}');
        else if (text.includes('"subscribe"')) subscribed.add(socket);
      });
      socket.on('close', () => subscribed.delete(socket));
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    return {
      url: `ws://127.0.0.1:${(http.address() as AddressInfo).port}/graphql`,
      publish(seq) {
        const f = makeFrame(SYMBOL, seq, LEVELS);
        // The same fields, in the same order, as the load generator's operation selects.
        const heatmapUpdated = {
          symbol: f.symbol,
          seq: f.seq,
          generatedAt: new Date(f.generatedAt).toISOString(),
          timestamp: new Date(f.timestamp).toISOString(),
          currentPrice: f.currentPrice,
          priceStep: f.priceStep,
          levels: f.levels,
          positionsCreated: f.positionsCreated,
          positionsConsumed: f.positionsConsumed,
          candle: f.candle && { open: f.candle.open, high: f.candle.high, low: f.candle.low, close: f.candle.close },
        };
        const message = Buffer.from(JSON.stringify({ id: '1', type: 'next', payload: { data: { heatmapUpdated } } }));
        for (const socket of subscribed) socket.send(message);
      },
    };
  }
  const fanout = mode.startsWith('shared') ? 'shared' : 'stock';
  const harness = await startStreamingHarness({
    WS_MAX_CONNECTIONS: '100000',
    WS_KEEPALIVE: '60',
    FANOUT: fanout,
    WS_COMPRESSION: String(deflate),
  });
  return {
    url: (fanout === 'shared' ? harness.shared : harness.stock).wsUrl,
    publish: () => void harness.publish(SYMBOL, LEVELS),
  };
}

const target = await startTarget();
let seq = 0;
target.publish(++seq);
setInterval(() => target.publish(++seq), 1000);
process.on('message', (message: string) => {
  if (message === 'stats') {
    const cpu = process.cpuUsage();
    process.send?.({
      type: 'stats',
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      rssMaxBytes: rssMax,
      eventLoopP99Seconds: eventLoop.percentile(99) / 1e9,
    });
    eventLoop.reset();
    rssMax = process.memoryUsage().rss;
  }
});
process.send?.({ type: 'listening', url: target.url });
