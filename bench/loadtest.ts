import { fork } from 'node:child_process';
import { parseArgs } from 'node:util';
import type { LoadCounters, WorkerResult, WorkerTask } from './loadtest-worker.js';
import { LOAD_QUERY } from './lib/frame-head.js';
import { mergeHistograms } from './lib/histogram.js';
import { metricsProbe, type ServerFigures, type ServerProbe } from './lib/server-metrics.js';

export interface LoadOptions {
  url: string;
  connections: number;
  symbols: string[];
  durationSeconds: number;
  workers: number;
  rampConcurrency: number;
  /** Stop opening connections after this many seconds and measure those that are open. */
  connectTimeoutSeconds?: number;
  /** Measures the server during the run (its /metrics, or the benchmark's own process probe). */
  server: ServerProbe | null;
  query?: string;
  /** Default graphql-transport-ws. */
  protocol?: WorkerTask['protocol'];
  /** Clients offer permessage-deflate. */
  compression?: boolean;
}

export interface LoadReport extends LoadCounters {
  connections: number;
  durationSeconds: number;
  connectingMs: { p50: number; p95: number; max: number };
  checks: { firstFrame: number; firstFrameWithin2s: number; noSeqGaps: number };
  /** Push latency over the measured frames (`samples` of them), from each frame's generatedAt. */
  latencyMs: { samples: number; p50: number; p95: number; p99: number; max: number; mean: number };
  server: ServerFigures | null;
}

/** Several loopback source addresses, so one target is not capped at ~28k ephemeral ports. */
function localAddressesFor(url: string, connections: number): string[] {
  if (new URL(url).hostname !== '127.0.0.1' || connections <= 20_000) return [];
  return Array.from({ length: Math.ceil(connections / 20_000) }, (_, i) => `127.0.0.${i + 2}`);
}

/** Runs worker processes against a server and merges what they measured. */
export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  const workerCount = Math.max(1, Math.min(options.workers, options.connections));
  const workers = Array.from({ length: workerCount }, () =>
    fork(new URL('./loadtest-worker.ts', import.meta.url), [], { execArgv: ['--import', 'tsx'], stdio: 'inherit' }),
  );
  const localAddresses = localAddressesFor(options.url, options.connections);
  const results = workers.map((worker, i) => {
    const task: WorkerTask = {
      url: options.url,
      connections: Math.floor(options.connections / workerCount) + (i < options.connections % workerCount ? 1 : 0),
      symbols: options.symbols,
      durationMs: options.durationSeconds * 1000,
      rampConcurrency: Math.max(1, Math.floor(options.rampConcurrency / workerCount)),
      connectTimeoutMs: (options.connectTimeoutSeconds ?? 300) * 1000,
      localAddresses,
      query: options.query ?? LOAD_QUERY,
      protocol: options.protocol ?? 'graphql-transport-ws',
      compression: options.compression ?? false,
    };
    const connected = new Promise<void>((resolve) =>
      worker.on('message', (m: { type: string }) => m.type === 'connected' && resolve()),
    );
    const done = new Promise<WorkerResult>((resolve, reject) => {
      worker.on('message', (m: { type: string; result?: WorkerResult; message?: string }) => {
        if (m.type === 'result') resolve(m.result!);
        if (m.type === 'error') reject(new Error(m.message));
      });
      worker.once('exit', (code) => reject(new Error(`load worker exited with ${code}`)));
    });
    worker.send(task);
    return { worker, connected, done };
  });
  await Promise.all(results.map((r) => r.connected));
  options.server?.start();
  for (const r of results) r.worker.send('go');
  const parts = await Promise.all(results.map((r) => r.done));
  const server = (await options.server?.stop()) ?? null;
  for (const r of results) r.worker.kill();

  const sum = (key: keyof WorkerResult) => parts.reduce((total, p) => total + (p[key] as number), 0);
  const latency = mergeHistograms(parts.map((p) => p.latency));
  const connecting = mergeHistograms(parts.map((p) => p.connecting));
  const ms = (us: number) => Math.round(us / 10) / 100;
  return {
    connections: options.connections,
    durationSeconds: options.durationSeconds,
    sessions: sum('sessions'),
    failedConnections: sum('failedConnections'),
    closedEarly: sum('closedEarly'),
    connectingMs: {
      p50: ms(connecting.getValueAtPercentile(50)),
      p95: ms(connecting.getValueAtPercentile(95)),
      max: ms(connecting.maxValue),
    },
    messagesReceived: sum('messagesReceived'),
    bytesReceived: sum('bytesReceived'),
    wireBytes: sum('wireBytes'),
    framesReceived: sum('framesReceived'),
    framesExpected: sum('framesExpected'),
    seqGaps: sum('seqGaps'),
    slowConsumerWarnings: sum('slowConsumerWarnings'),
    checks: {
      firstFrame: sum('firstFrames'),
      firstFrameWithin2s: sum('firstFrameWithin2s'),
      noSeqGaps: sum('connectionsWithoutGaps'),
    },
    latencyMs: {
      samples: latency.totalCount,
      p50: ms(latency.getValueAtPercentile(50)),
      p95: ms(latency.getValueAtPercentile(95)),
      p99: ms(latency.getValueAtPercentile(99)),
      max: ms(latency.maxValue),
      mean: ms(latency.mean),
    },
    server,
  };
}

