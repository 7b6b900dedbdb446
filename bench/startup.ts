/**
 * Startup benchmark (npm run bench:startup): the server as `npm start` runs it (simulator, the default
 * symbols), started three ways, each in its own process:
 * - HISTORY_HOURS=24, the baseline: a day before the first frame, nothing more (the start before the
 *   background history existed);
 * - the defaults: a day before the first frame, the rest of the 30 days in the background;
 * - HISTORY_START_HOURS=720: the whole month before the first frame.
 * For each: time to the first frame of every symbol (as the server logs it, and from the process spawn), time until every symbol's 30-day window is full
 * (docs/architecture.md, "History"), the server's RSS then, and the longest gap between two frames of one
 * subscribed symbol meanwhile (the live stream while the history loads; frames are due every second).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { HEATMAP_SUBSCRIPTION, httpQuery, wsClient } from '../tests/support/graphql-clients.js';
import { scrapeServer } from './lib/server-metrics.js';

const SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT'];
/** A run whose windows never fill (the baseline) is watched this long after its first frame. */
const WATCH_WITHOUT_HISTORY_MS = 10_000;
const TIMEOUT_MS = 300_000;

interface Run {
  /** From the server's start to its first frame, as it logs it (`ready`, backfillMs): no process start or module loading. */
  readyS: number;
  firstFrameS: number;
  fullS: number | null;
  rssMb: number;
  maxFrameGapS: number;
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function run(env: Record<string, string>): Promise<Run> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const t0 = performance.now();
  const seconds = () => (performance.now() - t0) / 1000;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server/main.ts'], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      CLIENT_DIST: 'nonexistent',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let readyS = NaN;
  let tail = '';
  child.stdout.on('data', (chunk: Buffer) => {
    const lines = (tail + chunk.toString()).split('\n');
    tail = lines.pop() ?? '';
    for (const line of lines) {
      if (line.includes('"event":"ready"')) readyS = (JSON.parse(line) as { backfillMs: number }).backfillMs / 1000;
    }
  });
  const exited = once(child, 'exit');
  try {
    const ask = async <T>(query: string) => {
      try {
        return (await httpQuery<T>(`${base}/graphql`, query)).body.data ?? null;
      } catch {
        return null; // not listening yet
      }
    };
    const frames = `{ ${SYMBOLS.map((s, i) => `s${i}: snapshot(symbol: "${s}") { seq }`).join(' ')} }`;
    const hasFrames = (data: Record<string, { seq: number } | null> | null) =>
      data !== null && SYMBOLS.every((_, i) => data[`s${i}`]);
    while (!hasFrames(await ask<Record<string, { seq: number } | null>>(frames))) {
      if (seconds() * 1000 > TIMEOUT_MS) throw new Error('no first frame');
      await sleep(20);
    }
    const firstFrameS = seconds();

    const arrivals: number[] = [];
    const client = wsClient(`ws://127.0.0.1:${port}/graphql`);
    client.subscribe(
      { query: HEATMAP_SUBSCRIPTION, variables: { symbols: [SYMBOLS[0]] } },
      { next: () => arrivals.push(performance.now()), error: console.error, complete: () => {} },
    );

    const full = `{ marketSource { history { done } } ${SYMBOLS.map((s, i) => `d${i}: heatmap(symbol: "${s}", window: D30) { from coverageFrom }`).join(' ')} }`;
    let fullS: number | null = null;
    const watchUntil = env.HISTORY_HOURS === '24' ? t0 + firstFrameS * 1000 + WATCH_WITHOUT_HISTORY_MS : Infinity;
    while (performance.now() < watchUntil) {
      const data = await ask<Record<string, { from: string; coverageFrom: string }> & { marketSource: unknown }>(full);
      const windows = SYMBOLS.map((_, i) => data?.[`d${i}`]);
      if (windows.every((w) => w && w.coverageFrom === w.from)) {
        fullS = seconds();
        break;
      }
      if (seconds() * 1000 > TIMEOUT_MS) throw new Error('30-day windows not full');
      await sleep(100);
    }
    const sample = await scrapeServer(`${base}/metrics`);
    await client.dispose();
    const gaps = arrivals.slice(1).map((time, i) => time - arrivals[i]!);
    return {
      readyS,
      firstFrameS,
      fullS,
      rssMb: (sample?.rssBytes ?? NaN) / 2 ** 20,
      maxFrameGapS: Math.max(0, ...gaps) / 1000,
    };
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

const variants: Array<[string, Record<string, string>]> = [
  ['HISTORY_HOURS=24 (baseline: a day, no more)', { HISTORY_HOURS: '24' }],
  ['defaults (a day first, 30 days in the background)', {}],
  ['HISTORY_START_HOURS=720 (30 days first)', { HISTORY_START_HOURS: '720' }],
];
console.log(`symbols ${SYMBOLS.join(',')}, simulator, node ${process.version}\n`);
console.log(
  '| start | server ready (its log) | first frame (from spawn) | 30-day windows full | RSS then | longest frame gap |',
);
console.log('|---|---|---|---|---|---|');
for (const [name, env] of variants) {
  const r = await run(env);
  console.log(
    `| ${name} | ${r.readyS.toFixed(2)} s | ${r.firstFrameS.toFixed(2)} s | ${r.fullS === null ? 'never' : `${r.fullS.toFixed(1)} s`} | ${r.rssMb.toFixed(0)} MB | ${r.maxFrameGapS.toFixed(2)} s |`,
  );
}
