/**
 * Reconnect storm: two instances on a private redis-server behind nginx (deploy/nginx.conf), and N
 * dashboard-like clients all on the first instance. Each, like the dashboard, holds a subscription
 * to a symbol and the symbol's 24 h heatmap (a GET query, its ETag kept). The first instance is
 * killed (SIGKILL); every client reconnects through nginx with the dashboard's backoff
 * (client/src/lib/backoff.ts) and, as the dashboard does after a reconnect, refetches the heatmap
 * (with If-None-Match). Reports the time from the kill until every client has a frame again, and the
 * bytes each refetch took on the wire.
 *
 *   npx tsx bench/reconnect-storm.ts --clients 2000
 */
import { request } from 'node:http';
import { Agent } from 'node:http';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { backoffDelay, defaultBackoff } from '../client/src/lib/backoff.js';
import { NginxProcess, RedisProcess, ServerProcess } from '../tests/support/cluster.js';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '2000' },
    symbol: { type: 'string', default: 'BTCUSDT' },
  },
});
const clientCount = Number(values.clients);
const symbol = values.symbol!;
const HEATMAP = `query Heatmap($symbol: String!) { heatmap(symbol: $symbol, window: H24) { symbol window from to intervalSeconds columns priceMin rowStep rows cells cellFloor currentPrice candles { time open high low close } liquidations { time price side usd } } }`;
const SUBSCRIPTION = `subscription ($symbols: [String!]!) { heatmapUpdated(symbols: $symbols) { symbol seq } }`;
const agent = new Agent({ keepAlive: true, maxSockets: 64 });

/** One GET of the heatmap as a browser makes it: brotli accepted, revalidated with the ETag it holds. */
function fetchHeatmap(
  baseUrl: string,
  etag: string | null,
): Promise<{ etag: string | null; wireBytes: number; status: number }> {
  const url = `${baseUrl}/graphql?query=${encodeURIComponent(HEATMAP)}&variables=${encodeURIComponent(JSON.stringify({ symbol }))}`;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { agent, headers: { 'accept-encoding': 'br, gzip', ...(etag ? { 'if-none-match': etag } : {}) } },
      (res) => {
        // Status line and headers as sent, then the body as received (still compressed).
        let wireBytes =
          `HTTP/1.1 ${res.statusCode} ${res.statusMessage}\r\n`.length + res.rawHeaders.join(': \r\n').length + 4;
        res.on('data', (chunk: Buffer) => (wireBytes += chunk.length));
        res.on('end', () =>
          resolve({ etag: (res.headers.etag as string | undefined) ?? etag, wireBytes, status: res.statusCode! }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

interface Client {
  etag: string | null;
  /** When the client had a frame again after the kill (ms since the kill), null until then. */
  liveAfterMs: number | null;
  refetchBytes: number;
  refetchStatus: number;
}

const redis = await RedisProcess.start();
const instances: ServerProcess[] = [];
let nginx: NginxProcess | undefined;
const sockets = new Set<WebSocket>();
try {
  for (let i = 0; i < 2; i++) {
    instances.push(
      await ServerProcess.start({
        REDIS_URL: redis.url,
        SYMBOLS: symbol,
        HISTORY_HOURS: '24',
        WS_MAX_CONNECTIONS: '20000',
      }),
    );
  }
  nginx = await NginxProcess.start(instances.map((instance) => instance.port));
  const [first] = instances as [ServerProcess, ServerProcess];
  let killedAt = 0;

  const connect = (client: Client, url: string, attempt: number, onFirstFrame: () => void) => {
    const ws = new WebSocket(url.replace(/^http/, 'ws') + '/graphql', 'graphql-transport-ws');
    sockets.add(ws);
    let first = true;
    ws.on('open', () => {
      ws.send(JSON.stringify({ type: 'connection_init' }));
      ws.send(
        JSON.stringify({
          id: '1',
          type: 'subscribe',
          payload: { query: SUBSCRIPTION, variables: { symbols: [symbol] } },
        }),
      );
    });
    ws.on('message', (data: Buffer) => {
      if (!first || !data.includes('"type":"next"')) return;
      first = false;
      onFirstFrame();
    });
    ws.on('error', () => {});
    ws.on('close', () => {
      sockets.delete(ws);
      if (killedAt === 0) return;
      // Lost: back off as the dashboard does, come back through nginx, refetch the grid.
      setTimeout(
        () =>
          connect(client, nginx!.url, attempt + 1, () => {
            client.liveAfterMs ??= Date.now() - killedAt;
            void fetchHeatmap(nginx!.url, client.etag).then((answer) => {
              client.refetchBytes = answer.wireBytes;
              client.refetchStatus = answer.status;
            });
          }),
        backoffDelay(attempt, defaultBackoff),
      );
    });
  };

  // Every client on the first instance, with its heatmap loaded.
  const clients: Client[] = [];
  let live = 0;
  for (let i = 0; i < clientCount; i++) {
    const client: Client = { etag: null, liveAfterMs: null, refetchBytes: 0, refetchStatus: 0 };
    clients.push(client);
    connect(client, first.url, 0, () => live++);
    if (i % 50 === 49) await new Promise((r) => setTimeout(r, 20));
  }
  const firstLoad = await Promise.all(
    clients.map(async (client) => {
      const answer = await fetchHeatmap(first.url, null);
      client.etag = answer.etag;
      return answer.wireBytes;
    }),
  );
  while (live < clientCount) await new Promise((r) => setTimeout(r, 100));
  console.error(
    `${clientCount} clients live on ${first.url}; first heatmap load ${Math.round(firstLoad[0]! / 1024)} KB each`,
  );

  killedAt = Date.now();
  await first.kill('SIGKILL');
  const deadline = killedAt + 120_000;
  while (clients.some((client) => client.liveAfterMs === null || client.refetchStatus === 0) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 100));

  const times = clients.map((client) => client.liveAfterMs ?? Infinity).sort((a, b) => a - b);
  const bytes = clients.map((client) => client.refetchBytes).sort((a, b) => a - b);
  const at = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  const notModified = clients.filter((client) => client.refetchStatus === 304).length;
  console.log(`\nReconnect storm: ${clientCount} clients on one of 2 instances (Redis, nginx), that instance killed\n`);
  console.log(
    '| clients | all live again after | p50 / p95 live after | refetch bytes p50 / max | refetches answered 304 |',
  );
  console.log('|---:|---:|---:|---:|---:|');
  console.log(
    `| ${clientCount} | ${(times.at(-1)! / 1000).toFixed(1)} s | ${(at(times, 0.5) / 1000).toFixed(1)} / ${(at(times, 0.95) / 1000).toFixed(1)} s | ${at(bytes, 0.5)} / ${bytes.at(-1)} B | ${notModified} |`,
  );
} finally {
  for (const ws of sockets) ws.terminate();
  agent.destroy();
  await nginx?.stop();
  await Promise.all(instances.map((instance) => instance.kill().catch(() => {})));
  await redis.stop();
}
process.exit(0);
