import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { EngineSet, type HeatmapEngine } from '../heatmap/index.js';
import { combinedHealth, createMarketSource } from '../market/index.js';
import { DeliveryTracker } from '../stream/delivery-tracker.js';
import { FanOut } from '../stream/fanout.js';
import { StreamStats } from '../stream/stream-stats.js';
import { createFramePath } from '../stream/frame-path.js';
import { compressing } from './compression.js';
import type { Config } from './config.js';
import { healthReport } from './health.js';
import { combinedHistoryStatus, HistoryBackfill } from './history-backfill.js';
import { createHeatmapApi } from './heatmap-api.js';
import { createMetrics } from './metrics.js';
import {
  addressBudgetOptions,
  apiLimits,
  configuredExchanges,
  fanOutOptions,
  historyBackfillOptions,
  marketSourceOptions,
  webSocketOptions,
  yogaOptions,
} from './options.js';
import { createPersistedQueryStore } from './persisted-queries.js';
import { perAddressBudget } from './rate-limit.js';
import { requestPath } from './request-path.js';
import { staticFiles } from './static-files.js';
import { attachWebSocket } from './websocket.js';
import { createYogaServer } from './yoga.js';

export interface App {
  readonly port: number;
  readonly url: string;
  /** Stops the publisher, closes sockets with 1001, stops the source, closes the HTTP server. */
  stop(): Promise<void>;
}

/** How long a graceful stop waits for HTTP requests in flight (docs/operations.md). */
const SHUTDOWN_DRAIN_MS = 5000;

/**
 * Connections the kernel queues before the server accepts them (Node's default: 511). When an instance
 * dies, its dashboards all reconnect to the others within a second or two; a short queue drops most
 * of those SYNs and the clients retry 1, 3, 7 s later (docs/benchmarks.md, "Reconnect storm"). Capped by
 * net.core.somaxconn (4096 on Linux ≥ 5.4).
 */
const ACCEPT_BACKLOG = 4096;

/** The HTTP server could not open its port (in use, not permitted, or HOST not an address here). */
export class ListenError extends Error {}

