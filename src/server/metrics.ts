import client from 'prom-client';
import type { Exchange, SourceHealth } from '../market/source.js';
import type { StreamStats, SymbolCounters } from '../stream/stream-stats.js';
import type { RedisStatus } from '../stream/frame-path.js';

/**
 * Prometheus metrics (docs/operations.md). Counters are read from StreamStats at scrape time, so the
 * stream layer keeps one set of numbers and never imports prom-client.
 */
export function createMetrics(
  stats: StreamStats,
  sourceHealth: () => SourceHealth,
  feeds: () => Array<{ exchange: Exchange; health: SourceHealth }>,
  extra: { redis: () => RedisStatus | null; backlog: () => { pendingFrames: number; bufferedBytes: number } },
) {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 10 });

  const perSymbol = (name: string, help: string, key: keyof SymbolCounters, type: 'counter' | 'gauge') => {
    const Metric = type === 'counter' ? client.Counter : client.Gauge;
    new Metric({
      name,
      help,
      labelNames: ['symbol'],
      registers: [registry],
      collect(this: client.Counter | client.Gauge) {
        this.reset();
        for (const [symbol, counters] of stats.bySymbol) {
          if (this instanceof client.Gauge) this.set({ symbol }, counters[key]);
          else this.inc({ symbol }, counters[key]);
        }
      },
    });
  };
  const scalar = (name: string, help: string, read: () => number, type: 'counter' | 'gauge') => {
    const Metric = type === 'counter' ? client.Counter : client.Gauge;
    new Metric({
      name,
      help,
      registers: [registry],
      collect(this: client.Counter | client.Gauge) {
        this.reset();
        if (this instanceof client.Gauge) this.set(read());
        else this.inc(read());
      },
    });
  };

  scalar('ws_active_connections', 'Open WebSocket connections', () => stats.activeConnections, 'gauge');
  new client.Gauge({
    name: 'ws_active_connections_by_protocol',
    help: 'Open WebSocket connections by subprotocol: graphql-transport-ws, or graphql-ws (legacy subscriptions-transport-ws)',
    labelNames: ['protocol'],
    registers: [registry],
    collect(this: client.Gauge) {
      this.reset();
      for (const [protocol, count] of stats.connectionsByProtocol) this.set({ protocol }, count);
    },
  });
  scalar(
    'ws_rejected_connections_total',
    'WebSocket connections refused at the connection limit (closed 1013)',
    () => stats.rejectedConnections,
    'counter',
  );
  scalar(
    'ws_slow_consumer_disconnects_total',
    'Subscribers disconnected for staying stuck',
    () => stats.slowConsumerDisconnects,
    'counter',
  );
  new client.Counter({
    name: 'requests_refused_total',
    help: 'Requests and connections refused by the guards (docs/security.md), by reason: httpRateLimited, wsRateLimited, unauthorized, origin, subprotocol',
    labelNames: ['reason'],
    registers: [registry],
    collect(this: client.Counter) {
      this.reset();
      for (const [reason, count] of Object.entries(stats.refused)) this.inc({ reason }, count);
    },
  });
  perSymbol('ws_active_subscriptions', 'Active heatmapUpdated subscriptions by symbol', 'subscriptions', 'gauge');
  perSymbol('ws_messages_sent_total', 'Frames sent to subscribers by symbol', 'messagesSent', 'counter');
  perSymbol('ws_slow_consumers_total', 'Slow-consumer warnings by symbol', 'slowConsumerWarnings', 'counter');
  perSymbol(
    'ws_dropped_frames_total',
    'Frames dropped for slow consumers by symbol (latest wins)',
    'droppedFrames',
    'counter',
  );
  perSymbol('heatmap_frames_published_total', 'Changed frames published by symbol', 'framesPublished', 'counter');
  scalar(
    'market_source_up',
    "1 when the market source (every exchange's feed) is live",
    () => (sourceHealth().state === 'live' ? 1 : 0),
    'gauge',
  );
  new client.Gauge({
    name: 'market_feed_up',
    help: "1 when the exchange's feed is live (market_source_up: all of them)",
    labelNames: ['exchange'],
    registers: [registry],
    collect(this: client.Gauge) {
      this.reset();
      for (const { exchange, health } of feeds()) this.set({ exchange }, health.state === 'live' ? 1 : 0);
    },
  });
  scalar('market_source_errors_total', 'Malformed or failed market inputs', () => sourceHealth().errors, 'counter');
  scalar(
    'market_last_event_age_seconds',
    'Seconds since the last market event',
    () => {
      const last = sourceHealth().lastEventAt;
      return last === null ? -1 : (Date.now() - last) / 1000;
    },
    'gauge',
  );
  scalar(
    'ws_pending_frames',
    'Frames queued for slow subscribers (latest wins, bounded by WS_MAX_QUEUE_SIZE)',
    () => extra.backlog().pendingFrames,
    'gauge',
  );
  scalar(
    'ws_buffered_bytes',
    'Bytes sitting in WebSocket send buffers of subscribed sockets',
    () => extra.backlog().bufferedBytes,
    'gauge',
  );
  // Redis series exist only when scaled out (REDIS_URL set): absent, not 0, on a single instance.
  if (extra.redis()) {
    const redis = () => extra.redis()!;
    scalar(
      'redis_up',
      '1 while Redis is connected and this instance coordinates through it, 0 in local fallback',
      () => (redis().mode === 'coordinated' ? 1 : 0),
      'gauge',
    );
    scalar('redis_errors_total', 'Redis publish/subscribe/connection errors', () => redis().errors, 'counter');
    scalar(
      'publisher_leases_held',
      'Symbols this instance publishes for all instances (holds the lease of)',
      () => redis().leases.length,
      'gauge',
    );
  }

  const broadcast = new client.Histogram({
    name: 'ws_broadcast_duration_seconds',
    help: 'From a frame’s publication to its last socket write, by symbol',
    labelNames: ['symbol'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  stats.onBroadcast((symbol, seconds) => broadcast.observe({ symbol }, seconds));

  return registry;
}
