import { readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { MarketEvent } from '../../src/market/events.js';
import { ReplaySource, type ReplayOptions } from '../../src/market/replay.js';
import { archiveTree, dailyPath, zipOf } from '../support/archive-tree.js';
import { REPLAY_FIXTURE_DIR, replayFixture } from '../support/replay-fixture.js';
import { ManualClock } from './manual-clock.js';

const T0 = Date.UTC(2024, 0, 1);

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

/** A temp archive folder removed after the test. */
async function tree(files: Record<string, string>): Promise<string> {
  const { dir, remove } = await archiveTree(files);
  cleanups.push(remove);
  return dir;
}

/** A pino logger whose lines the test can read. */
function capturingLogger() {
  const lines: Array<{ level: number; msg: string }> = [];
  const logger = pino(
    { level: 'info' },
    new Writable({
      write: (chunk, _enc, done) => {
        lines.push(JSON.parse(String(chunk)) as { level: number; msg: string });
        done();
      },
    }),
  );
  const at = (level: number) => lines.filter((line) => line.level === level).map((line) => line.msg);
  return { logger, info: () => at(30), warnings: () => at(40), errors: () => at(50) };
}

/** Replays at max speed and resolves with every event once the replay has finished. */
async function replayAll(
  options: Omit<ReplayOptions, 'speed'>,
): Promise<{ events: MarketEvent[]; source: ReplaySource }> {
  const source = new ReplaySource({ ...options, speed: 'max' });
  cleanups.push(() => source.stop());
  const events: MarketEvent[] = [];
  await source.start((event) => events.push(event));
  await expect.poll(() => source.health().state).toBe('stopped');
  return { events, source };
}

const count = (events: MarketEvent[], symbol: string, kind: MarketEvent['kind']): number =>
  events.filter((e) => e.symbol === symbol && e.kind === kind).length;

/** The six fixture CSVs placed in the archive's tree as zips with checksums. */
async function fixtureTree(extra: Record<string, string> = {}): Promise<string> {
  const files: Record<string, string> = {};
  for (const symbol of ['BTCUSDT', 'ETHUSDT']) {
    files[dailyPath('aggTrades', symbol, '2024-01-01')] = await replayFixture(`${symbol}-aggTrades-2024-01-01.csv`);
    files[dailyPath('klines', symbol, '2024-01-01')] = await replayFixture(`${symbol}-1m-2024-01-01.csv`);
    files[dailyPath('metrics', symbol, '2024-01-01')] = await replayFixture(`${symbol}-metrics-2024-01-01.csv`);
  }
  return tree({ ...files, ...extra });
}

describe('replay of flat CSV files', () => {
  it('parses the fixture with headers (BTCUSDT) and without (ETHUSDT) into normalized events', async () => {
    const { events, source } = await replayAll({ symbols: ['BTCUSDT', 'ETHUSDT'], dir: REPLAY_FIXTURE_DIR });
    expect(source.health()).toMatchObject({
      source: 'replay',
      state: 'stopped',
      errors: 0,
      detail:
        'replay finished: 67 events (41 trades, 20 klines, 0 mark-price klines, 6 open-interest points) ' +
        'from 6 file(s); 0 file(s) failed, 0 malformed row(s) skipped',
    });
    // The archive's prices are on Binance's tick: the default symbols' ticks come first.
    expect(events.slice(0, 2)).toEqual([
      { kind: 'instrument', symbol: 'BTCUSDT', time: T0, tickSize: 0.1 },
      { kind: 'instrument', symbol: 'ETHUSDT', time: T0, tickSize: 0.01 },
    ]);
    expect([
      count(events, 'BTCUSDT', 'trade'),
      count(events, 'BTCUSDT', 'kline'),
      count(events, 'BTCUSDT', 'openInterest'),
    ]).toEqual([29, 15, 4]);
    expect([
      count(events, 'ETHUSDT', 'trade'),
      count(events, 'ETHUSDT', 'kline'),
      count(events, 'ETHUSDT', 'openInterest'),
    ]).toEqual([12, 5, 2]);

    // aggTrades: 1898452101,42310.0,0.500,…,1704067201200,false → is_buyer_maker false = taker buy.
    expect(events.find((e) => e.kind === 'trade' && e.symbol === 'BTCUSDT')).toEqual({
      kind: 'trade',
      symbol: 'BTCUSDT',
      time: 1704067201200,
      price: 42310,
      qty: 0.5,
      takerBuy: true,
    });
    // …,1704067226531,true → taker sell (headerless file).
    expect(events.find((e) => e.kind === 'trade' && e.time === 1704067226531)).toMatchObject({
      symbol: 'ETHUSDT',
      price: 2281.94,
      qty: 17.937,
      takerBuy: false,
    });
    // klines are final candles, stamped at their close, with the quote volume for the exact VWAP.
    expect(events.find((e) => e.kind === 'kline' && e.symbol === 'ETHUSDT')).toEqual({
      kind: 'kline',
      symbol: 'ETHUSDT',
      time: 1704067259999,
      openTime: 1704067200000,
      closeTime: 1704067259999,
      open: 2281.5,
      high: 2283.02,
      low: 2281.23,
      close: 2282.03,
      volume: 1099.096,
      quoteVolume: 2508170.04488,
      takerBuyVolume: 545.592,
      closed: true,
    });
    // metrics: create_time is UTC text; sum_open_interest is the OI in base asset.
    expect(events.filter((e) => e.kind === 'openInterest' && e.symbol === 'BTCUSDT')).toEqual(
      [70000, 70010, 70005, 70009].map((openInterest, i) => ({
        kind: 'openInterest',
        symbol: 'BTCUSDT',
        time: T0 + i * 300_000,
        openInterest,
      })),
    );
  });

  it('merges all files of all symbols in time order', async () => {
    const { events } = await replayAll({ symbols: ['BTCUSDT', 'ETHUSDT'], dir: REPLAY_FIXTURE_DIR });
    const times = events.map((e) => e.time);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    // Interleaved, not file after file.
    const firstEth = events.findIndex((e) => e.symbol === 'ETHUSDT');
    const lastBtc = events.findLastIndex((e) => e.symbol === 'BTCUSDT');
    expect(firstEth).toBeLessThan(lastBtc);
    expect(events[2]).toMatchObject({ kind: 'openInterest', time: T0 });
  });

  it('paces market time by the speed factor on the injected clock', async () => {
    const start = 1_000_000;
    const clock = new ManualClock(start);
    const source = new ReplaySource({ symbols: ['BTCUSDT'], dir: REPLAY_FIXTURE_DIR, speed: 60, clock });
    cleanups.push(() => source.stop());
    const events: MarketEvent[] = [];
    await source.start((event) => events.push(event));
    // The tick and the first event (OI at T0) are due at once; each later one at start + (time − T0) / 60.
    await expect.poll(() => clock.pending).toBe(1);
    expect(events.map((e) => [e.kind, e.time])).toEqual([
      ['instrument', T0],
      ['openInterest', T0],
    ]);
    for (let step = 0; step < 12; step++) {
      await expect.poll(() => clock.pending).toBe(1);
      const delivered = events.length;
      const due = clock.nextDueAt!;
      clock.advance(due - clock.now() - 1);
      expect(events.length).toBe(delivered);
      clock.advance(1);
      await expect.poll(() => events.length).toBeGreaterThan(delivered);
      expect(events.at(-1)!.time - T0).toBeCloseTo((due - start) * 60, -1);
    }
    // 12 market events in: the replay is a few minutes into the data after a few seconds of clock.
    expect(clock.now() - start).toBeLessThan(10_000);
    expect(events.at(-1)!.time - T0).toBeGreaterThan(60_000);
  });

  it("at speed 'max' never waits on the clock", async () => {
    const clock = new ManualClock(0);
    const source = new ReplaySource({ symbols: ['BTCUSDT', 'ETHUSDT'], dir: REPLAY_FIXTURE_DIR, speed: 'max', clock });
    cleanups.push(() => source.stop());
    const events: MarketEvent[] = [];
    await source.start((event) => events.push(event));
    await expect.poll(() => source.health().state).toBe('stopped');
    expect(events.length).toBe(2 + 67);
    expect(clock.pending).toBe(0);
    expect(source.health().lastEventAt).toBe(0);
  });

  it('stop() ends a paced replay and clears its timer', async () => {
    const clock = new ManualClock(0);
    const source = new ReplaySource({ symbols: ['BTCUSDT'], dir: REPLAY_FIXTURE_DIR, speed: 1, clock });
    const events: MarketEvent[] = [];
    await source.start((event) => events.push(event));
    await expect.poll(() => clock.pending).toBe(1);
    await source.stop();
    expect(clock.pending).toBe(0);
    expect(source.health().state).toBe('stopped');
    clock.advance(3_600_000);
    expect(events.map((e) => e.kind)).toEqual(['instrument', 'openInterest']);
  });
});

describe('replay of the archive as downloaded', () => {
  it('reads the zipped daily tree exactly like the flat CSVs, checksums verified', async () => {
    const dir = await fixtureTree();
    const flat = await replayAll({ symbols: ['BTCUSDT', 'ETHUSDT'], dir: REPLAY_FIXTURE_DIR });
    const zipped = await replayAll({ symbols: ['BTCUSDT', 'ETHUSDT'], dir });
    expect(zipped.events).toEqual(flat.events);
    expect(zipped.source.health().errors).toBe(0);
    expect(await readdir(join(dir, 'data/futures/um/daily/klines/BTCUSDT/1m'))).toEqual([
      'BTCUSDT-1m-2024-01-01.zip',
      'BTCUSDT-1m-2024-01-01.zip.CHECKSUM',
    ]);
  });

  it('tells mark-price klines from klines by their folder and skips other types with one warning each', async () => {
    const { logger, warnings, info } = capturingLogger();
    const row = (open: number, low: number) =>
      `${T0 + open},42300.0,42310.0,${low},42305.0,0,${T0 + open + 59_999},0,60,0,0,0`;
    const dir = await fixtureTree({
      [dailyPath('markPriceKlines', 'BTCUSDT', '2024-01-01')]: `${row(0, 42290)}\n${row(60_000, 42280.5)}\n`,
      [dailyPath('indexPriceKlines', 'BTCUSDT', '2024-01-01')]: row(0, 42290),
      [dailyPath('trades', 'BTCUSDT', '2024-01-01')]: 'id,price,qty,quote_qty,time,is_buyer_maker\n',
      [dailyPath('trades', 'BTCUSDT', '2024-01-02')]: 'id,price,qty,quote_qty,time,is_buyer_maker\n',
      [dailyPath('bookTicker', 'ETHUSDT', '2024-01-01')]: '',
      'README.txt': 'not data',
    });
    const { events, source } = await replayAll({ symbols: ['BTCUSDT', 'ETHUSDT'], dir, logger });
    expect(events.filter((e) => e.kind === 'markPriceKline')).toEqual([
      {
        kind: 'markPriceKline',
        symbol: 'BTCUSDT',
        time: T0 + 59_999,
        openTime: T0,
        open: 42300,
        high: 42310,
        low: 42290,
        close: 42305,
      },
      expect.objectContaining({ time: T0 + 119_999, low: 42280.5 }),
    ]);
    expect(count(events, 'BTCUSDT', 'kline')).toBe(15);
    expect(warnings()).toEqual([
      'replay: 1 bookTicker file(s) skipped: replay reads aggTrades, klines, markPriceKlines, metrics',
      'replay: 1 indexPriceKlines file(s) skipped: replay reads aggTrades, klines, markPriceKlines, metrics',
      'replay: 2 trades file(s) skipped: replay reads aggTrades, klines, markPriceKlines, metrics',
    ]);
    expect(info()).toEqual([
      'replay: reading 2 aggTrades, 2 klines, 1 markPriceKlines, 2 metrics file(s) for BTCUSDT, ETHUSDT',
      'replay finished: 69 events (41 trades, 20 klines, 2 mark-price klines, 6 open-interest points) ' +
        'from 7 file(s); 0 file(s) failed, 0 malformed row(s) skipped',
    ]);
    expect(source.health().errors).toBe(0);
  });

  it('replays only REPLAY_FROM ≤ time < REPLAY_TO, and never opens files outside the range', async () => {
    const dir = await fixtureTree({
      // Outside the range: a broken file here would be an error if it were opened.
      [dailyPath('aggTrades', 'BTCUSDT', '2024-01-02', 'csv')]: 'agg_trade_id,nonsense\n',
    });
    const from = T0 + 5 * 60_000;
    const to = T0 + 10 * 60_000;
    const { events, source } = await replayAll({ symbols: ['BTCUSDT'], dir, range: { from, to } });
    expect(source.health().errors).toBe(0);
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((e) => e.time >= from && e.time < to)).toBe(true);
    expect(events.filter((e) => e.kind === 'openInterest').map((e) => e.time)).toEqual([from]);
    // Klines stamped 00:05:59.999 … 00:09:59.999.
    expect(count(events, 'BTCUSDT', 'kline')).toBe(5);
  });

  it('reads monthly files, a headerless zip, and each period once', async () => {
    const { logger, warnings } = capturingLogger();
    const klines = await replayFixture('BTCUSDT-1m-2024-01-01.csv');
    const headerless = klines.split('\n').slice(1).join('\n');
    const dir = await tree({
      // The month holds the day: the daily copy is left out. A .csv beside its .zip is too.
      'data/futures/um/monthly/klines/BTCUSDT/1m/BTCUSDT-1m-2024-01.zip': headerless,
      [dailyPath('klines', 'BTCUSDT', '2024-01-01')]: klines,
      [dailyPath('aggTrades', 'BTCUSDT', '2024-01-01')]: await replayFixture('BTCUSDT-aggTrades-2024-01-01.csv'),
      [dailyPath('aggTrades', 'BTCUSDT', '2024-01-01', 'csv')]: await replayFixture('BTCUSDT-aggTrades-2024-01-01.csv'),
      // A coarser interval of the same type is left out as well.
      'data/futures/um/daily/klines/BTCUSDT/5m/BTCUSDT-5m-2024-01-01.zip': klines,
    });
    const { events, source } = await replayAll({ symbols: ['BTCUSDT'], dir, logger });
    expect([count(events, 'BTCUSDT', 'kline'), count(events, 'BTCUSDT', 'trade')]).toEqual([15, 29]);
    expect(source.health().errors).toBe(0);
    expect(warnings()).toEqual([
      'replay: 1 BTCUSDT aggTrades file(s) skipped: the same period is read from a monthly file or a .zip',
      'replay: 1 BTCUSDT klines file(s) of 5m skipped: the finest interval is read',
      'replay: 1 BTCUSDT klines file(s) skipped: the same period is read from a monthly file or a .zip',
    ]);
  });

  it('replays an open-interest time repeated across metrics day files once', async () => {
    const header = (await replayFixture('BTCUSDT-metrics-2024-01-01.csv')).split('\n')[0]!;
    const dir = await tree({
      [dailyPath('aggTrades', 'BTCUSDT', '2024-01-01')]: await replayFixture('BTCUSDT-aggTrades-2024-01-01.csv'),
      [dailyPath('metrics', 'BTCUSDT', '2024-01-01')]:
        `${header}\n2024-01-01 23:55:00,BTCUSDT,70000,0,0,0,0,0\n2024-01-02 00:00:00,BTCUSDT,70010,0,0,0,0,0\n`,
      [dailyPath('metrics', 'BTCUSDT', '2024-01-02')]:
        `${header}\n2024-01-02 00:00:00,BTCUSDT,70012,0,0,0,0,0\n2024-01-02 00:05:00,BTCUSDT,70020,0,0,0,0,0\n`,
    });
    const { events, source } = await replayAll({ symbols: ['BTCUSDT'], dir });
    expect(
      events.filter((e) => e.kind === 'openInterest').map((e) => e.kind === 'openInterest' && e.openInterest),
    ).toEqual([70000, 70010, 70020]);
    expect(source.health().errors).toBe(0);
  });

  it('a zip whose data is corrupt: an error naming the file and the row reached, the rows before it replayed', async () => {
    const { logger, errors } = capturingLogger();
    const rows = Array.from({ length: 20_000 }, (_, i) => `${i + 1},42310.${i % 10},0.5,1,2,${T0 + i},false`);
    const dir = await tree({});
    const path = join(dir, 'BTCUSDT-aggTrades-2024-01-01.zip');
    const zip = await zipOf(path, rows.join('\n'));
    // Bytes in the middle of the compressed data overwritten; no .CHECKSUM to catch it first.
    await writeFile(path, Buffer.concat([zip.subarray(0, 2000), Buffer.alloc(500, 7), zip.subarray(2500)]));
    const { events, source } = await replayAll({ symbols: ['BTCUSDT'], dir, logger });
    expect(events.length).toBeGreaterThan(0);
    expect(events.length).toBeLessThan(20_000);
    expect(source.health().errors).toBeGreaterThanOrEqual(1);
    expect(errors()).toEqual([
      expect.stringMatching(
        new RegExp(`^replay: ${path} after row \\d+: .+; file skipped, the rest of the archive is replayed$`),
      ),
    ]);
  });

  it('bad input: a clear error naming the file and row, and the rest of the archive is replayed', async () => {
    const { logger, errors, warnings } = capturingLogger();
    const trades = await replayFixture('BTCUSDT-aggTrades-2024-01-01.csv');
    const garbage = trades.trimEnd().split('\n');
    garbage.splice(3, 0, '1898452199,not-a-price,0.1,1,2,1704067215000,false', 'garbage');
    const dir = await fixtureTree({
      // Garbage rows in the BTC trades (rows 4 and 5), the rest of the file is read.
      [dailyPath('aggTrades', 'BTCUSDT', '2024-01-01')]: garbage.join('\n'),
      // ETH metrics with the header of another type.
      [dailyPath('metrics', 'ETHUSDT', '2024-01-01')]: 'agg_trade_id,price\n2024-01-01 00:00:00,ETHUSDT,1,1\n',
    });
    // A truncated zip (the download broke off) and a zip whose checksum does not match.
    const klines = join(dir, dailyPath('klines', 'BTCUSDT', '2024-01-01'));
    const whole = await readFile(klines);
    await writeFile(klines, whole.subarray(0, whole.length - 40));
    await rm(`${klines}.CHECKSUM`); // else the checksum would catch it first
    const ethKlines = join(dir, dailyPath('klines', 'ETHUSDT', '2024-01-01'));
    await writeFile(
      ethKlines,
      await zipOf(ethKlines, (await replayFixture('ETHUSDT-1m-2024-01-01.csv')).slice(0, 200)),
    );

    const { events, source } = await replayAll({ symbols: ['BTCUSDT', 'ETHUSDT'], dir, logger });
    expect([count(events, 'BTCUSDT', 'trade'), count(events, 'BTCUSDT', 'kline')]).toEqual([29, 0]);
    expect([count(events, 'ETHUSDT', 'trade'), count(events, 'ETHUSDT', 'openInterest')]).toEqual([12, 0]);
    expect(count(events, 'BTCUSDT', 'openInterest')).toBe(4);
    expect(source.health().errors).toBe(5);
    const btcKlines = join(dir, dailyPath('klines', 'BTCUSDT', '2024-01-01'));
    expect(errors()).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/: sha256 [0-9a-f]{64} does not match ETHUSDT-1m-2024-01-01\.zip\.CHECKSUM \(/),
        expect.stringContaining(`replay: ${btcKlines}: not a readable zip (`),
        `replay: ${join(dir, dailyPath('metrics', 'ETHUSDT', '2024-01-01'))} row 1: header "agg_trade_id,price" is not the metrics header "${'create_time,symbol,sum_open_interest,sum_open_interest_value,count_toptrader_long_short_ratio,sum_toptrader_long_short_ratio,count_long_short_ratio,sum_taker_long_short_vol_ratio'}"; file skipped, the rest of the archive is replayed`,
      ]),
    );
    expect(errors()).toHaveLength(3);
    expect(errors().find((e) => e.includes('sha256'))).toMatch(new RegExp(`^replay: ${ethKlines}: `));
    expect(warnings()).toEqual([
      `replay: ${join(dir, dailyPath('aggTrades', 'BTCUSDT', '2024-01-01'))}: 2 malformed row(s) skipped, first at row 4: 1898452199,not-a-price,0.1,1,2,1704067215000,false`,
    ]);
  });

  it('a missing folder or a symbol without price files rejects start with the reason', async () => {
    const dir = await fixtureTree();
    const doge = new ReplaySource({ symbols: ['BTCUSDT', 'DOGEUSDT'], dir, speed: 1 });
    await expect(doge.start(() => {})).rejects.toThrow(
      /^no aggTrades, klines or markPriceKlines files for DOGEUSDT in .* \(expected the archive's tree/,
    );
    const late = new ReplaySource({ symbols: ['BTCUSDT'], dir, speed: 1, range: { from: T0 + 86_400_000, to: null } });
    await expect(late.start(() => {})).rejects.toThrow(/BTCUSDT .* between 2024-01-02T00:00:00.000Z and …/);
    const missing = new ReplaySource({ symbols: ['BTCUSDT'], dir: join(dir, 'nope'), speed: 1 });
    await expect(missing.start(() => {})).rejects.toThrow(/^cannot read .*nope: ENOENT/);
    expect(() => new ReplaySource({ symbols: ['BTCUSDT'], dir, speed: 0 })).toThrow(/speed/);
  });
});
