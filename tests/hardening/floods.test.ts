import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { HEATMAP_SUBSCRIPTION, record, wsClient } from '../support/graphql-clients.js';
import { startTestServer, type TestServer } from '../support/server.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

interface Stats {
  activeConnections: number;
  activeSubscriptions: number;
  rejectedConnections: number;
  subscriptionsBySymbol: Record<string, number>;
}
const statsOf = async (server: TestServer) => (await (await fetch(`${server.url}/stats`)).json()) as Stats;
const metric = async (server: TestServer, name: string) =>
  Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(await (await fetch(`${server.url}/metrics`)).text())?.[1]);

/** A raw socket's fate: acknowledged (and left open) or closed with a code. */
function connectAndInit(url: string, init = true): Promise<{ ws: WebSocket; outcome: Promise<'ack' | number> }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, 'graphql-transport-ws');
    ws.on('error', () => {});
    const outcome = new Promise<'ack' | number>((settle) => {
      ws.on('message', (data) => {
        if (JSON.parse(String(data)).type === 'connection_ack') settle('ack');
      });
      ws.on('close', (code) => settle(code));
    });
    ws.once('open', () => {
      if (init) ws.send(JSON.stringify({ type: 'connection_init' }));
      resolve({ ws, outcome });
    });
    ws.once('close', () => resolve({ ws, outcome }));
  });
}

describe('connection floods', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ WS_MAX_CONNECTIONS: '20', WS_INIT_TIMEOUT: '0.5' });
  });
  afterAll(() => server.stop());

  it('more connections than WS_MAX_CONNECTIONS: the excess closed with 1013, the accepted ones (and a subscriber among them) served', async () => {
    const good = wsClient(server.wsUrl);
    const sub = record(good, HEATMAP_SUBSCRIPTION, { symbols: ['BTCUSDT'] });
    await sub.until(() => sub.frames().length >= 1);
    const flood = await Promise.all(Array.from({ length: 60 }, () => connectAndInit(server.wsUrl)));
    const outcomes = await Promise.all(flood.map((f) => f.outcome));
    expect(outcomes.filter((o) => o === 'ack').length).toBe(19);
    expect(outcomes.filter((o) => o === 1013).length).toBe(41);
    expect((await statsOf(server)).rejectedConnections).toBe(41);
    const seen = sub.frames().length;
    await sub.until(() => sub.frames().length > seen);
    for (const { ws } of flood) ws.terminate();
    await expect.poll(async () => (await statsOf(server)).activeConnections).toBe(1);
    // Room again once they are gone.
    const again = await connectAndInit(server.wsUrl);
    expect(await again.outcome).toBe('ack');
    again.ws.terminate();
    await good.dispose();
  });

  it('sockets that never send connection_init are closed with 4408 and forgotten; they cannot hold the server', async () => {
    const silent = await Promise.all(Array.from({ length: 20 }, () => connectAndInit(server.wsUrl, false)));
    expect(new Set(await Promise.all(silent.map((s) => s.outcome)))).toEqual(new Set([4408]));
    await expect.poll(async () => (await statsOf(server)).activeConnections).toBe(0);
    const after = await connectAndInit(server.wsUrl);
    expect(await after.outcome).toBe('ack');
    after.ws.terminate();
  });
});

describe('churn', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ WS_MAX_CONNECTIONS: '1000' });
  });
  afterAll(() => server.stop());

  /** connect → init → subscribe → first frame → leave (close, complete + close, or terminate). */
  function cycle(i: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(server.wsUrl, 'graphql-transport-ws');
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new Error(`cycle ${i} timed out`));
      }, 15_000);
      ws.on('error', reject);
      ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init' })));
      ws.on('message', (data) => {
        const message = JSON.parse(String(data)) as { type: string };
        if (message.type === 'connection_ack') {
          ws.send(
            JSON.stringify({
              id: 'a',
              type: 'subscribe',
              payload: {
                query: HEATMAP_SUBSCRIPTION,
                variables: { symbols: i % 2 ? ['BTCUSDT'] : ['BTCUSDT', 'ETHUSDT'] },
              },
            }),
          );
        } else if (message.type === 'next') {
          ws.removeAllListeners('message');
          if (i % 3 === 0) ws.terminate();
          else {
            if (i % 3 === 1) ws.send(JSON.stringify({ id: 'a', type: 'complete' }));
            ws.close(1000);
          }
        } else reject(new Error(`cycle ${i}: unexpected ${String(data).slice(0, 200)}`));
      });
      ws.on('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  async function churn(from: number, count: number, concurrency: number): Promise<void> {
    let next = from;
    const end = from + count;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < end) await cycle(next++);
      }),
    );
    await expect
      .poll(async () => statsOf(server), { timeout: 10_000 })
      .toMatchObject({ activeConnections: 0, activeSubscriptions: 0 });
  }

  const memory = () => {
    gc();
    gc();
    const { heapUsed, rss } = process.memoryUsage();
    return { heapMiB: heapUsed / 2 ** 20, rssMiB: rss / 2 ** 20 };
  };

  it('10,000 connect/subscribe/disconnect cycles: every count back to zero, memory after GC bounded', async () => {
    await churn(0, 1000, 100); // warm-up: caches, JIT, socket pools
    const before = memory();
    await churn(1000, 10_000, 100);
    const after = memory();
    const stats = await statsOf(server);
    expect(stats.subscriptionsBySymbol).toEqual({ BTCUSDT: 0, ETHUSDT: 0 });
    expect(await metric(server, 'ws_pending_frames')).toBe(0);
    expect(await metric(server, 'ws_active_connections')).toBe(0);
    // Server and clients share this process: the figures bound both together.
    console.log(
      `churn: heap after GC ${before.heapMiB.toFixed(1)} → ${after.heapMiB.toFixed(1)} MiB (${(after.heapMiB - before.heapMiB).toFixed(1)}), RSS ${before.rssMiB.toFixed(1)} → ${after.rssMiB.toFixed(1)} MiB (${(after.rssMiB - before.rssMiB).toFixed(1)})`,
    );
    expect(after.heapMiB - before.heapMiB).toBeLessThan(30);
    expect(after.rssMiB - before.rssMiB).toBeLessThan(200);
    // And the server still serves.
    const client = wsClient(server.wsUrl);
    const sub = record(client, HEATMAP_SUBSCRIPTION, { symbols: ['ETHUSDT'] });
    await sub.until(() => sub.frames().length >= 1);
    await client.dispose();
  }, 180_000);
});
