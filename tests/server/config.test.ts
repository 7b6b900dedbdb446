import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { argsToEnv, ConfigError, loadConfig, oneLine, settings } from '../../src/server/config.js';
import { archiveTree, dailyPath } from '../support/archive-tree.js';
import { REPLAY_FIXTURE_DIR } from '../support/replay-fixture.js';

const execute = promisify(execFile);
/**
 * `src/server/main.ts` with these arguments, through tsx's loader in this node: not `npx tsx`, whose
 * npm start-up alone took seconds of a loaded 2-core machine's CPU, twice per test.
 */
const runMain = (args: string[], env: NodeJS.ProcessEnv = process.env) =>
  execute(process.execPath, ['--import', 'tsx', 'src/server/main.ts', ...args], { env });

describe('configuration', () => {
  it('has working defaults', () => {
    const config = loadConfig({});
    expect(config.PORT).toBe(4000);
    expect(config.SYMBOLS).toEqual(['BTCUSDT', 'ETHUSDT', 'SOLUSDT']);
    expect(config.WS_UPDATE_INTERVAL).toBe(1000);
    expect(config.WS_ENABLED).toBe(true);
    expect(config.EXCHANGES).toEqual(['binance', 'bybit', 'okx']);
    expect(loadConfig({ EXCHANGES: 'okx, binance,okx' }).EXCHANGES).toEqual(['okx', 'binance']);
  });

  it.each([
    ['PORT', 'eighty'],
    ['WS_MAX_CONNECTIONS', '-1'],
    ['WS_ENABLED', 'maybe'],
    ['SYMBOLS', 'btc usdt'],
    ['MARKET_SOURCE', 'ftx'],
    ['MARKET_SOURCE', 'binance'],
    ['EXCHANGES', 'binance,ftx'],
    ['EXCHANGES', ''],
    ['REDIS_URL', 'not a url'],
    ['LEVERAGE_TIERS', 'garbage'],
    ['LEVERAGE_TIERS', '10:30,10:5'],
  ])('rejects %s=%s with a message naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`^Invalid ${name}=`));
  });

  it('tells an operator with a pre-aggregation MARKET_SOURCE what replaced it', () => {
    expect(() => loadConfig({ MARKET_SOURCE: 'okx' })).toThrow(
      /^Invalid MARKET_SOURCE="okx": a live exchange is now MARKET_SOURCE=live with EXCHANGES=okx$/,
    );
  });

  it('parses LEVERAGE_TIERS at start, normalized; a replay needs its folder', () => {
    expect(loadConfig({ LEVERAGE_TIERS: '10:1,20:3' }).LEVERAGE_TIERS).toEqual([
      { leverage: 10, weight: 0.25 },
      { leverage: 20, weight: 0.75 },
    ]);
    expect(() => loadConfig({ LEVERAGE_TIERS: '10:30,10:5' })).toThrow(/listed twice/);
    expect(() => loadConfig({ MARKET_SOURCE: 'replay' })).toThrow(
      /^Invalid REPLAY_DIR: required when MARKET_SOURCE=replay$/,
    );
  });

  it('oneLine escapes control characters', () => {
    expect(oneLine('a\nb\u0007c\u001b[2J')).toBe('a\\x0ab\\x07c\\x1b[2J');
  });

  it('maps --flags onto the env names, flags winning', () => {
    expect(argsToEnv(['--port', '5000', '--ws-enabled=false'])).toEqual({ PORT: '5000', WS_ENABLED: 'false' });
    expect(() => argsToEnv(['--nope', '1'])).toThrow(ConfigError);
  });

  it('--help lists every option and env var; a bad value stops the process naming it', async () => {
    const help = await runMain(['--help']);
    for (const name of Object.keys(settings)) expect(help.stdout).toContain(name);
    expect(help.stdout).toContain('--ws-max-connections');
    const bad = await runMain([], { ...process.env, WS_UPDATE_INTERVAL: 'often' }).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect(bad).toMatchObject({ code: 2 });
    expect((bad as { stderr: string }).stderr).toContain('Invalid WS_UPDATE_INTERVAL="often"');
  });
});

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function tempTree(files: Record<string, string>): Promise<string> {
  const { dir, remove } = await archiveTree(files);
  cleanups.push(remove);
  return dir;
}

