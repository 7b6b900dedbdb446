/**
 * Real nginx with deploy/nginx.conf in front of two instances on one private redis-server: a
 * graphql-ws client (with retries, as a real client runs) subscribes through nginx; the instance
 * serving it is killed; the client reconnects through nginx to the other one and continues.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NginxProcess, RedisProcess, ServerProcess, waitFor } from '../support/cluster.js';
import { HEATMAP_SUBSCRIPTION, httpQuery, record, wsClient } from '../support/graphql-clients.js';
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
