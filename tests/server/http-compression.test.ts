import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import path from 'node:path';
import { createGunzip } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureClientBuild } from '../../scripts/ensure-client-build.js';
import type { GraphiqlManifest } from '../../src/server/graphiql-manifest.js';
import { waitFor } from '../client/wait.js';
import { rawHttp as get } from '../support/raw-http.js';
import { startTestServer, type TestServer } from '../support/server.js';

// HTTP as it goes over the wire (raw node:http, no client-side decompression): negotiated
// encodings, cache headers, ETag revalidation and flushed server-sent events (docs/operations.md).

const heatmapQuery = `{ heatmap(symbol: "BTCUSDT", window: H24) { symbol columns rows cells cellFloor currentPrice candles { time open high low close } liquidations { time price side usd } } }`;
const post = (query: string) => JSON.stringify({ query });

let server: TestServer;
let manifest: GraphiqlManifest;
beforeAll(async () => {
  await ensureClientBuild();
  manifest = JSON.parse(readFileSync('client/dist/graphiql-assets.json', 'utf8')) as GraphiqlManifest;
  server = await startTestServer({ HISTORY_HOURS: '24' });
}, 180_000);
afterAll(() => server?.stop());

describe('GraphQL over HTTP: compression', () => {
  it('answers in the encoding the client prefers, the same JSON in each; small answers stay plain', async () => {
    const plain = await get(server.httpUrl, {}, post(heatmapQuery));
    const br = await get(server.httpUrl, { 'accept-encoding': 'gzip, deflate, br' }, post(heatmapQuery));
    const gzip = await get(server.httpUrl, { 'accept-encoding': 'gzip' }, post(heatmapQuery));
    const noBr = await get(server.httpUrl, { 'accept-encoding': 'br;q=0, gzip' }, post(heatmapQuery));
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(br.headers['content-encoding']).toBe('br');
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(noBr.headers['content-encoding']).toBe('gzip');
    for (const answer of [plain, br, gzip]) {
      expect(answer.headers.vary).toMatch(/accept-encoding/i);
      expect(JSON.parse(answer.text).data.heatmap.symbol).toBe('BTCUSDT');
    }
    // A 24 h heatmap: ~250 KB of JSON, at most 60 KB on the wire with brotli.
    expect(plain.wire.length).toBeGreaterThan(150_000);
    expect(br.wire.length).toBeLessThanOrEqual(60_000);
    expect(gzip.wire.length).toBeLessThan(plain.wire.length / 2);

    const small = await get(server.httpUrl, { 'accept-encoding': 'br, gzip' }, post('{ __typename }'));
    expect(small.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(small.text)).toEqual({ data: { __typename: 'Query' } });
  });

  it('compresses GET queries too', async () => {
    const answer = await get(`${server.httpUrl}?query=${encodeURIComponent(heatmapQuery)}`, {
      'accept-encoding': 'gzip',
    });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-encoding']).toBe('gzip');
    expect(JSON.parse(answer.text).data.heatmap.symbol).toBe('BTCUSDT');
  });

  it('compresses server-sent events and flushes each one: events arrive while the stream is open', async () => {
    const query = 'subscription { heatmapUpdated(symbols: ["BTCUSDT"]) { symbol seq } }';
    const events: number[] = [];
    let encoding: string | undefined;
    const req = request(server.httpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', 'accept-encoding': 'gzip' },
    });
    req.on('response', (res) => {
      encoding = res.headers['content-encoding'];
      let text = '';
      // Each event is ~60 bytes: unflushed, gzip would hold them back for kilobytes.
      res.pipe(createGunzip()).on('data', (chunk: Buffer) => {
        text += chunk.toString();
        for (const match of text.matchAll(/"seq":(\d+)/g)) events.push(Number(match[1]));
        text = text.slice(text.lastIndexOf('\n\n') + 2);
      });
    });
    req.on('error', () => {});
    req.end(JSON.stringify({ query }));
    try {
      await waitFor(() => events.length >= 3, 'three compressed events');
      expect(encoding).toBe('gzip');
      expect(events[1]).toBeGreaterThan(events[0]!);
    } finally {
      req.destroy();
    }
  });
});

describe('caching', () => {
  it('a GET answer has an ETag; revalidating an unchanged one gives 304 with no body', async () => {
    const url = `${server.httpUrl}?query=${encodeURIComponent('{ symbols { symbol source } }')}`;
    const first = await get(url);
    expect(first.status).toBe(200);
    expect(first.headers['cache-control']).toBe('no-cache');
    const etag = first.headers.etag!;
    expect(etag).toMatch(/^W\/".+"$/);
    const again = await get(url, { 'if-none-match': etag, 'accept-encoding': 'br, gzip' });
    expect(again.status).toBe(304);
    expect(again.wire.length).toBe(0);
    const stale = await get(url, { 'if-none-match': 'W/"something-else"' });
    expect(stale.status).toBe(200);
    expect(JSON.parse(stale.text)).toEqual(JSON.parse(first.text));
    // POST answers are not cacheable.
    expect((await get(server.httpUrl, {}, post('{ symbols { symbol } }'))).headers.etag).toBeUndefined();
  });

  it('hashed assets are immutable for a year and sent as the .br or .gz the build wrote', async () => {
    const asset = manifest.js;
    const onDisk = readFileSync(path.join('client/dist', asset));
    const br = await get(`${server.url}${asset}`, { 'accept-encoding': 'gzip, deflate, br' });
    const gzip = await get(`${server.url}${asset}`, { 'accept-encoding': 'gzip' });
    const plain = await get(`${server.url}${asset}`);
    expect(br.headers['content-encoding']).toBe('br');
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(plain.headers['content-encoding']).toBeUndefined();
    for (const answer of [br, gzip, plain]) {
      expect(answer.status).toBe(200);
      expect(answer.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(answer.text).toBe(onDisk.toString());
    }
    expect(br.wire.length).toBeLessThan(onDisk.length / 3);
  });

  it('index.html is revalidated: ETag, no-cache, 304 when unchanged', async () => {
    const page = await get(`${server.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.text).toContain('<div id="root">');
    const again = await get(`${server.url}/`, { 'if-none-match': page.headers.etag! });
    expect(again.status).toBe(304);
  });

  it('GraphiQL is a small page linking its cached assets, each served immutable', async () => {
    const page = await get(server.httpUrl, { accept: 'text/html' });
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.wire.length).toBeLessThan(5_000);
    const linked = [manifest.js, manifest.css, manifest.favicon, ...Object.values(manifest.workers)];
    for (const asset of linked) expect(page.text).toContain(asset);
    for (const asset of new Set(linked)) {
      const answer = await get(`${server.url}${asset}`, { 'accept-encoding': 'br' });
      expect(answer.status).toBe(200);
      expect(answer.headers['cache-control']).toContain('immutable');
    }
    const revalidated = await get(server.httpUrl, { accept: 'text/html', 'if-none-match': page.headers.etag! });
    expect(revalidated.status).toBe(304);
  });
});
