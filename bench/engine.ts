/**
 * Engine benchmark (npm run bench:engine): ingestion throughput against a naive baseline, heatmap build
 * times, heatmap JSON size, frame hashing, and heap per symbol with 30 days of history.
 * Single-threaded; the market is tests/heatmap/synthetic-market.ts, deterministic for its seed.
 */
import { createHash } from 'node:crypto';
import os from 'node:os';
import v8 from 'node:v8';
import vm from 'node:vm';
import {
  contentHash,
  DEFAULT_LEVERAGE_TIERS,
  HeatmapEngine,
  liquidationPrice,
  SHIPPED_BRACKETS,
  TYPICAL_POSITION_USD,
  WINDOWS,
} from '../src/heatmap/index.js';
import { bucketSizeFor, PriceBuckets } from '../src/heatmap/price-buckets.js';
import type { Side, WindowName } from '../src/heatmap/types.js';
import type { MarketEvent } from '../src/market/events.js';
import { syntheticEvents } from '../tests/heatmap/synthetic-market.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const SYMBOL = 'BTCUSDT';
const START = Date.UTC(2025, 0, 1);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const time = (run: () => void) => {
  const t0 = performance.now();
  run();
  return performance.now() - t0;
};

/**
 * The baseline: the same model (ΔOI steps, tiers, exact liquidation prices, buckets) with the obvious
 * book, a list of levels swept in full on every price update. It keeps no columns, so it does less work
 * than the engine apart from the sweep: the ratio is conservative.
 */
class NaiveModel {
  private levels: { side: Side; bucket: number; usd: number; qty: number }[] = [];
  private swept = 0;
  private buckets: PriceBuckets | null = null;
  private marks = false;
  private oi: number | null = null;
  private flow = { volume: 0, notional: 0, buy: 0 };
  private last = 0;

  ingest(e: MarketEvent): void {
    switch (e.kind) {
      case 'trade':
        this.last = e.price;
        this.buckets ??= new PriceBuckets(bucketSizeFor(e.price));
        this.flow.volume += e.qty;
        this.flow.notional += e.price * e.qty;
        if (e.takerBuy) this.flow.buy += e.qty;
        if (!this.marks) this.sweep(e.price);
        break;
      case 'markPrice':
        this.marks = true;
        this.sweep(e.price);
        break;
      case 'openInterest': {
        const previous = this.oi;
        this.oi = e.openInterest;
        const flow = this.flow;
        this.flow = { volume: 0, notional: 0, buy: 0 };
        if (previous === null || !this.buckets || flow.volume === 0) return;
        const delta = e.openInterest - previous;
        const swept = this.swept;
        this.swept = 0;
        if (delta < 0) {
          const factor = e.openInterest / (previous - Math.min(-delta, swept));
          this.levels = this.levels.filter((l) => ((l.qty *= factor), (l.usd *= factor) >= 0.01));
          return;
        }
        const entryPrice = flow.notional / flow.volume;
        for (const side of ['long', 'short'] as const) {
          const share = side === 'long' ? flow.buy / flow.volume : 1 - flow.buy / flow.volume;
          for (const { leverage, weight } of DEFAULT_LEVERAGE_TIERS) {
            const price = liquidationPrice(
              { side, entryPrice, leverage, notional: TYPICAL_POSITION_USD },
              SHIPPED_BRACKETS[SYMBOL]!,
            );
            const bucket = this.buckets.indexOf(price);
            const usd = delta * entryPrice * share * weight;
            const level = this.levels.find((l) => l.side === side && l.bucket === bucket);
            if (level) {
              level.usd += usd;
              level.qty += usd / entryPrice;
            } else this.levels.push({ side, bucket, usd, qty: usd / entryPrice });
          }
        }
        this.sweep(this.last);
        this.swept = 0;
        break;
      }
      default:
    }
  }

  private sweep(price: number): void {
    const b = this.buckets!.indexOf(price);
    this.levels = this.levels.filter((l) => {
      const kept = l.side === 'long' ? l.bucket < b : l.bucket > b;
      if (!kept) this.swept += l.qty;
      return kept;
    });
  }
}

function throughput(events: MarketEvent[], ingest: (e: MarketEvent) => void): number {
  const ms = time(() => {
    for (const e of events) ingest(e);
  });
  return events.length / (ms / 1000);
}

// 1. Thirty days of history at 2 trades/s (memory and the long windows), streamed so only the engine stays in memory;
//    measured first, before the throughput runs leave garbage behind.
// Typed arrays (the column snapshots) live outside the JS heap: count both.
const used = () => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
gc();
const heapBefore = used();
const engine = new HeatmapEngine({ symbol: SYMBOL });
let historyEvents = 0;
const historyMs = time(() => {
  for (const e of syntheticEvents({
    symbol: SYMBOL,
    startPrice: 100_000,
    start: START,
    durationMs: 30 * 86_400_000,
    tradesPerSecond: 2,
    seed: 2,
  })) {
    engine.ingest(e);
    historyEvents++;
  }
});
gc();
gc();
const heapPerSymbol = used() - heapBefore;

