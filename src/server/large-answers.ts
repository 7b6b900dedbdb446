import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { brotliCompress, constants } from 'node:zlib';
import type { Plugin } from 'graphql-yoga';
import Negotiator from 'negotiator';
import { headersWith } from './response-headers.js';

const brotli = promisify(brotliCompress);
const JSON_ANSWER = /^application\/(graphql-response\+)?json\b/;

/**
 * Large GraphQL answers (a 24 h heatmap is ~250 KB of JSON, mostly USD figures) compressed with
 * brotli at quality 10 (~46 KB; the per-request middleware's quality 5 gives ~64 KB), off the event
 * loop, once per distinct body: every client asking for the same heatmap within a tick (dashboards
 * loading, or reconnecting after an instance died) gets the same compressed bytes. Smaller answers
 * and clients without brotli are left to the compression middleware (compression.ts).
 */
export function compressLargeAnswers(options: { minBytes: number; cacheEntries: number }): Plugin {
  const cache = new Map<string, Promise<Buffer>>();
  const compressed = (body: Buffer) => {
    const key = createHash('sha1').update(body).digest('base64');
    let bytes = cache.get(key);
    if (!bytes) {
      bytes = brotli(body, {
        params: { [constants.BROTLI_PARAM_QUALITY]: 10, [constants.BROTLI_PARAM_SIZE_HINT]: body.length },
      });
      cache.set(key, bytes);
      bytes.catch(() => cache.delete(key));
      if (cache.size > options.cacheEntries) cache.delete(cache.keys().next().value!);
    }
    return bytes;
  };
  return {
    async onResponse({ request, response, setResponse, fetchAPI }) {
      if (response.status !== 200 || !JSON_ANSWER.test(response.headers.get('content-type') ?? '')) return;
      const acceptEncoding = request.headers.get('accept-encoding') ?? '';
      if (new Negotiator({ headers: { 'accept-encoding': acceptEncoding } }).encodings(['br'])[0] !== 'br') return;
      const raw = await response.arrayBuffer();
      const body = Buffer.from(raw);
      if (body.length < options.minBytes) {
        setResponse(new fetchAPI.Response(raw, { status: 200, headers: headersWith(response, {}) }));
        return;
      }
      const headers = headersWith(response, {
        'content-encoding': 'br',
        vary: 'Accept-Encoding',
        'content-length': null,
      });
      setResponse(new fetchAPI.Response(new Uint8Array(await compressed(body)), { status: 200, headers }));
    },
  };
}
