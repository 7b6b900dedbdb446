/**
 * Soak: the real server (a child process, default settings, guards on) under a steady load with churn
 * for M minutes, printing one row per interval: the server's RSS, heap, event-loop delay (from
 * /metrics), its connections and subscriptions (from /stats), and what the clients saw: frames, seq
 * gaps, churn cycles, errors, and error/warn lines in the server's log.
 *
 *   npm run soak -- --minutes 30 [--interval 60] [--subscribers 200] [--churn 20] [--queries 5]
 *
 * Load: `subscribers` long-lived graphql-ws subscriptions (seq checked for gaps), `churn` connections
 * a second that connect, subscribe, take a frame and leave (a mix of clean close, complete-then-close,
 * abrupt terminate, and never sending connection_init), and `queries` HTTP queries a second.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '5' },
    interval: { type: 'string' },
    subscribers: { type: 'string', default: '200' },
    churn: { type: 'string', default: '20' },
    queries: { type: 'string', default: '5' },
  },
});
const minutes = Number(args.minutes);
const intervalMs = Number(args.interval ?? Math.max(10, Math.round((minutes * 60) / 30))) * 1000;
const subscriberCount = Number(args.subscribers);
const churnPerSecond = Number(args.churn);
const queriesPerSecond = Number(args.queries);
const SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT'];
const SUBSCRIPTION =
  'subscription Soak($symbols: [String!]!) { heatmapUpdated(symbols: $symbols) { symbol seq currentPrice levels { price long short } } }';
const QUERIES = [
  '{ heatmap(symbol: "BTCUSDT", window: H24) { columns rows cells } }',
  '{ snapshot(symbol: "ETHUSDT") { seq levels { price long short } } }',
  '{ symbols { symbol seq currentPrice } streamStats { activeConnections activeSubscriptions } }',
];

const counts = {
  frames: 0,
  gaps: 0,
  subscriberDrops: 0,
  churnCycles: 0,
  churnErrors: 0,
  queries: 0,
  queryErrors: 0,
  serverErrors: 0,
  serverWarnings: 0,
};

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const wsUrl = `ws://127.0.0.1:${port}/graphql`;
const child = spawn(
  process.execPath,
  [
    '--import',
    'tsx',
    'src/server/main.ts',
    '--port',
    String(port),
    '--host',
    '127.0.0.1',
    '--symbols',
    SYMBOLS.join(','),
  ],
  {
    env: { ...process.env, CLIENT_DIST: 'nonexistent', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);
let logTail = '';
child.stdout.on('data', (chunk: Buffer) => {
  const lines = (logTail + chunk.toString()).split('\n');
  logTail = lines.pop() ?? '';
  for (const line of lines) {
    const level = (() => {
      try {
        return (JSON.parse(line) as { level?: number }).level ?? 0;
      } catch {
        return 0;
      }
    })();
    if (level >= 50) counts.serverErrors++;
    else if (level >= 40) counts.serverWarnings++;
    if (level >= 40 && counts.serverErrors + counts.serverWarnings <= 5) console.error(`server: ${line.slice(0, 300)}`);
  }
});
child.once('exit', (code) => {
  if (!stopping) {
    console.error(`server exited early with ${code}`);
    process.exit(1);
  }
});
let stopping = false;

for (let i = 0; ; i++) {
  try {
    const res = await fetch(`${base}/health`);
    if (res.ok) break;
  } catch {
    /* not listening yet */
  }
  if (i > 600) throw new Error('server did not become ready within 60 s');
  await new Promise((resolve) => setTimeout(resolve, 100));
}

/** One graphql-transport-ws connection: init, subscribe, and `onNext` for every frame. */
function connect(
  symbols: string[],
  onNext: (frame: { symbol: string; seq: number }) => void,
  onClose: (code: number) => void,
): WebSocket {
  const ws = new WebSocket(wsUrl, 'graphql-transport-ws');
  ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init' })));
  ws.on('message', (data) => {
    const message = JSON.parse(String(data)) as {
      type: string;
      payload?: { data?: { heatmapUpdated: { symbol: string; seq: number } } };
    };
    if (message.type === 'connection_ack')
      ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: SUBSCRIPTION, variables: { symbols } } }));
    else if (message.type === 'next' && message.payload?.data) onNext(message.payload.data.heatmapUpdated);
    else if (message.type === 'error') onClose(-1);
  });
  ws.on('error', () => {});
  ws.on('close', (code) => onClose(code));
  return ws;
}

