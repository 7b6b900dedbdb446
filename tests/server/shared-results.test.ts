import { createSchema, createYoga } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { sharedHeatmapResults } from '../../src/server/shared-results.js';

/** yoga with the plugin over a schema whose `heatmap` counts its executions. */
function server(ttlMs: number) {
  const calls: string[] = [];
  const yoga = createYoga({
    schema: createSchema({
      typeDefs: 'type Query { heatmap(symbol: String!): [[Float]] streamStats: Int }',
      resolvers: {
        Query: {
          heatmap: async (_: unknown, { symbol }: { symbol: string }) => {
            calls.push(symbol);
            await new Promise((resolve) => setTimeout(resolve, 20));
            return [[1, 2, 3, 4]];
          },
          streamStats: () => calls.length,
        },
      },
    }),
    plugins: [sharedHeatmapResults(ttlMs).plugin],
    logging: false,
  });
  const query = async (query: string, variables?: Record<string, unknown>, accept = 'application/json') => {
    const res = await yoga.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept },
      body: JSON.stringify({ query, variables }),
    });
    return { type: res.headers.get('content-type'), body: await res.text() };
  };
  return { calls, query };
}

describe('heatmap queries shared within one tick', () => {
  it('identical ones execute once and get the same answer; other variables or other fields execute on their own', async () => {
    const { calls, query } = server(60_000);
    const same = 'query ($s: String!) { heatmap(symbol: $s) }';
    const answers = await Promise.all(Array.from({ length: 20 }, () => query(same, { s: 'BTCUSDT' })));
    expect(calls).toEqual(['BTCUSDT']);
    expect(new Set(answers.map((a) => a.body))).toEqual(new Set(['{"data":{"heatmap":[[1,2,3,4]]}}']));
    expect(answers[0]!.type).toBe('application/json; charset=utf-8');
    // Later, still within the tick: the same answer without executing again.
    expect((await query(same, { s: 'BTCUSDT' })).body).toBe(answers[0]!.body);
    expect(calls).toEqual(['BTCUSDT']);

    await query(same, { s: 'ETHUSDT' });
    expect(calls).toEqual(['BTCUSDT', 'ETHUSDT']);
    // Not only heatmap fields: never shared (streamStats is live).
    const mixed = '{ heatmap(symbol: "BTCUSDT") streamStats }';
    await Promise.all([query(mixed), query(mixed)]);
    expect(calls).toEqual(['BTCUSDT', 'ETHUSDT', 'BTCUSDT', 'BTCUSDT']);
  });

  it('a new tick executes again', async () => {
    const { calls, query } = server(1);
    await query('{ heatmap(symbol: "BTCUSDT") }');
    await new Promise((resolve) => setTimeout(resolve, 5));
    await query('{ heatmap(symbol: "BTCUSDT") }');
    expect(calls).toEqual(['BTCUSDT', 'BTCUSDT']);
  });
});
