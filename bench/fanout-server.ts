import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { WebSocketServer, type WebSocket } from 'ws';
import { makeFrame, startStreamingHarness } from '../tests/support/streaming-harness.js';

/**
 * One fan-out target for bench/fanout.ts, in its own process so its CPU can be measured:
 *   shared — this project's fan-out (execute + serialize once per frame per operation)
 *   stock  — graphql-ws executing and stringifying per subscriber (FANOUT=stock)
 *   ws     — plain `ws` broadcasting one shared Buffer: the practical limit
 * All three publish the same ~15 KB frames (440 levels) once a second.
 */
const mode = process.argv[2] as 'shared' | 'stock' | 'ws';
const LEVELS = 440;
const SYMBOL = 'BTCUSDT';

const eventLoop = monitorEventLoopDelay({ resolution: 10 });
eventLoop.enable();
let rssMax = 0;
setInterval(() => {
  rssMax = Math.max(rssMax, process.memoryUsage().rss);
}, 250).unref();

async function startTarget(): Promise<{ url: string; publish: (seq: number) => void }> {
  if (mode === 'ws') {
    const http = createServer();
    const wss = new WebSocketServer({
      server: http,
      perMessageDeflate: false,
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
  const harness = await startStreamingHarness({ WS_MAX_CONNECTIONS: '100000', WS_KEEPALIVE: '60', FANOUT: mode });
  return {
    url: (mode === 'shared' ? harness.shared : harness.stock).wsUrl,
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
