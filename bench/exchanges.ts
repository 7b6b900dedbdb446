/**
 * Exchanges benchmark (npm run bench:exchanges): what running one engine per (exchange, symbol) costs,
 * against one engine alone in the same run. Memory per engine with 30 days of history; the publisher's
 * work per tick for a symbol's 7 streams (every exchange set) against its 1; aggregate heatmap builds.
 * The markets are tests/heatmap/synthetic-market.ts, one seed per exchange, on one shared bucket grid.
 */
import os from 'node:os';
import v8 from 'node:v8';
import vm from 'node:vm';
import { contentHash, EngineSet, HeatmapEngine } from '../src/heatmap/index.js';
import type { WindowName } from '../src/heatmap/types.js';
import type { Exchange } from '../src/market/source.js';
import { syntheticEvents } from '../tests/heatmap/synthetic-market.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
const used = () => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;

const SYMBOL = 'BTCUSDT';
const START = Date.UTC(2025, 0, 1);
const DAYS = 30;
const EXCHANGES: Exchange[] = ['binance', 'bybit', 'okx'];
const history = (seed: number) =>
  syntheticEvents({
    symbol: SYMBOL,
    startPrice: 100_000,
    start: START,
    durationMs: DAYS * 86_400_000,
    tradesPerSecond: 2,
    seed,
  });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const timeMs = (run: () => void, runs: number) =>
  median(
    Array.from({ length: runs }, () => {
      const t0 = performance.now();
      run();
      return performance.now() - t0;
    }),
  );

// The baseline: each exchange's market in an engine alone, on its own grid (what a symbol was before
// exchanges were aggregated). All three are kept, so each measure is that engine's own memory.
const alones: HeatmapEngine[] = [];
const aloneBytes = EXCHANGES.map((_, i) => {
  gc();
  const before = used();
  const engine = new HeatmapEngine({ symbol: SYMBOL });
  for (const event of history(2 + i)) engine.ingest(event);
  alones.push(engine);
  gc();
  gc();
  return used() - before;
});
const alone = alones[0]!;

// Three engines of one symbol, one grid, each exchange its own market.
gc();
const before = used();
const set = new EngineSet({ symbols: [SYMBOL], exchanges: EXCHANGES, feedLive: () => true, engineOptions: () => ({}) });
EXCHANGES.forEach((exchange, i) => {
  for (const event of history(2 + i)) set.ingest(exchange, event);
});
gc();
gc();
const setBytes = used() - before;

const streams = [...set.streams.keys()];
const tickAlone = timeMs(() => contentHash({ ...alone.frame()!, stream: SYMBOL, exchanges: ['binance'] }), 200);
const tickSet = timeMs(() => {
  for (const key of streams) contentHash(set.frame(key)!);
}, 200);
const windows: WindowName[] = ['H24', 'D30'];
const builds = windows.map((window) => ({
  window,
  alone: timeMs(() => alone.heatmap(window), 11),
  set: timeMs(() => set.heatmap(SYMBOL, window), 11),
  cells: set.heatmap(SYMBOL, window)!.cells.length,
}));

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
const ms = (value: number) => `${value.toFixed(2)} ms`;
console.log(
  `node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model}, load ${os.loadavg()[0]!.toFixed(1)}`,
);
console.table([
  {
    measure: `memory, each exchange's market in 1 engine alone, ${DAYS} days`,
    result: aloneBytes.map(mib).join(' · '),
  },
  {
    measure: `memory, ${EXCHANGES.length} engines of ${SYMBOL} (one per exchange), ${DAYS} days`,
    result: `${mib(setBytes)} (${mib(setBytes / EXCHANGES.length)} per engine)`,
  },
  { measure: 'publisher tick: 1 stream (frame + hash), p50', result: ms(tickAlone) },
  { measure: `publisher tick: ${streams.length} streams of the symbol (sums + hashes), p50`, result: ms(tickSet) },
  ...builds.map(({ window, alone: a, set: s, cells }) => ({
    measure: `heatmap ${window}: 1 engine vs the sum of ${EXCHANGES.length}, p50`,
    result: `${ms(a)} vs ${ms(s)} (${cells} cells)`,
  })),
]);
