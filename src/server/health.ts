import { symbolOfStream } from '../heatmap/index.js';
import type { HistoryStatus } from '../graphql/context.js';
import type { Exchange, SourceHealth } from '../market/source.js';
import type { RedisStatus } from '../stream/frame-path.js';

export interface HealthReport {
  status: 'ok' | 'degraded' | 'starting';
  live: true;
  ready: boolean;
  reasons: string[];
  source: SourceHealth;
  /** Each configured exchange's feed (`source` is them as one). */
  feeds: Array<{ exchange: Exchange } & SourceHealth>;
  symbolsWithFrames: string[];
  websocket: { enabled: boolean; connections: number };
  /** Present when scaled out over Redis. */
  redis?: RedisStatus;
  uptimeSeconds: number;
}

/** Liveness is the process answering; readiness is having a frame for every symbol. Degraded says why. */
export function healthReport(input: {
  source: SourceHealth;
  feeds: Array<{ exchange: Exchange; health: SourceHealth }>;
  symbols: readonly string[];
  hasFrame: (symbol: string) => boolean;
  websocket: { enabled: boolean; connections: number };
  redis: RedisStatus | null;
  /** The history backfill (null for replay): one that gave up degrades the service, naming why. */
  history: HistoryStatus | null;
  startedAt: number;
  extraReasons?: string[];
}): HealthReport {
  const symbolsWithFrames = input.symbols.filter(input.hasFrame);
  const ready = symbolsWithFrames.length === input.symbols.length;
  const reasons = [...(input.extraReasons ?? [])];
  if (input.source.state !== 'live')
    reasons.push(`market source ${input.source.state}${input.source.detail ? `: ${input.source.detail}` : ''}`);
  if (input.history?.failed) reasons.push(`history incomplete: ${input.history.failed}`);
  const { redis } = input;
  if (redis && redis.mode !== 'coordinated') {
    reasons.push(
      redis.mode === 'fallback'
        ? `redis ${redis.state}${redis.lastError ? ` (${redis.lastError})` : ''}: publishing every symbol from this instance's own engine`
        : `redis ${redis.mode}`,
    );
  }
  // One reason per symbol, naming its streams (exchange sets) without publisher.
  const unpublished = new Map<string, string[]>();
  for (const stream of redis?.unpublished ?? [])
    unpublished.set(symbolOfStream(stream), [...(unpublished.get(symbolOfStream(stream)) ?? []), stream]);
  for (const streams of unpublished.values())
    reasons.push(
      `no publisher for ${streams.join(', ')}: its lease holder stopped renewing; another instance takes over when the lease expires`,
    );
  if (!ready) reasons.push(`waiting for first frames (${symbolsWithFrames.length}/${input.symbols.length} symbols)`);
  return {
    status: !ready ? 'starting' : reasons.length > 0 ? 'degraded' : 'ok',
    live: true,
    ready,
    reasons,
    source: input.source,
    feeds: input.feeds.map(({ exchange, health }) => ({ exchange, ...health })),
    symbolsWithFrames,
    websocket: input.websocket,
    ...(redis ? { redis } : {}),
    uptimeSeconds: Math.round((Date.now() - input.startedAt) / 1000),
  };
}
