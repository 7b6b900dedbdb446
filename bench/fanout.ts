import { fork, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { runLoad, type LoadReport } from './loadtest.js';
import type { TargetMode } from './fanout-server.js';
import type { ServerFigures, ServerProbe } from './lib/server-metrics.js';

/**
 * `npm run bench:fanout`: the same frames to the same N subscribers through this project's shared
 * fan-out (its subscribers speaking graphql-transport-ws, or with `legacy` the old graphql-ws
 * protocol), through stock graphql-ws (FANOUT=stock) and through plain `ws` broadcasting one shared
 * Buffer (the practical limit), each plain and with permessage-deflate, in one run. Prints bytes on
 * the wire and server CPU per subscriber-frame, subscriber-frames per server CPU-second, latency,
 * RSS and the ratios project/limit, project/stock and compressed/plain.
 */
const { values } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '1000,5000,10000' },
    modes: { type: 'string', default: 'ws,ws-deflate,shared,shared-deflate,legacy,stock,stock-deflate' },
    duration: { type: 'string', default: '15' },
    'connect-timeout': { type: 'string', default: '90' },
    workers: { type: 'string', default: '2' },
    json: { type: 'boolean', default: false },
  },
});
type Mode = TargetMode | 'legacy';
const MODE_NAMES: Record<Mode, string> = {
  ws: 'plain ws, shared Buffer (limit)',
  'ws-deflate': 'plain ws, per-socket deflate',
  shared: 'project, plain',
  'shared-deflate': 'project, compressed once',
  legacy: 'project, plain, legacy protocol',
  stock: 'stock graphql-ws',
  'stock-deflate': 'stock graphql-ws, per-socket deflate',
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
      compression: mode.endsWith('-deflate'),
    });
    child.kill();
    const framesPerCpuSecond = report.framesReceived / Math.max(1e-9, report.server?.cpuSeconds ?? NaN);
    rows.push({ n, mode, report, framesPerCpuSecond });
    if (!values.json)
      process.stderr.write(
        `  ${n} × ${mode}: ${report.sessions} sessions, p95 ${report.latencyMs.p95} ms, ${report.framesReceived}/${report.framesExpected} frames, ${report.slowConsumerWarnings} slow-consumer warnings, load average ${os.loadavg()[0]!.toFixed(1)}\n`,
      );
  }
}

const perFrame = (row: Row) => ({
  wireBytes: row.report.wireBytes / Math.max(1, row.report.framesReceived),
  cpuMicros: ((row.report.server?.cpuSeconds ?? NaN) * 1e6) / Math.max(1, row.report.framesReceived),
});

if (values.json) {
  console.log(
    JSON.stringify(
      rows.map((row) => ({ ...row, perFrame: perFrame(row) })),
      null,
      2,
    ),
  );
} else {
  const frameKb = rows[0]
    ? (rows[0].report.bytesReceived / Math.max(1, rows[0].report.messagesReceived) / 1024).toFixed(1)
    : '?';
  console.log(
    `\nFan-out benchmark: ~${frameKb} KB frames at 1/s, ${values.duration} s per run, server and ${values.workers} load processes on ${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, Node ${process.version}\n`,
  );
  console.log(
    '| subscribers (connected) | path | frames delivered / expected | wire bytes per subscriber-frame | server CPU µs per subscriber-frame | subscriber-frames per server CPU-s | p50 ms | p95 ms | p99 ms | max ms | server RSS MiB | event-loop p99 ms | vs limit | vs stock |',
  );
  console.log('|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const row of rows) {
    const peer = (mode: Mode) => rows.find((r) => r.n === row.n && r.mode === mode);
    const ratio = (other: Row | undefined) =>
      other ? `${(row.framesPerCpuSecond / other.framesPerCpuSecond).toFixed(2)}×` : '';
    const [limit, stock] =
      row.mode === 'shared' || row.mode === 'legacy'
        ? [peer('ws'), peer('stock')]
        : row.mode === 'shared-deflate'
          ? [peer('ws-deflate'), peer('stock-deflate')]
          : [undefined, undefined];
    const r = row.report;
    const { wireBytes, cpuMicros } = perFrame(row);
    console.log(
      `| ${row.n}${r.sessions < row.n ? ` (${r.sessions})` : ''} | ${MODE_NAMES[row.mode]} | ${r.framesReceived} / ${r.framesExpected} | ${Math.round(wireBytes)} | ${cpuMicros.toFixed(1)} | ${Math.round(row.framesPerCpuSecond)} | ${r.latencyMs.p50} | ${r.latencyMs.p95} | ${r.latencyMs.p99} | ${r.latencyMs.max} | ${((r.server?.rssMaxBytes ?? 0) / 2 ** 20).toFixed(0)} | ${((r.server?.eventLoopP99MaxSeconds ?? 0) * 1000).toFixed(1)} | ${ratio(limit)} | ${ratio(stock)} |`,
    );
  }
  // The compression targets, per size: bytes and CPU against the plain path, CPU against per-socket deflate.
  console.log(
    '\n| subscribers | compressed/plain bytes | compressed/plain CPU per frame | per-socket deflate (ws) / compressed CPU | per-socket deflate (stock) / compressed CPU |',
  );
  console.log('|---:|---:|---:|---:|---:|');
  for (const n of new Set(rows.map((row) => row.n))) {
    const of = (mode: Mode) => rows.find((r) => r.n === n && r.mode === mode);
    const compressed = of('shared-deflate');
    const plain = of('shared');
    if (!compressed) continue;
    const c = perFrame(compressed);
    const fmt = (value: number, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : '');
    const ws = of('ws-deflate');
    const stock = of('stock-deflate');
    console.log(
      `| ${n} | ${plain ? fmt(c.wireBytes / perFrame(plain).wireBytes) : ''} | ${plain ? fmt(c.cpuMicros / perFrame(plain).cpuMicros) : ''} | ${ws ? `${fmt(perFrame(ws).cpuMicros / c.cpuMicros, 1)}×` : ''} | ${stock ? `${fmt(perFrame(stock).cpuMicros / c.cpuMicros, 1)}×` : ''} |`,
    );
  }
}
process.exit(0);
