import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../client/wait.js';
import { rawHttp as send, type RawAnswer } from '../support/raw-http.js';
import { startTestServer, type TestServer } from '../support/server.js';

// A heatmap over GET is one answer per column of its window (src/server/column-cache.ts): the same
// bytes, ETag and Cache-Control max-age up to the column's close, while POST keeps answering the
// live heatmap. Raw node:http, so the bytes compared are the ones on the wire.

const WINDOW_SECONDS = { H12: 180 }; // H12's columns are 3 minutes
const query = `query Heatmap($symbol: String!) { heatmap(symbol: $symbol, window: H12) { to currentPrice cells candles { time close } } }`;
const variables = { symbol: 'BTCUSDT' };
const postBody = JSON.stringify({ query, variables });
const BR = { 'accept-encoding': 'br' };

interface Answer {
  data: { heatmap: { to: string } };
}
const decode = (raw: RawAnswer): Answer => JSON.parse(raw.text) as Answer;

let server: TestServer;
let getUrl: string;
beforeAll(async () => {
  // The polling below asks more often than the per-address limit allows.
  server = await startTestServer({ SYMBOLS: 'BTCUSDT', HTTP_RATE_LIMIT: '0' });
  getUrl = `${server.httpUrl}?query=${encodeURIComponent(query)}&variables=${encodeURIComponent(JSON.stringify(variables))}`;
}, 120_000);
afterAll(() => server?.stop());

/** The GET answer once it carries a max-age (one asked in the last second of a column says no-cache). */
const cacheableGet = () =>
  waitFor(async () => {
    const answer = await send(getUrl, BR);
    return /^public, max-age=\d+$/.test(answer.headers['cache-control'] ?? '') ? answer : null;
  }, 'a GET answer with a max-age');

describe('GET heatmap: cacheable until its column closes', () => {
  it('says how long it holds: public, max-age no longer than a column, with an ETag', async () => {
    const answer = await cacheableGet();
    expect(answer.status).toBe(200);
    const maxAge = Number(answer.headers['cache-control']!.split('=')[1]);
    expect(maxAge).toBeGreaterThan(0);
    expect(maxAge).toBeLessThanOrEqual(WINDOW_SECONDS.H12);
    expect(answer.headers.etag).toMatch(/^W\/".+"$/);
    expect(answer.headers.vary).toMatch(/accept-encoding/i);
    // Its open column ends where the live heatmap's does: the column it holds for is the current one.
    const live = JSON.parse((await send(server.httpUrl, {}, postBody)).wire.toString());
    expect(live.data.heatmap.to).toBe(decode(answer).data.heatmap.to);
  });

  it('answers the same bytes within the column while POST follows the live heatmap; 304 when revalidated', async () => {
    const live = async () => decode(await send(server.httpUrl, BR, postBody));
    // Two GETs and a revalidation with the live heatmap changing in between, all in one column (one
    // closing meanwhile starts the round over).
    const { first, second, revalidated, changed } = await waitFor(
      async () => {
        const first = await cacheableGet();
        const before = JSON.stringify(await live());
        await waitFor(async () => JSON.stringify(await live()) !== before, 'the live heatmap to change');
        const second = await send(getUrl, BR);
        const revalidated = await send(getUrl, { ...BR, 'if-none-match': first.headers.etag! });
        const after = await live();
        const column = decode(first).data.heatmap.to;
        if (decode(second).data.heatmap.to !== column || after.data.heatmap.to !== column) return null;
        return { first, second, revalidated, changed: JSON.stringify(after) !== JSON.stringify(decode(first)) };
      },
      'two GETs in one column',
      60_000,
    );
    expect(changed).toBe(true); // the live heatmap is not what the pinned one shows…
    expect(second.wire.equals(first.wire)).toBe(true); // …and GET still answers the very same bytes
    expect(second.headers['content-encoding']).toBe('br');
    expect(second.headers.etag).toBe(first.headers.etag);
    expect(revalidated.status).toBe(304);
    expect(revalidated.wire.length).toBe(0);
    expect(revalidated.headers['cache-control']).toMatch(/^public, max-age=\d+$|^no-cache$/);
    // POST is never pinned and never cacheable.
    const post = await send(server.httpUrl, {}, postBody);
    expect(post.headers.etag).toBeUndefined();
    expect(post.headers['cache-control'] ?? '').not.toContain('max-age');
  }, 90_000);

  it('other GET queries, and a heatmap that has no frame to pin it to, stay revalidated', async () => {
    const symbols = await send(`${server.httpUrl}?query=${encodeURIComponent('{ symbols { symbol seq } }')}`);
    expect(symbols.headers['cache-control']).toBe('no-cache');
    const unknown = await send(
      `${server.httpUrl}?query=${encodeURIComponent(query)}&variables=${encodeURIComponent(JSON.stringify({ symbol: 'NOPE' }))}`,
    );
    expect(unknown.headers['cache-control'] ?? 'no-cache').toBe('no-cache');
  });
});
