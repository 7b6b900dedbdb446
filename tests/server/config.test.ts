import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { argsToEnv, ConfigError, loadConfig, oneLine, settings } from '../../src/server/config.js';

const run = promisify(execFile);

describe('configuration', () => {
  it('has working defaults', () => {
    const config = loadConfig({});
    expect(config.PORT).toBe(4000);
    expect(config.SYMBOLS).toEqual(['BTCUSDT', 'ETHUSDT', 'SOLUSDT']);
    expect(config.WS_UPDATE_INTERVAL).toBe(1000);
    expect(config.WS_ENABLED).toBe(true);
  });

  it.each([
    ['PORT', 'eighty'],
    ['WS_MAX_CONNECTIONS', '-1'],
    ['WS_ENABLED', 'maybe'],
    ['SYMBOLS', 'btc usdt'],
    ['MARKET_SOURCE', 'ftx'],
    ['REDIS_URL', 'not a url'],
    ['LEVERAGE_TIERS', 'garbage'],
    ['LEVERAGE_TIERS', '10:30,10:5'],
  ])('rejects %s=%s with a message naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`^Invalid ${name}=`));
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
    const help = await run('npx', ['tsx', 'src/server/main.ts', '--help']);
    for (const name of Object.keys(settings)) expect(help.stdout).toContain(name);
    expect(help.stdout).toContain('--ws-max-connections');
    const bad = await run('npx', ['tsx', 'src/server/main.ts'], {
      env: { ...process.env, WS_UPDATE_INTERVAL: 'often' },
    }).catch((e: { code: number; stderr: string }) => e);
    expect(bad).toMatchObject({ code: 2 });
    expect((bad as { stderr: string }).stderr).toContain('Invalid WS_UPDATE_INTERVAL="often"');
  });
});
