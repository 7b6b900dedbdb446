import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import type { Plugin } from 'graphql-yoga';
import Negotiator from 'negotiator';
import { headersWith } from './response-headers.js';

const brotli = promisify(brotliCompress);
const gzipped = promisify(gzip);
const JSON_ANSWER = /^application\/(graphql-response\+)?json\b/;

/** How each encoding is made once per body: both at their best ratio, since it is paid once, off the event loop. */
const ENCODERS = {
  br: (body: Buffer) =>
    brotli(body, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 10, [constants.BROTLI_PARAM_SIZE_HINT]: body.length },
    }),
  gzip: (body: Buffer) => gzipped(body, { level: constants.Z_BEST_COMPRESSION }),
};
type Encoding = keyof typeof ENCODERS;
const ENCODINGS: Encoding[] = ['br', 'gzip'];
/** negotiator ≥ 1.0 breaks ties by `preferred`; @types/negotiator does not know the option yet. */
type PreferringNegotiator = { encodings(available: string[], options: { preferred: string[] }): string[] };

/**
 * Large GraphQL answers (a 24 h heatmap is ~250 KB of JSON, mostly USD figures) compressed with
 * brotli at quality 10 (~46 KB; the per-request middleware's quality 5 gives ~64 KB), or gzip for
 * clients without brotli (Node's fetch, many HTTP libraries), off the event loop, once per distinct
 * body and encoding: every client asking for the same heatmap within a tick (dashboards loading,
 * reconnecting after an instance died, a flood of heavy queries) gets the same compressed bytes,
 * where the middleware would compress each answer again (a 30-day heatmap: ~13 ms of gzip each on
 * a busy 2-core machine, docs/benchmarks.md). Smaller answers and clients that accept neither are
 * left to the compression middleware (compression.ts).
 */
export function compressLargeAnswers(options: {
  minBytes: number;
  cacheEntries: number;
  /** The body of a request's answer when it is already known as bytes with a key (shared-results.ts). */
  knownAnswer?: (request: Request) => { key: string; bytes: Buffer } | undefined;
}): Plugin {
  const cache = new Map<string, Promise<Buffer>>();
  const compressed = (body: Buffer, bodyKey: string, encoding: Encoding) => {
    const key = `${encoding}:${bodyKey}`;
    let bytes = cache.get(key);
    if (!bytes) {
      bytes = ENCODERS[encoding](body);
      cache.set(key, bytes);
      bytes.catch(() => cache.delete(key));
      if (cache.size > options.cacheEntries) cache.delete(cache.keys().next().value!);
    }
    return bytes;
  };
  /** The answer's bytes and their key: known ones as they are, others read (and the response remade, its body spent). */
  const bodyOf = async (request: Request, response: Response, remake: (raw: ArrayBuffer) => void) => {
    const known = options.knownAnswer?.(request);
    if (known) return known;
    const raw = await response.arrayBuffer();
    remake(raw);
    const bytes = Buffer.from(raw);
    return { bytes, key: createHash('sha1').update(bytes).digest('base64') };
  };
  return {
    async onResponse({ request, response, setResponse, fetchAPI }) {
      if (response.status !== 200 || !JSON_ANSWER.test(response.headers.get('content-type') ?? '')) return;
      const acceptEncoding = request.headers.get('accept-encoding') ?? '';
      // Brotli when the client accepts both equally (`gzip, deflate, br`): it is the smaller.
      const negotiator = new Negotiator({ headers: { 'accept-encoding': acceptEncoding } }) as PreferringNegotiator;
      const encoding = negotiator.encodings(ENCODINGS, { preferred: ENCODINGS })[0] as Encoding | undefined;
      if (!encoding) return;
      const body = await bodyOf(request, response, (raw) =>
        setResponse(new fetchAPI.Response(raw, { status: 200, headers: headersWith(response, {}) })),
      );
      if (body.bytes.length < options.minBytes) return;
      const headers = headersWith(response, {
        'content-encoding': encoding,
        vary: 'Accept-Encoding',
        'content-length': null,
      });
      // zlib's output is a Buffer on a plain ArrayBuffer: answered as it is, not copied per request.
      const bytes = await compressed(body.bytes, body.key, encoding);
      const view = new Uint8Array(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.length);
      setResponse(new fetchAPI.Response(view, { status: 200, headers }));
    },
  };
}
