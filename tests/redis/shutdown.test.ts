/**
 * Graceful shutdown of the lease holder under traffic (docs/operations.md): SIGTERM while an HTTP
 * request is in flight and clients are subscribed. The request is answered, its clients are closed
 * with 1001, its leases are released (not left to expire), the other instance takes over, and that
 * instance's clients see seq continue without a repeat or a gap.
 */
import { request } from 'node:http';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisProcess, ServerProcess, waitFor } from '../support/cluster.js';
import { closeOf, HEATMAP_SUBSCRIPTION, rawSocket, record, wsClient } from '../support/graphql-clients.js';
import { irregularSteps, seqsOf } from './frames.js';

const SYMBOLS = ['BTCUSDT', 'ETHUSDT'];
// A long lease: a holder that did not release its leases would block the takeover for 30 s.
// One exchange: one stream, and so one lease, per symbol.
const ENV = {
  SYMBOLS: SYMBOLS.join(','),
  EXCHANGES: 'binance',
  HISTORY_HOURS: '1',
  WS_UPDATE_INTERVAL: '0.25',
  REDIS_LEASE_TTL: '30',
};

let redis: RedisProcess;
let inspect: Redis;
const instances: ServerProcess[] = [];
const clients: Array<{ dispose(): unknown }> = [];

afterAll(async () => {
  await Promise.all(clients.map((client) => client.dispose()));
  await Promise.all(instances.map((instance) => instance.kill()));
  inspect?.disconnect();
  await redis?.stop();
});

const leases = async (instance: ServerProcess) => (await instance.health()).redis?.leases ?? [];

/**
 * A POST whose headers and first half of the body are on the wire once this resolves; `finish()`
 * sends the rest, and `answer` resolves with the response.
 */
async function requestInFlight(url: string, query: string) {
  const body = JSON.stringify({ query });
  const half = Math.floor(body.length / 2);
  const req = request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'content-length': body.length },
  });
  // A cut connection is an answer too (status 0 and the error), so the test reports it as a mismatch.
  const answer = new Promise<{ status: number; body: string }>((resolve) => {
    const cut = (error: Error) => resolve({ status: 0, body: error.message });
    req.on('response', (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      res.on('error', cut);
    });
    req.on('error', cut);
  });
  await new Promise<void>((resolve, reject) =>
    req.write(body.slice(0, half), (error) => (error ? reject(error) : resolve())),
  );
  return { answer, finish: () => req.end(body.slice(half)) };
}

describe('graceful shutdown of the lease holder', () => {
  it('answers the request in flight, closes with 1001, releases its leases; the other instance takes over with seq +1', async () => {
    redis = await RedisProcess.start();
    inspect = new Redis(redis.url);
    const holder = await ServerProcess.start({ ...ENV, REDIS_URL: redis.url });
    instances.push(holder);
    await waitFor('the first instance to hold every lease', async () => (await leases(holder)).length === 2);
    const other = await ServerProcess.start({ ...ENV, REDIS_URL: redis.url });
    instances.push(other);

    const client = wsClient(other.wsUrl);
    clients.push(client);
    const sub = record(client, HEATMAP_SUBSCRIPTION, { symbols: SYMBOLS });
    await sub.until(() => SYMBOLS.every((symbol) => seqsOf(sub.frames(), symbol).length >= 3));
    const holderSocket = await rawSocket(holder.wsUrl);
    holderSocket.send(JSON.stringify({ type: 'connection_init' }));
    await new Promise((resolve) => holderSocket.once('message', resolve));
    const holderClosed = closeOf(holderSocket);

    const inFlight = await requestInFlight(holder.httpUrl, '{ snapshot(symbol: "BTCUSDT") { symbol seq } }');
    holder.signal('SIGTERM');
    await waitFor('the shutdown to begin', () => holder.events('shutdown').length > 0);
    inFlight.finish();
    const answered = await inFlight.answer;
    expect(answered.status, answered.body).toBe(200);
    expect(JSON.parse(answered.body)).toMatchObject({ data: { snapshot: { symbol: 'BTCUSDT' } } });
    expect((await holderClosed).code).toBe(1001);
    expect(await holder.exitCode()).toBe(0);

    // Released, not expired: right after the exit no lease names the stopped instance.
    const owners = await Promise.all(SYMBOLS.map((symbol) => inspect.get(`heatmap:lease:${symbol}`)));
    expect(owners.filter((owner) => owner?.split(':').includes(String(holder.pid)))).toEqual([]);

    await waitFor('the other instance to hold every lease', async () => (await leases(other)).length === 2);
    const seen = sub.frames().length;
    await sub.until(() => SYMBOLS.every((symbol) => seqsOf(sub.frames().slice(seen), symbol).length >= 3));
    expect(sub.error).toBeUndefined();
    for (const symbol of SYMBOLS) expect(irregularSteps(seqsOf(sub.frames(), symbol))).toEqual([]);
  }, 120_000);
});