describe('replay settings', () => {
  const replay = (env: Record<string, string>) =>
    loadConfig({ MARKET_SOURCE: 'replay', SYMBOLS: 'BTCUSDT,ETHUSDT', ...env });

  it('takes a folder with price files for every symbol, and an optional UTC range', () => {
    const config = replay({ REPLAY_DIR: REPLAY_FIXTURE_DIR, REPLAY_FROM: '2024-01-01', REPLAY_TO: '2024-01-01T00:10' });
    expect([config.REPLAY_FROM, config.REPLAY_TO]).toEqual([Date.UTC(2024, 0, 1), Date.UTC(2024, 0, 1, 0, 10)]);
    expect(replay({ REPLAY_DIR: REPLAY_FIXTURE_DIR }).REPLAY_FROM).toBeNull();
  });

  it.each([
    [{}, /^Invalid REPLAY_DIR: required when MARKET_SOURCE=replay$/],
    [{ REPLAY_DIR: '/nonexistent/archive' }, /^Invalid REPLAY_DIR="\/nonexistent\/archive": cannot read .*ENOENT/],
    [
      { REPLAY_DIR: REPLAY_FIXTURE_DIR, SYMBOLS: 'BTCUSDT,SOLUSDT' },
      /no aggTrades, klines or markPriceKlines files for SOLUSDT/,
    ],
    [
      { REPLAY_DIR: REPLAY_FIXTURE_DIR, REPLAY_FROM: '2024-01-02' },
      /for BTCUSDT .* between 2024-01-02T00:00:00.000Z and …/,
    ],
    [
      { REPLAY_DIR: REPLAY_FIXTURE_DIR, REPLAY_FROM: '2024-01-01T10:00Z', REPLAY_TO: '2024-01-01' },
      /^Invalid REPLAY_TO: must be after REPLAY_FROM$/,
    ],
    [
      { REPLAY_DIR: REPLAY_FIXTURE_DIR, REPLAY_FROM: 'yesterday' },
      /^Invalid REPLAY_FROM="yesterday": UTC times look like/,
    ],
    [{ REPLAY_DIR: REPLAY_FIXTURE_DIR, REPLAY_TO: '2024-13-01' }, /^Invalid REPLAY_TO="2024-13-01": not a real date/],
  ])('rejects %j with a one-line reason', (env, message) => {
    expect(() => replay(env)).toThrow(ConfigError);
    expect(() => replay(env)).toThrow(message);
  });

  it('a settings problem exits 2 with one line before listening', async () => {
    const dir = await tempTree({ [dailyPath('trades', 'BTCUSDT', '2024-01-01')]: 'id,price\n' });
    const bad = await runMain(['--port', '0', '--symbols', 'BTCUSDT'], {
      ...process.env,
      MARKET_SOURCE: 'replay',
      REPLAY_DIR: dir,
    }).catch((e: { code: number; stdout: string; stderr: string }) => e);
    expect(bad).toMatchObject({ code: 2, stdout: '' });
    const stderr = (bad as { stderr: string }).stderr;
    expect(stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        /^Configuration error: Invalid REPLAY_DIR=".*": no aggTrades, klines or markPriceKlines files for BTCUSDT in /,
      ),
    ]);
  });
});

describe('MARGIN_BRACKETS_FILE', () => {
  /** Binance's GET /fapi/v1/leverageBracket response shape (numbers), two brackets of a made-up newer table. */
  const response = (cum2: number) =>
    JSON.stringify([
      {
        symbol: 'BTCUSDT',
        brackets: [
          {
            bracket: 2,
            initialLeverage: 100,
            notionalCap: 900_000,
            notionalFloor: 400_000,
            maintMarginRatio: 0.005,
            cum: cum2,
          },
          { bracket: 1, initialLeverage: 150, notionalCap: 400_000, notionalFloor: 0, maintMarginRatio: 0.004, cum: 0 },
        ],
      },
    ]);

  it('loads the tables of the leverageBracket response, brackets in notional order', async () => {
    const dir = await tempTree({});
    const file = join(dir, 'brackets.json');
    // cum_2 = 400,000 · (0.005 − 0.004) + 0 = 400.
    await writeFile(file, response(400));
    expect(loadConfig({ MARGIN_BRACKETS_FILE: file }).MARGIN_BRACKETS_FILE).toEqual({
      BTCUSDT: [
        { notionalFloor: 0, notionalCap: 400_000, maxLeverage: 150, maintMarginRatio: 0.004, cum: 0 },
        { notionalFloor: 400_000, notionalCap: 900_000, maxLeverage: 100, maintMarginRatio: 0.005, cum: 400 },
      ],
    });
    expect(loadConfig({}).MARGIN_BRACKETS_FILE).toEqual({});
  });

  it('rejects a missing file, non-JSON, another shape or a broken table, naming the problem', async () => {
    const dir = await tempTree({});
    const file = join(dir, 'brackets.json');
    const load = () => loadConfig({ MARGIN_BRACKETS_FILE: file });
    expect(load).toThrow(/^Invalid MARGIN_BRACKETS_FILE=".*brackets\.json": ENOENT/);
    await writeFile(file, '{"symbol":');
    expect(load).toThrow(/: not JSON/);
    await writeFile(file, JSON.stringify({ symbol: 'BTCUSDT', brackets: [{ notionalFloor: 0 }] }));
    expect(load).toThrow(/not the response of GET \/fapi\/v1\/leverageBracket: .* at 0\.brackets\.0\.notionalCap/);
    await writeFile(file, response(450));
    expect(load).toThrow(/BTCUSDT: margin bracket 2 .*cum 450 breaks the recurrence \(expected 400/);
  });
});