/** k6-style summary. */
export function formatReport(r: LoadReport): string {
  const rate = (n: number) => `${n} (${(n / r.durationSeconds).toFixed(1)}/s)`;
  const pct = (n: number) => `${((100 * n) / Math.max(1, r.connections)).toFixed(2)}% (${n}/${r.connections})`;
  const lines = [
    `checks.....................: first frame ${pct(r.checks.firstFrame)}, within 2s ${pct(r.checks.firstFrameWithin2s)}; no seq gaps ${pct(r.checks.noSeqGaps)}`,
    `data_received..............: ${(r.bytesReceived / 1e6).toFixed(1)} MB (${(r.bytesReceived / 1e6 / r.durationSeconds).toFixed(1)} MB/s); on the wire ${(r.wireBytes / 1e6).toFixed(1)} MB`,
    `ws_connecting..............: p50=${r.connectingMs.p50}ms p95=${r.connectingMs.p95}ms max=${r.connectingMs.max}ms`,
    `ws_sessions................: ${r.sessions} (failed ${r.failedConnections}, closed early ${r.closedEarly})`,
    `ws_msgs_received...........: ${rate(r.messagesReceived)}`,
    `frames.....................: received ${r.framesReceived} of expected ${r.framesExpected}; seq gaps ${r.seqGaps}; slow-consumer warnings ${r.slowConsumerWarnings}`,
    `push_latency...............: p50=${r.latencyMs.p50}ms p95=${r.latencyMs.p95}ms p99=${r.latencyMs.p99}ms max=${r.latencyMs.max}ms mean=${r.latencyMs.mean}ms`,
  ];
  if (r.server) {
    lines.push(
      `server.....................: cpu ${r.server.cpuSeconds.toFixed(2)}s (${((100 * r.server.cpuSeconds) / r.durationSeconds).toFixed(0)}% of a core), rss max ${(r.server.rssMaxBytes / 2 ** 20).toFixed(0)} MiB, event-loop p99 max ${(r.server.eventLoopP99MaxSeconds * 1000).toFixed(1)}ms`,
    );
  }
  return lines.join('\n');
}

const isMain = import.meta.url === `file://${process.argv[1]}`;
if (isMain) {
  const { values } = parseArgs({
    options: {
      url: { type: 'string', default: 'ws://127.0.0.1:4000/graphql' },
      connections: { type: 'string', default: '1000' },
      symbols: { type: 'string', default: 'BTCUSDT' },
      duration: { type: 'string', default: '30' },
      workers: { type: 'string', default: '2' },
      ramp: { type: 'string', default: '64' },
      'metrics-url': { type: 'string' },
      protocol: { type: 'string', default: 'graphql-transport-ws' },
      json: { type: 'boolean', default: false },
      compression: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(`npm run loadtest -- --url ws://host:port/graphql --connections N --symbols BTCUSDT,ETHUSDT --duration S
  --workers W        load-generator processes (default 2)
  --ramp C           handshakes in flight at once (default 64)
  --metrics-url U    server's Prometheus endpoint (default: the URL's host + /metrics; "none" to skip)
  --protocol P       graphql-transport-ws (default) or graphql-ws (legacy subscriptions-transport-ws)
  --compression      clients offer permessage-deflate
  --json             machine-readable output`);
    process.exit(0);
  }
  const url = values.url!;
  const metricsUrl =
    values['metrics-url'] === 'none'
      ? null
      : (values['metrics-url'] ?? `${url.replace(/^ws/, 'http').replace(/\/graphql$/, '')}/metrics`);
  const report = await runLoad({
    url,
    connections: Number(values.connections),
    symbols: values.symbols!.split(','),
    durationSeconds: Number(values.duration),
    workers: Number(values.workers),
    rampConcurrency: Number(values.ramp),
    server: metricsUrl ? metricsProbe(metricsUrl) : null,
    protocol: values.protocol as WorkerTask['protocol'],
    compression: values.compression,
  });
  console.log(values.json ? JSON.stringify(report, null, 2) : formatReport(report));
  process.exit(0);
}
