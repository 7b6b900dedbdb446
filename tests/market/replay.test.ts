import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { MarketEvent } from '../../src/market/events.js';
import { ReplaySource, type ReplayOptions } from '../../src/market/replay.js';
import { ManualClock } from './manual-clock.js';

const FIXTURE_DIR = fileURLToPath(new URL('../fixtures/replay/', import.meta.url));
const T0 = Date.UTC(2024, 0, 1);

const sources: ReplaySource[] = [];
afterEach(async () => {
  await Promise.all(sources.splice(0).map((source) => source.stop()));
});

/** Replays at max speed and resolves with every event once the replay has finished. */
async function replayAll(
  options: Omit<ReplayOptions, 'speed'> & { speed?: never },
): Promise<{ events: MarketEvent[]; source: ReplaySource }> {
  const source = new ReplaySource({ ...options, speed: 'max' } as ReplayOptions);
  sources.push(source);
  const events: MarketEvent[] = [];
  await source.start((event) => events.push(event));
  await expect.poll(() => source.health().state).toBe('stopped');
  return { events, source };
}

const count = (events: MarketEvent[], symbol: string, kind: MarketEvent['kind']): number =>
  events.filter((e) => e.symbol === symbol && e.kind === kind).length;

describe('replay', () => {
  it('parses the fixture with headers (BTCUSDT) and without (ETHUSDT) into normalized events', async () => {
    const { events, source } = await replayAll({ symbols: ['BTCUSDT', 'ETHUSDT'], dir: FIXTURE_DIR });
    expect(source.health()).toMatchObject({
      source: 'replay',
      state: 'stopped',
      errors: 0,
      detail: 'replay finished: 67 events',
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
    // klines are final candles, stamped at their close.
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
    const { events } = await replayAll({ symbols: ['BTCUSDT', 'ETHUSDT'], dir: FIXTURE_DIR });
    const times = events.map((e) => e.time);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    // Interleaved, not file after file.
    const firstEth = events.findIndex((e) => e.symbol === 'ETHUSDT');
    const lastBtc = events.findLastIndex((e) => e.symbol === 'BTCUSDT');
    expect(firstEth).toBeLessThan(lastBtc);
    expect(events[2]).toMatchObject({ kind: 'openInterest', time: T0 });
  });

  it('takes explicit files per symbol just like a directory', async () => {
    const byDir = await replayAll({ symbols: ['BTCUSDT'], dir: FIXTURE_DIR });
    const byFiles = await replayAll({
      symbols: ['BTCUSDT'],
      files: {
        BTCUSDT: ['aggTrades', '1m', 'metrics'].map((kind) => join(FIXTURE_DIR, `BTCUSDT-${kind}-2024-01-01.csv`)),
      },
    });
    expect(byFiles.events).toEqual(byDir.events);
  });

  it('paces market time by the speed factor on the injected clock', async () => {
    const start = 1_000_000;
    const clock = new ManualClock(start);
    const source = new ReplaySource({ symbols: ['BTCUSDT'], dir: FIXTURE_DIR, speed: 60, clock });
    sources.push(source);
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
    const source = new ReplaySource({ symbols: ['BTCUSDT', 'ETHUSDT'], dir: FIXTURE_DIR, speed: 'max', clock });
    sources.push(source);
    const events: MarketEvent[] = [];
    await source.start((event) => events.push(event));
    await expect.poll(() => source.health().state).toBe('stopped');
    expect(events.length).toBe(2 + 67);
    expect(clock.pending).toBe(0);
    expect(source.health().lastEventAt).toBe(0);
  });

  it('counts and skips malformed rows, logging once per file, and replays the rest', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'replay-'));
    try {
      const good = await readFile(join(FIXTURE_DIR, 'BTCUSDT-aggTrades-2024-01-01.csv'), 'utf8');
      const lines = good.trimEnd().split('\n');
      lines.splice(
        3,
        0,
        '1898452199,not-a-price,0.1,1,2,1704067215000,false',
        '1898452198,42311.0,0.1,1,2,1704067215000,maybe',
      );
      lines.push('1898452197,42311.0,0.1', '');
      await writeFile(join(dir, 'BTCUSDT-aggTrades-2024-01-01.csv'), lines.join('\n'));
      const logLines: string[] = [];
      const logger = pino(
        { level: 'warn' },
        new Writable({
          write: (chunk, _enc, done) => {
            logLines.push(String(chunk));
            done();
          },
        }),
      );
      const source = new ReplaySource({ symbols: ['BTCUSDT'], dir, speed: 'max', logger });
      sources.push(source);
      const events: MarketEvent[] = [];
      await source.start((event) => events.push(event));
      await expect.poll(() => source.health().state).toBe('stopped');
      expect(source.health().errors).toBe(3);
      expect(events.filter((e) => e.kind === 'trade').length).toBe(29);
      const warnings = logLines.map((line) => JSON.parse(line) as { msg: string; line?: number });
      expect(warnings.filter((w) => w.msg === 'replay: malformed row skipped')).toEqual([
        expect.objectContaining({ line: 4 }),
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects start on a missing file or a symbol without files, with a clear message', async () => {
    const missing = new ReplaySource({
      symbols: ['BTCUSDT'],
      files: { BTCUSDT: [join(FIXTURE_DIR, 'nope.csv')] },
      speed: 1,
    });
    await expect(missing.start(() => {})).rejects.toThrow(/nope\.csv/);
    const noFiles = new ReplaySource({ symbols: ['DOGEUSDT'], dir: FIXTURE_DIR, speed: 1 });
    await expect(noFiles.start(() => {})).rejects.toThrow(/no CSV files for DOGEUSDT/);
    expect(() => new ReplaySource({ symbols: ['BTCUSDT'], dir: FIXTURE_DIR, speed: 0 })).toThrow(/speed/);
  });

  it('stop() ends a paced replay and clears its timer', async () => {
    const clock = new ManualClock(0);
    const source = new ReplaySource({ symbols: ['BTCUSDT'], dir: FIXTURE_DIR, speed: 1, clock });
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
