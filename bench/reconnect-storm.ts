import { fork, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import { parseArgs } from 'node:util';
import type { HeatmapWindow } from '../client/src/gql/graphql.js';
import { NginxProcess, RedisProcess, ServerProcess, waitFor } from '../tests/support/cluster.js';
import type { DashboardOutcome, StormMessage, StormTask } from './reconnect-storm-worker.js';

/**
 * `npm run bench:storm`: a reconnect storm. Two instances on one redis-server behind nginx
 * (deploy/nginx.conf as shipped; the second instance added as the first's `backup` once every
 * dashboard is on the first); N dashboards (the dashboard's own client code, bench/reconnect-storm-worker.ts) on
 * the first. Once all have their heatmap and frames, the first instance is killed (SIGKILL). Reported:
 * how long until every dashboard is live again on the survivor, and the bytes of heatmap each one
 * fetched meanwhile. Each run is done with nginx's cache of heatmap answers (as shipped) and without
 * it (every fetch reaches the survivor), in one invocation, on fresh processes.
 */
const { values } = parseArgs({
  options: {
    dashboards: { type: 'string', default: '2000' },
    window: { type: 'string', default: 'H24' },
    workers: { type: 'string', default: '2' },
    // publisher (the instance holding the symbol's publisher lease):nginx cache, per round
    rounds: { type: 'string', default: 'survivor:on,survivor:off,killed:on' },
    'history-hours': { type: 'string', default: '24' },
    'live-timeout': { type: 'string', default: '60' },
  },
});
const dashboards = Number(values.dashboards);
const SYMBOL = 'BTCUSDT';

type Publisher = 'survivor' | 'killed';
interface Round {
  publisher: Publisher;
  cache: 'on' | 'off';
  readyMs: number;
  outcomes: DashboardOutcome[];
  killedAt: number;
  connectedAtKill: number;
}

const percentile = (sorted: number[], p: number) =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

async function runRound(publisher: Publisher, cache: 'on' | 'off'): Promise<Round> {
  const cleanups: Array<() => Promise<void>> = [];
  const redis = await RedisProcess.start();
  cleanups.push(() => redis.stop());
  const env = {
    SYMBOLS: SYMBOL,
    HISTORY_HOURS: values['history-hours']!,
    REDIS_URL: redis.url,
    TRUST_PROXY: 'true',
    // Every dashboard here comes from 127.0.0.1: the per-address limit would refuse all but a few.
    HTTP_RATE_LIMIT: '0',
  };
  const workers: ChildProcess[] = [];
  try {
    // The first instance started takes the publisher lease: with the survivor publishing, frames go on
    // while the dashboards reconnect, so each misses some (a seq gap) and refetches its heatmap.
    const started = async () => {
      const instance = await ServerProcess.start(env);
      cleanups.push(() => instance.kill());
      return instance;
    };
    const first = await started();
    await waitFor('the first instance to hold the lease', async () =>
      (await first.health()).redis?.leases.includes(SYMBOL),
    );
    const second = await started();
    const [doomed, survivor] = publisher === 'killed' ? [first, second] : [second, first];
    // Only the first instance in nginx while the dashboards connect (a busy moment would otherwise
    // make nginx try the backup); then the shipped failover: the survivor as its backup.
    const nginx = await NginxProcess.start([doomed!.port], { cache: cache === 'on' });
    cleanups.push(() => nginx.stop());
    const workerCount = Math.max(1, Math.min(Number(values.workers), dashboards));
    const live = new Array<number>(workerCount).fill(0);
    const results: Array<Promise<DashboardOutcome[]>> = [];
    const ready: Array<Promise<void>> = [];
    const setupStart = Date.now();
    for (let i = 0; i < workerCount; i++) {
      const worker = fork(new URL('./reconnect-storm-worker.ts', import.meta.url), [], {
        execArgv: ['--import', 'tsx'],
        stdio: 'inherit',
      });
      workers.push(worker);
      const task: StormTask = {
        httpUrl: `${nginx.url}/graphql`,
        wsUrl: nginx.wsUrl,
        dashboards: Math.floor(dashboards / workerCount) + (i < dashboards % workerCount ? 1 : 0),
        symbols: [SYMBOL],
        window: values.window as HeatmapWindow,
        rampConcurrency: 32,
      };
      ready.push(new Promise((resolve) => worker.on('message', (m: StormMessage) => m.type === 'ready' && resolve())));
      results.push(
        new Promise((resolve, reject) => {
          worker.on('message', (m: StormMessage) => {
            if (m.type === 'live') live[i] = m.count;
            if (m.type === 'result') resolve(m.outcomes);
          });
          worker.once('exit', (code) => reject(new Error(`storm worker exited with ${code}`)));
        }),
      );
      worker.send(task);
    }
    // A worker ends early only when the round failed, and that failure is the one to report.
    for (const result of results) result.catch(() => undefined);
    await Promise.all(ready);
    const readyMs = Date.now() - setupStart;
    await nginx.reconfigure([doomed!.port], { backupPorts: [survivor!.port], cache: cache === 'on' });
    const connections = async (instance: ServerProcess) =>
      ((await (await fetch(`${instance.url}/stats`)).json()) as { activeConnections: number }).activeConnections;
    if ((await connections(survivor!)) > 0) throw new Error('dashboards on the survivor before the kill');
    // A few frames at full load first, so the kill lands on a running stream.
    await new Promise((resolve) => setTimeout(resolve, 3000));

    // Every dashboard is on the first instance or reconnecting to it (a busy load process may miss a
    // keep-alive and be dropped): this many are connected at the kill.
    const connectedAtKill = await connections(doomed!);
    const killedAt = Date.now();
    await doomed!.kill('SIGKILL');
    await waitFor(
      'every dashboard live again',
      () => {
        for (const worker of workers) worker.send({ type: 'count', killedAt });
        return live.reduce((a, b) => a + b, 0) >= dashboards;
      },
      Number(values['live-timeout']) * 1000,
    ).catch(() => undefined); // reported as not live
    for (const worker of workers) worker.send({ type: 'report', killedAt });
    const outcomes = (await Promise.all(results)).flat();
    return { publisher, cache, readyMs, outcomes, killedAt, connectedAtKill };
  } finally {
    for (const worker of workers) worker.kill();
    for (const cleanup of cleanups.reverse()) await cleanup();
  }
}

const rounds: Round[] = [];
for (const round of values.rounds!.split(',')) {
  const [publisher, cache] = round.split(':') as [Publisher, 'on' | 'off'];
  process.stderr.write(`  storm, ${publisher} instance publishing, nginx cache ${cache}: ${dashboards} dashboards…\n`);
  rounds.push(await runRound(publisher, cache));
}

const load = os.loadavg()[0]!.toFixed(1);
console.log(
  `\nReconnect storm: ${dashboards} dashboards (${SYMBOL}, window ${values.window}, ${values['history-hours']} h of history) on one of 2 instances behind nginx, that instance SIGKILLed; ${values.workers} load processes on ${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, Node ${process.version}, load average ${load} at the end\n`,
);
console.log(
  '| publisher | nginx cache | dashboards live again | last live after kill s | p50 s | p95 s | heatmap fetches | KB fetched per dashboard p50 | p95 | max | from nginx cache | set-up s | connected at the kill |',
);
console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const round of rounds) {
  const lives = round.outcomes
    .filter((o) => o.liveAt !== null)
    .map((o) => (o.liveAt! - round.killedAt) / 1000)
    .sort((a, b) => a - b);
  const kb = round.outcomes.map((o) => o.bytes / 1024).sort((a, b) => a - b);
  const sum = (key: 'fetches' | 'cacheHits') => round.outcomes.reduce((total, o) => total + o[key], 0);
  console.log(
    `| ${round.publisher} | ${round.cache} | ${lives.length} / ${round.outcomes.length} | ${lives.length ? lives[lives.length - 1]!.toFixed(2) : '–'} | ${percentile(lives, 50).toFixed(2)} | ${percentile(lives, 95).toFixed(2)} | ${sum('fetches')} | ${percentile(kb, 50).toFixed(1)} | ${percentile(kb, 95).toFixed(1)} | ${kb[kb.length - 1]?.toFixed(1)} | ${sum('cacheHits')} | ${(round.readyMs / 1000).toFixed(0)} | ${round.connectedAtKill} |`,
  );
}
process.exit(0);