/** Wires market sources (one per exchange) → engines → publisher → broker → hub → GraphQL (HTTP + WebSocket) and starts it all. */
export async function startApp(config: Config, logger: Logger): Promise<App> {
  const startedAt = Date.now();
  const symbols = config.SYMBOLS;
  const tiers = config.LEVERAGE_TIERS;
  const exchanges = configuredExchanges(config);
  const marketLog = logger.child({ component: 'market' });
  const sources = marketSourceOptions(config).map((options, i) => ({
    exchange: exchanges[i]!,
    source: createMarketSource(options, marketLog),
  }));
  const feeds = () => sources.map(({ exchange, source }) => ({ exchange, health: source.health() }));
  const sourceHealth = () => combinedHealth(feeds());
  const feedState = new Map(sources.map(({ exchange, source }) => [exchange, () => source.health().state]));
  const engines = new EngineSet({
    symbols,
    exchanges,
    // A finished replay's books are final, not stalled: they stay in.
    feedLive: (exchange) => ['live', 'stopped'].includes(feedState.get(exchange)!()),
    engineOptions: (symbol, exchange) => ({
      tiers,
      brackets: config.MARGIN_BRACKETS_FILE[symbol],
      warn: (message) => logger.warn({ event: 'model_warning', symbol, exchange }, message),
    }),
  });
  const streams = [...engines.streams.keys()];
  // One backfill per source: each loads its exchange's older history into that exchange's engines.
  const histories = sources.map(
    ({ exchange, source }) =>
      new HistoryBackfill(
        {
          ...historyBackfillOptions(config),
          engines: {
            keys: () => symbols,
            get: (symbol: string) => (symbols.includes(symbol) ? engines.engine(symbol, exchange) : undefined),
            set: (symbol: string, engine: HeatmapEngine) => engines.replace(symbol, exchange, engine),
          },
          create: (symbol) => engines.create(symbol, exchange),
          keyOf: (event) => event.symbol,
          logger: logger.child({ component: 'history', exchange }),
        },
        source.olderHistory,
      ),
  );
  const historyStatus = () =>
    combinedHistoryStatus(
      histories.map((history, i) => ({ exchange: sources[i]!.exchange, status: history.status() })),
    );

  const stats = new StreamStats(symbols);
  const tracker = new DeliveryTracker(stats);
  const framePath = createFramePath({
    streams,
    stats,
    prefix: config.REDIS_CHANNEL_PREFIX,
    redisUrl: config.REDIS_URL,
    leaseTtlMs: config.REDIS_LEASE_TTL,
    intervalMs: config.WS_UPDATE_INTERVAL,
    frameOf: (stream) => engines.frame(stream),
    heatmapOf: (stream, window) => engines.heatmap(stream, window),
    logger,
  });
  const { hub } = framePath;
  const api = createHeatmapApi({
    engines,
    hub,
    stats,
    tracker,
    heatmapOf: framePath.heatmap,
    feeds,
    sourceHealth,
    historyStatus,
    ...apiLimits(config),
  });

  const perAddress = perAddressBudget(addressBudgetOptions(config));
  const yoga = createYogaServer(
    api,
    yogaOptions(config),
    logger,
    createPersistedQueryStore(config.APQ_MAX_QUERIES, framePath.redis),
    perAddress,
  );
  const serveClient = staticFiles(config.CLIENT_DIST);
  const compress = compressing();
  const health = () =>
    healthReport({
      source: sourceHealth(),
      feeds: feeds(),
      symbols,
      hasFrame: (symbol) => hub.latest(symbol) !== undefined,
      websocket: { enabled: config.WS_ENABLED, connections: stats.activeConnections },
      redis: framePath.redisStatus(),
      history: historyStatus(),
      startedAt,
    });

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
    res.end(JSON.stringify(body));
  };
  const route = async (req: IncomingMessage, res: ServerResponse) => {
    const path = requestPath(req);
    if (path === yoga.graphqlEndpoint) return compress(req, res, () => yoga(req, res));
    if (path === '/health' || path === '/health/ready') {
      const report = health();
      return json(res, report.ready ? 200 : 503, report);
    }
    if (path === '/health/live') return json(res, 200, { live: true });
    if (path === '/metrics') {
      res.writeHead(200, { 'Content-Type': metrics.contentType });
      return res.end(await metrics.metrics());
    }
    if (path === '/stats') return json(res, 200, stats);
    if ((req.method === 'GET' || req.method === 'HEAD') && serveClient(req, res)) return;
    if (path === '/') {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
      return res.end('liquidation-heatmap: the dashboard is not built (npm run build:client). GraphiQL: /graphql\n');
    }
    json(res, 404, { error: `Not found: ${path}` });
  };
  const http = createServer((req, res) => {
    route(req, res).catch((error: Error) => {
      logger.error({ event: 'http_error', err: error.message, url: req.url });
      if (!res.headersSent) json(res, 500, { error: 'Internal server error' });
      else res.destroy();
    });
  });
  const fanout =
    config.FANOUT === 'shared'
      ? new FanOut(hub, streams, stats, fanOutOptions(config), logger.child({ component: 'fanout' }))
      : null;
  const ws = attachWebSocket(http, yoga, webSocketOptions(config), stats, logger, fanout, perAddress);
  const metrics = createMetrics(stats, sourceHealth, feeds, {
    redis: () => framePath.redisStatus(),
    backlog: () => fanout?.backlog() ?? { pendingFrames: 0, bufferedBytes: 0 },
  });

  await new Promise<void>((resolve, reject) => {
    http.once('error', (error: NodeJS.ErrnoException) => {
      const why = error.code === 'EADDRINUSE' ? 'address already in use' : error.message;
      reject(new ListenError(`${config.HOST}:${config.PORT} (PORT, HOST): ${why}`));
    });
    http.listen({ port: config.PORT, host: config.HOST, backlog: ACCEPT_BACKLOG }, () => resolve());
  });
  const port = (http.address() as AddressInfo).port;
  const url = `http://${config.HOST === '0.0.0.0' ? 'localhost' : config.HOST}:${port}`;
  logger.info({
    event: 'listening',
    url,
    source: config.MARKET_SOURCE,
    exchanges,
    symbols,
    websocket: config.WS_ENABLED,
  });
  if (!config.WS_ENABLED)
    logger.warn(
      { event: 'ws_disabled' },
      'WS_ENABLED=false: WebSocket upgrades are answered 503; clients poll over HTTP',
    );

  await Promise.all(sources.map(({ source }, i) => source.start((event) => histories[i]!.deliver(event))));
  framePath.startPublishing();
  logger.info({ event: 'ready', backfillMs: Date.now() - startedAt });
  const backfilling = Promise.all(histories.map((history) => history.run())).then(
    () => logger.info({ event: 'history_loaded', ms: Date.now() - startedAt }),
    (error: Error) => logger.error({ event: 'history_failed', err: error.message }, 'older history not loaded'),
  );

  return {
    port,
    url,
    async stop() {
      for (const history of histories) history.stop();
      await framePath.stopPublishing();
      // No new connections; idle keep-alive ones close now, requests in flight get their answer
      // (for at most SHUTDOWN_DRAIN_MS: a stream such as SSE never ends by itself).
      const drained = new Promise<void>((resolve) => http.close(() => resolve()));
      http.closeIdleConnections();
      await ws.close();
      fanout?.close();
      let drainTimer: NodeJS.Timeout | undefined;
      await Promise.race([drained, new Promise((resolve) => (drainTimer = setTimeout(resolve, SHUTDOWN_DRAIN_MS)))]);
      clearTimeout(drainTimer);
      http.closeAllConnections();
      await drained;
      await Promise.all(sources.map(({ source }) => source.stop()));
      // Stopping the sources ends a history fetch in flight.
      await backfilling;
      await framePath.close();
      logger.info({ event: 'stopped' });
    },
  };
}
