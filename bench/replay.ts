/**
 * Replay benchmark (npm run bench:replay): how fast `MARKET_SOURCE=replay REPLAY_SPEED=max` reads Binance's
 * archive. One day-sized aggTrades file, read as the unzipped CSV (the baseline), as the archive's zip, and
 * as the zip with its .CHECKSUM verified; then the zip replayed into a heatmap engine. Prints a table.
 */
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { HeatmapEngine } from '../src/heatmap/index.js';
import type { MarketEventSink } from '../src/market/events.js';
import { ReplaySource } from '../src/market/replay.js';
import { sha256, zipOf } from '../tests/support/archive-tree.js';

const ROWS = Number(process.argv[2] ?? 1_000_000);
const RUNS = 5;
const T0 = Date.UTC(2024, 0, 1);
const NAME = 'BTCUSDT-aggTrades-2024-01-01';

/** aggTrades rows of a calm day around 42,000 plus open interest every 5 minutes. */
function archiveCsv(): { trades: string; metrics: string } {
  const lines = ['agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker'];
  for (let i = 0; i < ROWS; i++) {
    const price = (42_000 + 300 * Math.sin(i / 50_000) + (i % 7)).toFixed(1);
    lines.push(
      `${1e9 + i},${price},${(0.001 + (i % 97) / 100).toFixed(3)},1,2,${T0 + Math.floor((i * 86_400_000) / ROWS)},${i % 3 === 0}`,
    );
  }
  const metrics = ['create_time,symbol,sum_open_interest,sum_open_interest_value'];
  for (let m = 0; m < 288; m++) {
    const time = new Date(T0 + m * 300_000).toISOString().replace('T', ' ').slice(0, 19);
    metrics.push(`${time},BTCUSDT,${(70_000 + 50 * Math.sin(m / 10)).toFixed(4)},0,0,0,0,0`);
  }
  return { trades: `${lines.join('\n')}\n`, metrics: `${metrics.join('\n')}\n` };
}

/** Seconds from start() to the end of the replay at speed 'max'. */
async function replaySeconds(dir: string, sink: MarketEventSink): Promise<number> {
  const source = new ReplaySource({ symbols: ['BTCUSDT'], dir, speed: 'max' });
  const t0 = performance.now();
  await source.start(sink);
  while (source.health().state !== 'stopped') await new Promise((resolve) => setTimeout(resolve, 5));
  const seconds = (performance.now() - t0) / 1000;
  await source.stop();
  return seconds;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const root = await mkdtemp(join(os.tmpdir(), 'bench-replay-'));
try {
  const { trades, metrics } = archiveCsv();
  const zip = await zipOf(`${NAME}.zip`, trades);
  const variants = {
    csv: join(root, 'csv'),
    zip: join(root, 'zip'),
    'zip + checksum': join(root, 'zip-checksum'),
  };
  for (const dir of Object.values(variants)) await mkdir(dir);
  await writeFile(join(variants.csv, `${NAME}.csv`), trades);
  await writeFile(join(variants.zip, `${NAME}.zip`), zip);
  await writeFile(join(variants['zip + checksum'], `${NAME}.zip`), zip);
  await writeFile(join(variants['zip + checksum'], `${NAME}.zip.CHECKSUM`), `${sha256(zip)}  ${NAME}.zip\n`);

  const csvBytes = (await stat(join(variants.csv, `${NAME}.csv`))).size;
  const rows: string[][] = [];
  let baseline = 0;
  for (const [variant, dir] of Object.entries(variants)) {
    let events = 0;
    const runs: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      events = 0;
      runs.push(await replaySeconds(dir, () => events++));
    }
    const seconds = median(runs);
    const rate = events / seconds;
    baseline ||= rate;
    rows.push([
      `read, ${variant}`,
      `${(rate / 1e6).toFixed(2)} M events/s`,
      `${(csvBytes / 1e6 / seconds).toFixed(0)} MB/s of CSV`,
      `${(rate / baseline).toFixed(2)}× the CSV`,
    ]);
  }

  // Into the model: the zip with the day's open interest, every event ingested.
  await writeFile(join(variants['zip + checksum'], 'BTCUSDT-metrics-2024-01-01.csv'), metrics);
  const runs: number[] = [];
  let events = 0;
  for (let r = 0; r < RUNS; r++) {
    const engine = new HeatmapEngine({ symbol: 'BTCUSDT' });
    events = 0;
    runs.push(
      await replaySeconds(variants['zip + checksum'], (event) => {
        events++;
        engine.ingest(event);
      }),
    );
  }
  rows.push([
    'replay into a heatmap engine, zip + checksum',
    `${(events / median(runs) / 1e6).toFixed(2)} M events/s`,
    '',
    '',
  ]);

  console.log(
    `| measure (${ROWS.toLocaleString('en')} aggTrades rows, ${(csvBytes / 1e6).toFixed(0)} MB CSV, ${(zip.length / 1e6).toFixed(0)} MB zip; p50 of ${RUNS}) | rate | throughput | vs baseline |`,
  );
  console.log('|---|---|---|---|');
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
  console.log(
    `\nmachine: ${os.cpus()[0]?.model ?? 'unknown'} × ${os.cpus().length}, Node ${process.version}, load ${os.loadavg()[0]!.toFixed(1)}`,
  );
} finally {
  await rm(root, { recursive: true, force: true });
}
