/**
 * Real nginx with deploy/nginx.conf in front of two instances on one private redis-server: a
 * graphql-ws client (with retries, as a real client runs) subscribes through nginx; the instance
 * serving it is killed; the client reconnects through nginx to the other one and continues.
 */
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { NginxProcess, RedisProcess, ServerProcess, waitFor } from '../support/cluster.js';
import { HEATMAP_SUBSCRIPTION, httpQuery, rawSocket, record, wsClient } from '../support/graphql-clients.js';
import { strictlyIncreasing } from './frames.js';

const NGINX = process.env.NGINX_BIN ?? '/usr/sbin/nginx';
const ENV = { SYMBOLS: 'BTCUSDT', HISTORY_HOURS: '1', WS_UPDATE_INTERVAL: '0.25', REDIS_LEASE_TTL: '1.5' };

let redis: RedisProcess;
const instances: ServerProcess[] = [];
let nginx: NginxProcess | undefined;

beforeAll(async () => {
  redis = await RedisProcess.start();
  // Each kept as soon as it runs, so afterAll stops it even if another fails to start.
  await Promise.all(
    [1, 2].map(async () => instances.push(await ServerProcess.start({ ...ENV, REDIS_URL: redis.url }))),
  );
  nginx = await NginxProcess.start(instances.map((instance) => instance.port));
}, 90_000);

afterAll(async () => {
  await nginx?.stop();
  await Promise.all(instances.map((instance) => instance.kill()));
  await redis?.stop();
});

const connectionsOf = async (instance: ServerProcess) =>
  ((await (await fetch(`${instance.url}/stats`)).json()) as { activeConnections: number }).activeConnections;

