import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HEATMAP_SUBSCRIPTION, record, wsClient } from '../support/graphql-clients.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.stop());

const scrape = async () => {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const value = (series: string) => {
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line === undefined ? undefined : Number(line.slice(series.length + 1));
  };
  return { text, value };
};

describe('/metrics', () => {
  it('exposes the documented series, and they move as clients connect and frames flow', async () => {
    const before = await scrape();
    for (const name of [
      'ws_active_connections',
      'ws_messages_sent_total',
      'ws_slow_consumers_total',
      'ws_broadcast_duration_seconds',
      'heatmap_frames_published_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_p99_seconds',
    ]) {
      expect(before.text).toContain(`# TYPE ${name}`);
    }
    expect(before.value('ws_active_connections')).toBe(0);
    // A broadcast is a frame written to subscribers: none yet, however many frames were published.
    expect(before.value('ws_broadcast_duration_seconds_count{symbol="BTCUSDT"}') ?? 0).toBe(0);
    const sentBefore = before.value('ws_messages_sent_total{symbol="BTCUSDT"}') ?? 0;

    const client = wsClient(server.wsUrl);
    const sub = record(client, HEATMAP_SUBSCRIPTION, { symbols: ['BTCUSDT'] });
    await sub.until(() => sub.frames().length >= 3);
    const during = await scrape();
    expect(during.value('ws_active_connections')).toBe(1);
    expect(during.value('ws_active_subscriptions{symbol="BTCUSDT"}')).toBe(1);
    expect(during.value('ws_messages_sent_total{symbol="BTCUSDT"}')).toBeGreaterThanOrEqual(sentBefore + 3);
    const broadcasts = during.value('ws_broadcast_duration_seconds_count{symbol="BTCUSDT"}') ?? 0;
    expect(broadcasts).toBeGreaterThanOrEqual(1);
    expect(broadcasts).toBeLessThanOrEqual(sub.frames().length); // one per frame written, never a phantom one
    expect(during.value('heatmap_frames_published_total{symbol="BTCUSDT"}')).toBeGreaterThan(
      before.value('heatmap_frames_published_total{symbol="BTCUSDT"}') ?? 0,
    );

    sub.unsubscribe();
    await client.dispose();
    // The server sees the close a moment later: poll until both gauges are back to zero.
    await expect
      .poll(async () => {
        const after = await scrape();
        return [after.value('ws_active_connections'), after.value('ws_active_subscriptions{symbol="BTCUSDT"}')];
      })
      .toEqual([0, 0]);
  });
});
