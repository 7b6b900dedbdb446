import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { argsToEnv, ConfigError, loadConfig, settings } from '../../src/server/config.js';

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
  ])('rejects %s=%s with a message naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`^Invalid ${name}=`));
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
