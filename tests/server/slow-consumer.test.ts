/**
 * A subscriber that stops reading, through the real server (in memory and over Redis): it gets the
 * slow-consumer path, not the dead-peer one. Its frames are dropped (latest wins) and counted while
 * a fast subscriber is unaffected; when it reads again its next frame carries the SLOW_CONSUMER
 * warning; one that stays stuck past WS_STUCK_TIMEOUT is closed with 4080 and counted, however
 * often the keep-alive pinged it meanwhile.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import { RedisProcess, waitFor } from '../support/cluster.js';
import { closeOf, HEATMAP_SUBSCRIPTION, rawSocket, record, wsClient } from '../support/graphql-clients.js';
import { startTestServer, type TestServer } from '../support/server.js';

interface Stats {
  droppedFrames: number;
  slowConsumerWarnings: number;
  slowConsumerDisconnects: number;
}

const stats = async (server: TestServer) => (await (await fetch(`${server.url}/stats`)).json()) as Stats;

/** A raw graphql-transport-ws subscriber whose messages are kept; `ws.pause()` stops it reading. */
async function subscriber(server: TestServer) {
  const ws = await rawSocket(server.wsUrl);
  ws.send(JSON.stringify({ type: 'connection_init' }));
  await new Promise((resolve) => ws.once('message', resolve));
  const messages: Array<{ type: string; payload?: { data?: unknown; extensions?: { warning?: unknown } } }> = [];
  ws.on('message', (data) => messages.push(JSON.parse(String(data))));
  ws.send(
    JSON.stringify({
      id: '1',
      type: 'subscribe',
      payload: { query: HEATMAP_SUBSCRIPTION, variables: { symbols: ['BTCUSDT', 'ETHUSDT'] } },
    }),
  );
  await waitFor('first frames', () => messages.filter((m) => m.type === 'next').length >= 2);
  return { ws, messages };
}

let redis: RedisProcess;
beforeAll(async () => {
  redis = await RedisProcess.start();
});
afterAll(() => redis?.stop());

describe.each([
  ['in memory', () => ({})],
  ['over Redis', () => ({ REDIS_URL: redis.url })],
])('a subscriber that stops reading, %s', (_name, env) => {
  const servers: TestServer[] = [];
  const sockets: WebSocket[] = [];
  afterAll(async () => {
    for (const ws of sockets) ws.terminate();
    await Promise.all(servers.map((server) => server.stop()));
  });
  // Pings every 0.5 s: a reader that does not answer within 0.2 s is slow.
  const start = async (stuckTimeout: string) => {
    const server = await startTestServer({
      ...env(),
      WS_KEEPALIVE: '0.5',
      WS_SLOW_CONSUMER_TIMEOUT: '0.2',
      WS_STUCK_TIMEOUT: stuckTimeout,
    });
    servers.push(server);
    return server;
  };

  it('has its frames dropped and counted, a fast subscriber unaffected; reading again, it gets the warning', async () => {
    const server = await start('60');
    const slow = await subscriber(server);
    sockets.push(slow.ws);
    const fast = wsClient(server.wsUrl);
    const fastSub = record(fast, HEATMAP_SUBSCRIPTION, { symbols: ['BTCUSDT'] });
    await fastSub.until(() => fastSub.frames().length >= 1);
    const before = await stats(server);

    slow.ws.pause();
    await waitFor(
      'frames dropped for the paused reader',
      async () => (await stats(server)).droppedFrames > before.droppedFrames,
    );
    const seen = fastSub.frames().length;
    await fastSub.until(() => fastSub.frames().length >= seen + 2);
    const seqs = fastSub.frames().map((frame) => frame.seq);
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBe(seqs[i - 1]! + 1);
    expect(fastSub.results.some((result) => result.extensions)).toBe(false);

    const received = slow.messages.length;
    slow.ws.resume();
    const warned = await waitFor('a frame with the warning', () =>
      slow.messages.slice(received).find((m) => m.type === 'next' && m.payload?.extensions?.warning),
    );
    expect(warned.payload!.extensions!.warning).toEqual({
      code: 'SLOW_CONSUMER',
      message: 'Connection slow - may miss updates',
      droppedFrames: expect.any(Number),
    });
    expect(slow.ws.readyState).toBe(slow.ws.OPEN);
    const after = await stats(server);
    expect(after.slowConsumerWarnings).toBeGreaterThan(before.slowConsumerWarnings);
    expect(after.slowConsumerDisconnects).toBe(before.slowConsumerDisconnects);
    await fast.dispose();
  });

  it('stuck past WS_STUCK_TIMEOUT: closed with 4080 and counted, not dropped by the keep-alive', async () => {
    const server = await start('2');
    const slow = await subscriber(server);
    sockets.push(slow.ws);
    const before = await stats(server);
    const closed = closeOf(slow.ws);
    slow.ws.pause();
    await waitFor(
      'the slow-consumer disconnect',
      async () => (await stats(server)).slowConsumerDisconnects > before.slowConsumerDisconnects,
    );
    slow.ws.resume();
    expect(await closed).toEqual({ code: 4080, reason: 'Slow consumer: not reading frames' });
    expect((await stats(server)).slowConsumerDisconnects).toBe(before.slowConsumerDisconnects + 1);
  });
});