// 2. Throughput on a live-like mix: 50 trades/s, a mark price each second, open interest every 3 s.
const mix = [
  ...syntheticEvents({
    symbol: SYMBOL,
    startPrice: 100_000,
    start: START,
    durationMs: 8 * 3_600_000,
    tradesPerSecond: 50,
    oiEveryMs: 3000,
    seed: 1,
  }),
];
const kinds = mix.reduce<Record<string, number>>((acc, e) => ((acc[e.kind] = (acc[e.kind] ?? 0) + 1), acc), {});
// The same market without mark prices (a replay without mark-price klines): then every trade is a consumption check.
const replayMix = mix.filter((e) => e.kind !== 'markPrice');
const rates = (events: MarketEvent[]) => {
  const engineRates: number[] = [];
  const naiveRates: number[] = [];
  for (let run = 0; run < 5; run++) {
    const model = new HeatmapEngine({ symbol: SYMBOL });
    engineRates.push(throughput(events, (e) => model.ingest(e)));
    const naive = new NaiveModel();
    naiveRates.push(throughput(events, (e) => naive.ingest(e)));
  }
  return { engine: median(engineRates), naive: median(naiveRates) };
};
const live = rates(mix);
const replay = rates(replayMix);

// 3. Heatmap builds on the 30-day engine.
const builds: Record<string, { p50: number; bytes: number; rows: number; cells: number }> = {};
for (const window of Object.keys(WINDOWS) as WindowName[]) {
  const runs: number[] = [];
  for (let i = 0; i < 15; i++) runs.push(time(() => engine.heatmap(window)));
  const heatmap = engine.heatmap(window)!;
  builds[window] = {
    p50: median(runs),
    bytes: Buffer.byteLength(JSON.stringify(heatmap)),
    rows: heatmap.rows,
    cells: heatmap.cells.length,
  };
}

// 4. The publisher's per-second work: build the frame, hash it (vs. SHA-1 of its JSON).
const frame = { ...engine.frame()!, stream: engine.symbol, exchanges: [engine.exchange] };
const per = (n: number, run: () => void) =>
  (time(() => {
    for (let i = 0; i < n; i++) run();
  }) *
    1000) /
  n;
const frameUs = per(200, () => engine.frame());
const hashUs = per(2000, () => contentHash(frame));
const sha1Us = per(2000, () => createHash('sha1').update(JSON.stringify(frame)).digest('hex'));

const f = (n: number, digits = 1) => n.toLocaleString('en-US', { maximumFractionDigits: digits });
const rows: [string, string][] = [
  ['machine', `${os.cpus()[0]?.model ?? '?'} × ${os.cpus().length}, Node ${process.version}`],
  [
    'throughput mix',
    `${f(mix.length, 0)} events: ${Object.entries(kinds)
      .map(([k, n]) => `${k} ${f(n, 0)}`)
      .join(', ')}`,
  ],
  [
    'ingest, live mix (mark prices consume), p50 of 5',
    `engine ${f(live.engine / 1e6, 2)} M events/s · naive ${f(live.naive / 1e6, 2)} M/s · ${f(live.engine / live.naive, 1)}×`,
  ],
  [
    'ingest, replay mix (trades consume), p50 of 5',
    `engine ${f(replay.engine / 1e6, 2)} M events/s · naive ${f(replay.naive / 1e6, 3)} M/s · ${f(replay.engine / replay.naive, 0)}×`,
  ],
  ['30-day history', `${f(historyEvents, 0)} events ingested in ${f(historyMs / 1000, 1)} s (incl. generating them)`],
  ['memory per symbol, 30 days (heap + array buffers)', `${f(heapPerSymbol / 2 ** 20, 1)} MiB`],
  ...(Object.entries(builds).map(([w, b]) => [
    `heatmap ${w} build p50`,
    `${f(b.p50, 1)} ms, ${f(b.bytes / 1000, 0)} KB JSON, ${b.rows} rows, ${f(b.cells, 0)} cells`,
  ]) as [string, string][]),
  [
    'frame() build',
    `${f(frameUs, 1)} µs (${frame.levels.length} levels, ${f(Buffer.byteLength(JSON.stringify(frame)) / 1000, 1)} KB JSON)`,
  ],
  ['contentHash(frame)', `${f(hashUs, 1)} µs (SHA-1 of JSON.stringify: ${f(sha1Us, 1)} µs)`],
];
console.log('| measure | result |\n|---|---|');
for (const [k, v] of rows) console.log(`| ${k} | ${v} |`);