// CI installs nginx (.ci/run) and must run this; a developer machine without it skips it.
describe.runIf(existsSync(NGINX) || process.env.CI === 'true')('behind nginx (deploy/nginx.conf)', () => {
  it('passes permessage-deflate through, and compresses only what the instances leave plain', async () => {
    const ws = await rawSocket(nginx!.wsUrl); // offers permessage-deflate, as browsers do
    expect(ws.extensions).toBe('permessage-deflate');
    const nexts: Buffer[] = [];
    ws.on('message', (data: Buffer) => data.includes('"type":"next"') && nexts.push(data));
    ws.send(JSON.stringify({ type: 'connection_init' }));
    await once(ws, 'message'); // connection_ack: a subscribe before it would be refused (4401)
    ws.send(
      JSON.stringify({
        id: 'z',
        type: 'subscribe',
        payload: { query: HEATMAP_SUBSCRIPTION, variables: { symbols: ['BTCUSDT'] } },
      }),
    );
    await waitFor('three frames through nginx', () => nexts.length >= 3, 60_000);
    for (const message of nexts)
      expect(JSON.parse(message.toString()).payload.data.heatmapUpdated.symbol).toBe('BTCUSDT');
    const wire = (ws as unknown as { _socket: Socket })._socket.bytesRead;
    expect(wire).toBeLessThan(0.5 * nexts.reduce((total, message) => total + message.length, 0));
    ws.close();

    // The instance compresses GraphQL answers itself (brotli here): nginx passes them on as they are.
    const heatmap = encodeURIComponent('{ heatmap(symbol: "BTCUSDT", window: H12) { rows cells } }');
    const answer = await fetch(`${nginx!.url}/graphql?query=${heatmap}`, { headers: { 'accept-encoding': 'br' } });
    expect(answer.headers.get('content-encoding')).toBe('br');
    expect(((await answer.json()) as { data: { heatmap: { rows: number } } }).data.heatmap.rows).toBeGreaterThan(0);
    // /metrics is plain text from the instance: nginx gzips it.
    const metrics = await fetch(`${nginx!.url}/metrics`, { headers: { 'accept-encoding': 'gzip' } });
    expect(metrics.headers.get('content-encoding')).toBe('gzip');
    expect(await metrics.text()).toContain('process_cpu');
  }, 90_000);

  it('caches a GET heatmap for as long as the instance says, one answer for every client', async () => {
    const heatmap = encodeURIComponent('{ heatmap(symbol: "BTCUSDT", window: H12) { to rows cells } }');
    const get = () => fetch(`${nginx!.url}/graphql?query=${heatmap}`, { headers: { 'accept-encoding': 'br' } });
    // A first answer asked in a column's last second says no-cache; the next column's is cacheable.
    const [first, second] = await waitFor('a cached GET heatmap', async () => {
      const pair = [await get(), await get()] as const;
      return pair[1].headers.get('x-cache-status') === 'HIT' ? pair : null;
    });
    expect(first.headers.get('cache-control')).toMatch(/^public, max-age=\d+$/);
    expect(await second.text()).toBe(await first.text());
    // POST is never cached.
    const post = () =>
      fetch(`${nginx!.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ heatmap(symbol: "BTCUSDT", window: H12) { to } }' }),
      });
    await post();
    expect((await post()).headers.get('x-cache-status')).toBeNull();
  }, 60_000);

  it('keeps WebSocket upgrades and event streams out of the cache, so its lock never queues them', async () => {
    // Every dashboard's upgrade is the same GET: cached, the lock let one reach an instance at a time.
    const upgrades = await Promise.all(
      [1, 2].map(
        () =>
          new Promise<{ ws: WebSocket; status: string | undefined }>((resolve, reject) => {
            const ws = new WebSocket(nginx!.wsUrl, 'graphql-transport-ws');
            ws.once('upgrade', (response) =>
              resolve({ ws, status: response.headers['x-cache-status'] as string | undefined }),
            );
            ws.once('error', reject);
          }),
      ),
    );
    for (const { ws, status } of upgrades) {
      expect(status).toBe('BYPASS');
      ws.terminate();
    }
    const controller = new AbortController();
    const query = encodeURIComponent('subscription { heatmapUpdated(symbols: ["BTCUSDT"]) { seq } }');
    const events = await fetch(`${nginx!.url}/graphql?query=${query}`, {
      headers: { accept: 'text/event-stream' },
      signal: controller.signal,
    });
    expect(events.headers.get('x-cache-status')).toBe('BYPASS');
    controller.abort();
  }, 60_000);

  it('a client whose instance dies reconnects through nginx to the other and continues from the latest frame', async () => {
    let connected = 0;
    const client = wsClient(nginx!.wsUrl, {
      retryAttempts: 20,
      retryWait: () => new Promise((resolve) => setTimeout(resolve, 200)),
      shouldRetry: () => true,
      on: {
        connected: () => {
          connected++;
        },
      },
    });
    const sub = record(client, HEATMAP_SUBSCRIPTION, { symbols: ['BTCUSDT'] });
    await sub.until(() => sub.frames().length >= 3);

    const serving = await waitFor('the instance serving the client', async () => {
      const counts = await Promise.all(instances.map(connectionsOf));
      return counts.filter((n) => n === 1).length === 1 ? instances[counts.indexOf(1)] : null;
    });
    const other = instances.find((instance) => instance !== serving)!;
    const before = sub.frames().length;
    const lastSeen = sub.frames()[before - 1]!;

    await serving.kill('SIGKILL');
    await sub.until(() => connected >= 2 && sub.frames().length >= before + 3, 30_000);
    expect(await connectionsOf(other)).toBe(1);
    expect(sub.error).toBeUndefined();

    // The first frame after reconnecting is the other instance's latest: the same frame or a newer one.
    const resumed = sub.frames().slice(before);
    expect(resumed[0]!.seq).toBeGreaterThanOrEqual(lastSeen.seq);
    if (resumed[0]!.seq === lastSeen.seq) expect(resumed[0]).toEqual(lastSeen);
    expect(strictlyIncreasing(resumed.map((frame) => frame.seq))).toBe(true);
    expect(
      strictlyIncreasing(
        sub
          .frames()
          .slice(0, before)
          .map((frame) => frame.seq),
      ),
    ).toBe(true);

    // HTTP through nginx goes to the survivor too.
    const { body } = await httpQuery<{ snapshot: { seq: number } }>(
      `${nginx!.url}/graphql`,
      'query { snapshot(symbol: "BTCUSDT") { seq } }',
    );
    expect(body.data!.snapshot.seq).toBeGreaterThanOrEqual(lastSeen.seq);

    sub.unsubscribe();
    await client.dispose();
    // Longer than its 30 s wait, so a miss names the condition rather than vitest's timeout.
  }, 90_000);
});
