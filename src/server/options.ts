import { WINDOW_NAMES, WINDOWS } from '../heatmap/index.js';
import type { Exchange, MarketSourceOptions } from '../market/index.js';
import type { FanOutOptions } from '../stream/fanout.js';
import type { Config } from './config.js';
import { WARM_UP_MS } from './history-plan.js';
import type { WebSocketOptions } from './websocket.js';
import type { YogaOptions } from './yoga.js';

/**
 * Each module's typed options from the validated settings: the one place where the settings' names
 * (config.ts) meet the modules. app.ts wires the server with these; tests/support/streaming-harness.ts
 * builds the same modules from the same mapping.
 */

/** The exchanges that run: EXCHANGES, but Binance alone for a replay of its archive. */
export function configuredExchanges(config: Config): Exchange[] {
  return config.MARKET_SOURCE === 'replay' ? ['binance'] : config.EXCHANGES;
}

/** One source per configured exchange (docs/exchange-sources.md). */
export function marketSourceOptions(config: Config): MarketSourceOptions[] {
  return configuredExchanges(config).map((exchange) => sourceOptions(config, exchange));
}

const HOUR = 3_600_000;

/** The history `start` delivers (the rest is loaded in the background, historyBackfillOptions). */
function recentHistoryMs(config: Config): number {
  return Math.min(config.HISTORY_START_HOURS, config.HISTORY_HOURS) * HOUR;
}

function sourceOptions(config: Config, exchange: Exchange): MarketSourceOptions {
  const symbols = config.SYMBOLS;
  const historyMs = recentHistoryMs(config);
  const targetMs = config.HISTORY_HOURS * HOUR;
  if (config.MARKET_SOURCE === 'simulator')
    return {
      source: 'simulator',
      exchange,
      symbols,
      seed: config.SIM_SEED,
      historyMs,
      // Older history only when the background backfill will ask for it (historyBackfillOptions).
      historyReachMs: targetMs > historyMs ? targetMs + WARM_UP_MS : historyMs,
    };
  if (config.MARKET_SOURCE === 'replay')
    return {
      source: 'replay',
      symbols,
      dir: config.REPLAY_DIR,
      speed: config.REPLAY_SPEED,
      range: { from: config.REPLAY_FROM, to: config.REPLAY_TO },
    };
  switch (exchange) {
    case 'binance':
      return {
        source: 'binance',
        symbols,
        historyMs,
        wsBaseUrl: config.BINANCE_WS_URL,
        streamRoute: config.BINANCE_STREAM_ROUTE,
        restBaseUrl: config.BINANCE_REST_URL,
        staleAfterMs: config.BINANCE_STALE_AFTER,
      };
    case 'bybit':
      return {
        source: 'bybit',
        symbols,
        historyMs,
        wsUrl: config.BYBIT_WS_URL,
        restBaseUrl: config.BYBIT_REST_URL,
        staleAfterMs: config.BYBIT_STALE_AFTER,
      };
    case 'okx':
      return {
        source: 'okx',
        symbols,
        historyMs,
        wsUrl: config.OKX_WS_URL,
        wsBusinessUrl: config.OKX_WS_BUSINESS_URL,
        restBaseUrl: config.OKX_REST_URL,
        staleAfterMs: config.OKX_STALE_AFTER,
      };
  }
}

/** The background history backfill's plan (src/server/history-plan.ts): stages at the windows' reaches, a day per chunk. */
export function historyBackfillOptions(config: Config) {
  return {
    recentMs: recentHistoryMs(config),
    targetMs: config.HISTORY_HOURS * HOUR,
    warmUpMs: WARM_UP_MS,
    stageReachesMs: WINDOW_NAMES.map((name) => WINDOWS[name].duration),
    chunkMs: 24 * HOUR,
  };
}

/** The limits the GraphQL API applies itself (createHeatmapApi). */
export function apiLimits(config: Config) {
  return { maxSymbolsPerSubscription: config.WS_MAX_SYMBOLS_PER_SUBSCRIPTION, queueSize: config.WS_MAX_QUEUE_SIZE };
}

export function yogaOptions(config: Config): YogaOptions {
  return {
    graphiql: config.GRAPHIQL_ENABLED,
    symbols: config.SYMBOLS,
    clientDist: config.CLIENT_DIST,
    introspection: config.INTROSPECTION_ENABLED,
    maxBodyBytes: config.HTTP_MAX_BODY_BYTES,
    maxBatch: config.HTTP_MAX_BATCH,
    tickMs: config.WS_UPDATE_INTERVAL,
    realTimeMarket: config.MARKET_SOURCE !== 'replay',
    limits: {
      maxDepth: config.MAX_QUERY_DEPTH,
      maxCost: config.MAX_QUERY_COST,
      maxAliases: config.MAX_ALIASES,
      maxTokens: config.MAX_QUERY_TOKENS,
    },
    guard: {
      apiKeys: config.API_KEYS,
      allowedOrigins: config.CORS_ALLOWED_ORIGINS,
      rateLimit: config.HTTP_RATE_LIMIT,
      trustProxy: config.TRUST_PROXY,
      maxVariableValues: config.MAX_VARIABLE_VALUES,
    },
  };
}

export function webSocketOptions(config: Config): WebSocketOptions {
  return {
    enabled: config.WS_ENABLED,
    maxConnections: config.WS_MAX_CONNECTIONS,
    maxSubscriptionsPerConnection: config.WS_MAX_SUBSCRIPTIONS_PER_CONNECTION,
    maxMessageBytes: config.WS_MAX_MESSAGE_BYTES,
    initTimeoutMs: config.WS_INIT_TIMEOUT,
    keepAliveMs: config.WS_KEEPALIVE,
    messageRate: config.WS_RATE_LIMIT,
    messageBurst: config.WS_RATE_BURST,
    maxVariableValues: config.MAX_VARIABLE_VALUES,
    apiKeys: config.API_KEYS,
    allowedOrigins: config.CORS_ALLOWED_ORIGINS,
    trustProxy: config.TRUST_PROXY,
    addressRate: config.HTTP_RATE_LIMIT,
    compression: config.WS_COMPRESSION,
    compressionThreshold: config.WS_COMPRESSION_THRESHOLD,
  };
}

/** The per-address budget shared by HTTP and WebSocket (perAddressBudget). */
export function addressBudgetOptions(config: Config) {
  return { rate: config.HTTP_RATE_LIMIT, burst: config.HTTP_RATE_BURST };
}

/** The shared fan-out's (used when FANOUT=shared). */
export function fanOutOptions(config: Config): FanOutOptions {
  return {
    maxQueue: config.WS_MAX_QUEUE_SIZE,
    slowAfterMs: config.WS_SLOW_CONSUMER_TIMEOUT,
    stuckAfterMs: config.WS_STUCK_TIMEOUT,
    bufferedLimit: config.WS_MAX_BUFFERED_BYTES,
    chunkSize: FANOUT_CHUNK_SIZE,
  };
}

/** Sockets written between yields to the event loop: small enough that a 10k broadcast lets keep-alives through. */
const FANOUT_CHUNK_SIZE = 500;
