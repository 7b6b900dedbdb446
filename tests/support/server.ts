import { startApp, type App } from '../../src/server/app.js';
import { loadConfig, type Config } from '../../src/server/config.js';
import { createLogger } from '../../src/server/logger.js';

export interface TestServer extends App {
  config: Config;
  /** ws://…/graphql */
  wsUrl: string;
  /** http://…/graphql */
  httpUrl: string;
}

/**
 * The real server in this process on a free port (simulator, 2 h of history, fast ticks unless
 * overridden). Env-style overrides, exactly as an operator would set them.
 */
export async function startTestServer(overrides: Record<string, string> = {}): Promise<TestServer> {
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    SYMBOLS: 'BTCUSDT,ETHUSDT',
    HISTORY_HOURS: '2',
    WS_UPDATE_INTERVAL: '0.2',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    CLIENT_DIST: 'client/dist',
    ...overrides,
  });
  const app = await startApp(config, createLogger(config.LOG_LEVEL));
  return Object.assign(app, {
    config,
    wsUrl: `ws://127.0.0.1:${app.port}/graphql`,
    httpUrl: `http://127.0.0.1:${app.port}/graphql`,
    url: `http://127.0.0.1:${app.port}`,
  });
}
