import { fork, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { runLoad, type LoadReport } from './loadtest.js';
import type { ServerFigures, ServerProbe } from './lib/server-metrics.js';

/**
 * `npm run bench:fanout`: the same frames to the same N subscribers through this project's shared
 * fan-out (its subscribers speaking graphql-transport-ws, or with `legacy` the old graphql-ws
 * protocol), through stock graphql-ws (FANOUT=stock) and through plain `ws` broadcasting one shared
 * Buffer (the practical limit), in one run. Prints subscriber-frames per server CPU-second,
 * latency, RSS and the ratios project/limit and project/stock.
 */
const { values } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '1000,5000,10000' },
    modes: { type: 'string', default: 'ws,shared,legacy,stock' },
    duration: { type: 'string', default: '15' },
    'connect-timeout': { type: 'string', default: '90' },
    workers: { type: 'string', default: '2' },
    json: { type: 'boolean', default: false },
  },
});
type Mode = 'ws' | 'shared' | 'legacy' | 'stock';
const MODE_NAMES: Record<Mode, string> = {
  ws: 'plain ws (limit)',
  shared: 'project (shared)',
  legacy: 'project (shared), legacy protocol',
  stock: 'stock graphql-ws',
};

function startTarget(mode: Mode): Promise<{ child: ChildProcess; url: string }> {
  const target = mode === 'legacy' ? 'shared' : mode;
  const child = fork(new URL('./fanout-server.ts', import.meta.url), [target], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (m: { type: string; url: string }) => resolve({ child, url: m.url }));
    child.once('exit', (code) => reject(new Error(`${mode} target exited with ${code}`)));
  });
}

function processProbe(child: ChildProcess): ServerProbe {
  const ask = () =>
    new Promise<{ cpuSeconds: number; rssMaxBytes: number; eventLoopP99Seconds: number }>((resolve) => {
      child.once('message', resolve);
      child.send('stats');
    });
  let start: Promise<{ cpuSeconds: number }> | undefined;
  return {
    start() {
      start = ask();
    },
    async stop(): Promise<ServerFigures> {
      const before = await start!;
      const after = await ask();
      return {
        cpuSeconds: after.cpuSeconds - before.cpuSeconds,
        rssMaxBytes: after.rssMaxBytes,
        eventLoopP99MaxSeconds: after.eventLoopP99Seconds,
      };
    },
  };
}

interface Row {
  n: number;
  mode: Mode;
  report: LoadReport;
  framesPerCpuSecond: number;
}
const rows: Row[] = [];
for (const n of values.subscribers!.split(',').map(Number)) {
  for (const mode of values.modes!.split(',') as Mode[]) {
    const { child, url } = await startTarget(mode);
    const report = await runLoad({
      url,
      connections: n,
      symbols: ['BTCUSDT'],
      durationSeconds: Number(values.duration),
      workers: Number(values.workers),
      rampConcurrency: 64,
      connectTimeoutSeconds: Number(values['connect-timeout']),
      server: processProbe(child),
      protocol: mode === 'legacy' ? 'graphql-ws' : 'graphql-transport-ws',
    });
    child.kill();
    const framesPerCpuSecond = report.framesReceived / Math.max(1e-9, report.server?.cpuSeconds ?? NaN);
    rows.push({ n, mode, report, framesPerCpuSecond });
    if (!values.json)
      process.stderr.write(
        `  ${n} × ${mode}: ${report.sessions} sessions, p95 ${report.latencyMs.p95} ms, ${report.framesReceived}/${report.framesExpected} frames\n`,
      );
  }
}

if (values.json) {
  console.log(JSON.stringify(rows, null, 2));
} else {
  const frameKb = rows[0]
    ? (rows[0].report.bytesReceived / Math.max(1, rows[0].report.messagesReceived) / 1024).toFixed(1)
    : '?';
  console.log(
    `\nFan-out benchmark: ~${frameKb} KB frames at 1/s, ${values.duration} s per run, server and ${values.workers} load processes on ${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, Node ${process.version}\n`,
  );
  console.log(
    '| subscribers (connected) | path | frames delivered / expected | subscriber-frames per server CPU-s | p50 ms | p95 ms | p99 ms | max ms | server RSS MiB | event-loop p99 ms | vs limit | vs stock |',
  );
  console.log('|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const row of rows) {
    const limit = rows.find((r) => r.n === row.n && r.mode === 'ws');
    const stock = rows.find((r) => r.n === row.n && r.mode === 'stock');
    const ratio = (other: Row | undefined) =>
      other && (row.mode === 'shared' || row.mode === 'legacy')
        ? `${(row.framesPerCpuSecond / other.framesPerCpuSecond).toFixed(2)}×`
        : '';
    const r = row.report;
    console.log(
      `| ${row.n}${r.sessions < row.n ? ` (${r.sessions})` : ''} | ${MODE_NAMES[row.mode]} | ${r.framesReceived} / ${r.framesExpected} | ${Math.round(row.framesPerCpuSecond)} | ${r.latencyMs.p50} | ${r.latencyMs.p95} | ${r.latencyMs.p99} | ${r.latencyMs.max} | ${((r.server?.rssMaxBytes ?? 0) / 2 ** 20).toFixed(0)} | ${((r.server?.eventLoopP99MaxSeconds ?? 0) * 1000).toFixed(1)} | ${ratio(limit)} | ${ratio(stock)} |`,
    );
  }
}
process.exit(0);
