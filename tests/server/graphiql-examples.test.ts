import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphiqlExamples } from '../../src/server/graphiql-examples.js';
import { wsClient } from '../support/graphql-clients.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.stop());

/** POSTs the GraphiQL document as GraphiQL does: the whole document, one operation named. */
async function run(operationName: string) {
  const response = await fetch(server.httpUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: graphiqlExamples(server.config.SYMBOLS), operationName }),
  });
  return {
    status: response.status,
    body: (await response.json()) as { data?: Record<string, unknown>; errors?: unknown },
  };
}

describe('the examples GraphiQL opens with', () => {
  it('run as they are, within the query limits: the heatmap and snapshot queries over HTTP', async () => {
    const heatmap = await run('Heatmap24h');
    expect(heatmap.body.errors).toBeUndefined();
    expect(heatmap.body.data!.heatmap).toMatchObject({ intervalSeconds: 300, columns: expect.any(Number) });
    const snapshot = await run('LatestSnapshot');
    expect(snapshot.body.errors).toBeUndefined();
    expect(snapshot.body.data!.snapshot).toMatchObject({ symbol: 'ETHUSDT' });
  });

  it('the subscription streams both configured symbols over WebSocket', async () => {
    const client = wsClient(server.wsUrl);
    const symbols = new Set<string>();
    const frames = client.iterate<{ heatmapUpdated: { symbol: string } }>({
      query: graphiqlExamples(server.config.SYMBOLS),
      operationName: 'LiveFrames',
    });
    for await (const frame of frames) {
      expect(frame.errors).toBeUndefined();
      symbols.add(frame.data!.heatmapUpdated.symbol);
      if (symbols.size === 2) break;
    }
    expect(symbols).toEqual(new Set(['BTCUSDT', 'ETHUSDT']));
    await client.dispose();
  });

  it('name the configured symbols, one symbol twice over when only one is configured', () => {
    expect(graphiqlExamples(['SOLUSDT'])).toMatch(/heatmapUpdated\(symbols: \["SOLUSDT"\]\)/);
    expect(graphiqlExamples(['ETHUSDT', 'SOLUSDT', 'BTCUSDT'])).toMatch(
      /heatmapUpdated\(symbols: \["ETHUSDT", "SOLUSDT"\]\)[\s\S]*heatmap\(symbol: "ETHUSDT"[\s\S]*snapshot\(symbol: "SOLUSDT"\)/,
    );
  });
});
