/**
 * Scale-out load run: a private redis-server, N server instances on it and nginx (deploy/nginx.conf)
 * in front; the load generator (bench/loadtest.ts) opens its subscribers through nginx and reports
 * delivered frames and push latency from each frame's generatedAt. Then each instance's own count
 * of connections and frames sent shows how nginx spread the load and that every instance relayed.
 *
 *   npx tsx bench/redis-load.ts --connections 2000 --duration 30 --instances 2 --symbols BTCUSDT,ETHUSDT
 */
import { parseArgs } from 'node:util';
import { NginxProcess, RedisProcess, ServerProcess } from '../tests/support/cluster.js';
import { formatReport, runLoad } from './loadtest.js';

const { values } = parseArgs({
  options: {
    connections: { type: 'string', default: '2000' },
    duration: { type: 'string', default: '30' },
    instances: { type: 'string', default: '2' },
    symbols: { type: 'string', default: 'BTCUSDT,ETHUSDT' },
    workers: { type: 'string', default: '2' },
    json: { type: 'boolean', default: false },
  },
});

const symbols = values.symbols!.split(',');
const redis = await RedisProcess.start();
const instances: ServerProcess[] = [];
let nginx: NginxProcess | undefined;

try {
  // One after the other, so that a failed start leaves nothing running that `finally` does not know of.
  for (let i = 0; i < Number(values.instances); i++) {
    instances.push(
      await ServerProcess.start({
        REDIS_URL: redis.url,
        SYMBOLS: symbols.join(','),
        HISTORY_HOURS: '24',
        WS_MAX_CONNECTIONS: '20000',
      }),
    );
  }
  nginx = await NginxProcess.start(instances.map((instance) => instance.port));
  const report = await runLoad({
    url: nginx.wsUrl,
    connections: Number(values.connections),
    symbols,
    durationSeconds: Number(values.duration),
    workers: Number(values.workers),
    rampConcurrency: 64,
    server: null,
  });
  const perInstance = await Promise.all(
    instances.map(async (instance) => {
      const stats = (await (await fetch(`${instance.url}/stats`)).json()) as {
        activeConnections: number;
        messagesSent: number;
        framesPublished: number;
      };
      const health = (await (await fetch(`${instance.url}/health`)).json()) as { redis?: { leases: string[] } };
      return {
        url: instance.url,
        connectionsAtEnd: stats.activeConnections,
        messagesSent: stats.messagesSent,
        framesPublished: stats.framesPublished,
        leases: health.redis?.leases ?? [],
      };
    }),
  );
  if (values.json) {
    console.log(JSON.stringify({ report, perInstance }, null, 2));
  } else {
    console.log(formatReport(report));
    for (const instance of perInstance) {
      console.log(
        `instance ${instance.url}: ${instance.messagesSent} frames sent, ${instance.framesPublished} published (leases: ${instance.leases.join(',') || 'none'}), ${instance.connectionsAtEnd} connections at the end`,
      );
    }
  }
} finally {
  await nginx?.stop();
  await Promise.all(instances.map((instance) => instance.kill('SIGTERM')));
  await redis.stop();
}