// Long-lived subscribers: every frame of their symbol, seq without gaps.
const subscribers: WebSocket[] = [];
let ending = false;
function startSubscriber(index: number): void {
  const symbol = SYMBOLS[index % SYMBOLS.length]!;
  let last: number | null = null;
  let dropped = false;
  const ws = connect(
    [symbol],
    (frame) => {
      counts.frames++;
      if (last !== null && frame.seq !== last + 1) counts.gaps++;
      last = frame.seq;
    },
    () => {
      if (ending || dropped) return;
      dropped = true;
      counts.subscriberDrops++;
      ws.terminate();
      setTimeout(() => startSubscriber(index), 1000);
    },
  );
  subscribers[index] = ws;
}
for (let i = 0; i < subscriberCount; i++) startSubscriber(i);

// Churn: connect, subscribe, one frame, leave — four ways of leaving.
let churnIndex = 0;
function churnOnce(): void {
  const mode = churnIndex++ % 10;
  const symbol = SYMBOLS[churnIndex % SYMBOLS.length]!;
  if (mode === 9) {
    // Never sends connection_init: the server must close it (4408) and forget it.
    const ws = new WebSocket(wsUrl, 'graphql-transport-ws');
    ws.on('error', () => {});
    ws.on('close', (code) => {
      if (code === 4408) counts.churnCycles++;
      else counts.churnErrors++;
    });
    return;
  }
  let done = false;
  const timer = setTimeout(() => {
    if (!done) {
      done = true;
      counts.churnErrors++;
      ws.terminate();
    }
  }, 10_000);
  const ws = connect(
    [symbol],
    () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      counts.churnCycles++;
      if (mode < 6) ws.close(1000);
      else if (mode < 8) {
        ws.send(JSON.stringify({ id: '1', type: 'complete' }));
        ws.close(1000);
      } else ws.terminate();
    },
    () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      counts.churnErrors++;
    },
  );
}
const churnTimer = setInterval(churnOnce, 1000 / churnPerSecond);

let queryIndex = 0;
const queryTimer = setInterval(() => {
  const query = QUERIES[queryIndex++ % QUERIES.length]!;
  counts.queries++;
  fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  })
    .then(async (res) => {
      const body = (await res.json()) as { errors?: unknown };
      if (!res.ok || body.errors) counts.queryErrors++;
    })
    .catch(() => counts.queryErrors++);
}, 1000 / queriesPerSecond);

