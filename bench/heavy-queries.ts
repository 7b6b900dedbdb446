/**
 * The live stream while heavy queries pour in (docs/benchmarks.md, "Heavy queries and the live
 * stream"). One server process (30 days of history); a graphql-ws subscriber in its own process
 * (bench/heavy-queries-subscriber.ts) records when every BTCUSDT and ETHUSDT frame arrives. First a
 * quiet phase, then the same length with `--concurrency` 30-day heatmap
 * queries kept in flight over HTTP, each query loop from its own client address (TRUST_PROXY), so
 * the per-address HTTP_RATE_LIMIT refuses none of them: every query is served. Printed: the live
 * frame rate under load as a share of the quiet phase's, the longest silence between two frames, the
 * worst frame delay (arrival behind the tick it was due at: a silence with small delays is a tick
 * skipped or unchanged, one with a large delay a tick held up), the queries answered and their
 * latency, and the server's CPU, RSS and event-loop delay.
 *
 *   npx tsx bench/heavy-queries.ts --concurrency 500 --seconds 15
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { ServerProcess } from '../tests/support/cluster.js';
import { newHistogram } from './lib/histogram.js';
import { metricsProbe } from './lib/server-metrics.js';

const { values } = parseArgs({
  options: {
    concurrency: { type: 'string', default: '500' },
    seconds: { type: 'string', default: '20' },
    window: { type: 'string', default: 'D30' },
  },
});
const concurrency = Number(values.concurrency);
const phaseMs = Number(values.seconds) * 1000;
const SYMBOLS = ['BTCUSDT', 'ETHUSDT'];

const server = await ServerProcess.start({
  SYMBOLS: SYMBOLS.join(','),
  HISTORY_HOURS: '720',
  // The whole month before measuring: the background history load would otherwise run during the phases.
  HISTORY_START_HOURS: '720',
  TRUST_PROXY: 'true',
  LOG_LEVEL: 'info',
});
const subscriber = fork(new URL('./heavy-queries-subscriber.ts', import.meta.url), [server.wsUrl, SYMBOLS.join(',')], {
  execArgv: ['--import', 'tsx'],
});
try {
  await once(subscriber, 'message');
  const at = () => performance.timeOrigin + performance.now();

  /** Frames per second, the longest gap between frames and the largest delay behind their tick (ms) within [from, to). */
  const stream = (arrivals: readonly number[], delays: readonly number[], from: number, to: number) => {
    const inside = arrivals.filter((t) => t >= from && t < to);
    const delay = Math.max(0, ...delays.filter((_, i) => arrivals[i]! >= from && arrivals[i]! < to));
    let gap = 0;
    for (let i = 0, last = from; i <= inside.length; i++) {
      const t = i < inside.length ? inside[i]! : to;
      gap = Math.max(gap, t - last);
      last = t;
    }
    return { rate: inside.length / ((to - from) / 1000), maxGapMs: gap, maxDelayMs: delay };
  };

  const quietFrom = at();
  await new Promise((resolve) => setTimeout(resolve, phaseMs));
  const quietTo = at();

  const latency = newHistogram();
  let answered = 0;
  let failed = 0;
  let running = true;
  const probe = metricsProbe(`${server.url}/metrics`);
  probe.start();
  const query = JSON.stringify({
    query: `{ heatmap(symbol: "BTCUSDT", window: ${values.window}) { columns rows cells } }`,
  });
  const worker = async (i: number) => {
    while (running) {
      const started = performance.now();
      const res = await fetch(server.httpUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': `198.18.${i >> 8}.${i & 255}` },
        body: query,
      }).catch(() => null);
      // A 200 with errors is a failure too; the body is read in full either way, as a client would.
      const ok = res?.ok === true && !(await res.text()).startsWith('{"errors"');
      if (ok) {
        answered++;
        latency.recordValue(Math.max(1, Math.round(performance.now() - started)));
      } else {
        failed++;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  };
  const loadFrom = at();
  const workers = Array.from({ length: concurrency }, (_, i) => worker(i));
  await new Promise((resolve) => setTimeout(resolve, phaseMs));
  const loadTo = at();
  running = false;
  await Promise.all(workers);
  const figures = await probe.stop();
  subscriber.send('report');
  const [{ arrivals, delays }] = (await once(subscriber, 'message')) as [{ arrivals: number[]; delays: number[] }];

  const quiet = stream(arrivals, delays, quietFrom, quietTo);
  const loaded = stream(arrivals, delays, loadFrom, loadTo);
  const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const rows = [
    ['phase', 'frames/s', 'longest silence', 'worst frame delay', 'queries answered', 'query p50 / p95 / max'],
    ['quiet', quiet.rate.toFixed(2), seconds(quiet.maxGapMs), seconds(quiet.maxDelayMs), '-', '-'],
    [
      `${concurrency} × ${values.window} in flight`,
      `${loaded.rate.toFixed(2)} (${((100 * loaded.rate) / quiet.rate).toFixed(0)}%)`,
      seconds(loaded.maxGapMs),
      seconds(loaded.maxDelayMs),
      `${answered} (${(answered / (phaseMs / 1000)).toFixed(0)}/s), ${failed} failed`,
      `${latency.getValueAtPercentile(50)} / ${latency.getValueAtPercentile(95)} / ${latency.maxValue} ms`,
    ],
  ];
  for (const row of rows) console.log(row.map((cell, i) => cell.padEnd(i === 0 ? 24 : 22)).join(''));
  if (figures)
    console.log(
      `server: cpu ${figures.cpuSeconds.toFixed(1)} s over the loaded phase, rss max ${(figures.rssMaxBytes / 2 ** 20).toFixed(0)} MiB, event-loop p99 max ${(figures.eventLoopP99MaxSeconds * 1000).toFixed(0)} ms`,
    );
} finally {
  subscriber.kill();
  await server.kill('SIGTERM');
}
