import { describe, expect, it } from 'vitest';
import type { HistoryStatus } from '../../src/graphql/context.js';
import { healthReport } from '../../src/server/health.js';
import type { SourceHealth } from '../../src/market/source.js';

const live: SourceHealth = { source: 'bybit', state: 'live', connected: true, lastEventAt: 1, errors: 0, detail: null };

const report = (history: HistoryStatus | null) =>
  healthReport({
    source: live,
    feeds: [{ exchange: 'bybit', health: live }],
    symbols: ['BTCUSDT'],
    hasFrame: () => true,
    websocket: { enabled: true, connections: 0 },
    redis: null,
    history,
    startedAt: Date.now(),
  });

describe('/health and the history backfill', () => {
  it('a backfill still loading is no reason; one that gave up degrades the service, naming why', () => {
    const loading: HistoryStatus = { loadedFrom: 2, targetFrom: 1, done: false, failed: null };
    expect(report(loading)).toMatchObject({ status: 'ok', ready: true, reasons: [] });
    expect(report(null)).toMatchObject({ status: 'ok', reasons: [] });
    const why =
      'older history 2026-01-08T18:00:00.000Z to 2026-01-09T00:00:00.000Z not fetched after 10 attempts: HTTP 503';
    expect(report({ ...loading, failed: why })).toMatchObject({
      status: 'degraded',
      ready: true,
      reasons: [`history incomplete: ${why}`],
    });
  });
});