interface Row {
  minute: number;
  rssMiB: number;
  heapMiB: number;
  eldP99Ms: number;
  eldMaxMs: number;
  connections: number;
  subscriptions: number;
}
const rows: Row[] = [];
const metric = (text: string, name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
const pad = (value: string | number, width: number) => String(value).padStart(width);
const startedAt = Date.now();
let previousFrames = 0;

console.log(
  `soak: ${minutes} min, ${subscriberCount} subscribers, ${churnPerSecond} churn cycles/s, ${queriesPerSecond} queries/s, row every ${intervalMs / 1000} s; server pid ${child.pid} on ${base}`,
);
console.log(
  [
    'min',
    'RSS MiB',
    'heap MiB',
    'ELD p99 ms',
    'ELD max ms',
    'conns',
    'subs',
    'frames/s',
    'gaps',
    'drops',
    'churn',
    'churn err',
    'query err',
    'srv err',
    'srv warn',
  ]
    .map((h, i) => pad(h, i === 0 ? 5 : 11))
    .join(''),
);
async function sample(): Promise<void> {
  const [metrics, stats] = await Promise.all([
    fetch(`${base}/metrics`).then((r) => r.text()),
    fetch(`${base}/stats`).then((r) => r.json() as Promise<{ activeConnections: number; activeSubscriptions: number }>),
  ]);
  const row: Row = {
    minute: (Date.now() - startedAt) / 60_000,
    rssMiB: metric(metrics, 'process_resident_memory_bytes') / 2 ** 20,
    heapMiB: metric(metrics, 'nodejs_heap_size_used_bytes') / 2 ** 20,
    eldP99Ms: metric(metrics, 'nodejs_eventloop_lag_p99_seconds') * 1000,
    eldMaxMs: metric(metrics, 'nodejs_eventloop_lag_max_seconds') * 1000,
    connections: stats.activeConnections,
    subscriptions: stats.activeSubscriptions,
  };
  rows.push(row);
  const framesPerSecond = (counts.frames - previousFrames) / (intervalMs / 1000);
  previousFrames = counts.frames;
  console.log(
    [
      pad(row.minute.toFixed(1), 5),
      pad(row.rssMiB.toFixed(1), 11),
      pad(row.heapMiB.toFixed(1), 11),
      pad(row.eldP99Ms.toFixed(1), 11),
      pad(row.eldMaxMs.toFixed(1), 11),
      pad(row.connections, 11),
      pad(row.subscriptions, 11),
      pad(framesPerSecond.toFixed(0), 11),
      pad(counts.gaps, 11),
      pad(counts.subscriberDrops, 11),
      pad(counts.churnCycles, 11),
      pad(counts.churnErrors, 11),
      pad(counts.queryErrors, 11),
      pad(counts.serverErrors, 11),
      pad(counts.serverWarnings, 11),
    ].join(''),
  );
}

const sampler = setInterval(
  () => void sample().catch((error: Error) => console.error(`sample failed: ${error.message}`)),
  intervalMs,
);
await new Promise((resolve) => setTimeout(resolve, minutes * 60_000));
clearInterval(sampler);
clearInterval(churnTimer);
clearInterval(queryTimer);
await sample();

// Everyone leaves: the server must come back to zero connections and subscriptions.
ending = true;
for (const ws of subscribers) ws.close(1000);
let idle = { activeConnections: -1, activeSubscriptions: -1 };
for (let i = 0; i < 100 && (idle.activeConnections !== 0 || idle.activeSubscriptions !== 0); i++) {
  await new Promise((resolve) => setTimeout(resolve, 100));
  idle = (await (await fetch(`${base}/stats`)).json()) as typeof idle;
}

const first = rows[0]!;
const last = rows.at(-1)!;
const secondHalf = rows.slice(Math.floor(rows.length / 2));
console.log('');
console.log(
  `summary: ${counts.churnCycles} churn cycles (${counts.churnErrors} failed), ${counts.queries} queries (${counts.queryErrors} failed), ${counts.frames} frames to long-lived subscribers, ${counts.gaps} seq gaps, ${counts.subscriberDrops} subscriber drops`,
);
console.log(
  `server: RSS ${first.rssMiB.toFixed(1)} → ${last.rssMiB.toFixed(1)} MiB (max ${Math.max(...rows.map((r) => r.rssMiB)).toFixed(1)}, second-half range ${Math.min(...secondHalf.map((r) => r.rssMiB)).toFixed(1)}–${Math.max(...secondHalf.map((r) => r.rssMiB)).toFixed(1)}), heap used ${first.heapMiB.toFixed(1)} → ${last.heapMiB.toFixed(1)} MiB (max ${Math.max(...rows.map((r) => r.heapMiB)).toFixed(1)}), event-loop delay p99 max ${Math.max(...rows.map((r) => r.eldP99Ms)).toFixed(1)} ms`,
);
console.log(
  `server log: ${counts.serverErrors} error lines, ${counts.serverWarnings} warn lines; after the clients left: ${idle.activeConnections} connections, ${idle.activeSubscriptions} subscriptions`,
);

stopping = true;
child.kill('SIGTERM');
const [exitCode] = (await once(child, 'exit')) as [number | null];
console.log(`server exit code ${exitCode}`);
process.exit(counts.gaps === 0 && counts.serverErrors === 0 && idle.activeConnections === 0 && exitCode === 0 ? 0 : 1);
