import etag from 'etag';
import fresh from 'fresh';
import type { Plugin } from 'graphql-yoga';
import { headersWith } from './response-headers.js';

/** Complete answers worth revalidating: JSON results and the GraphiQL page, never an event stream. */
const CACHEABLE = /^(application\/(graphql-response\+)?json|text\/html)\b/;

/**
 * Conditional GET for /graphql: a GET answer (a query over GET, the GraphiQL page) carries a weak
 * ETag of its body and `Cache-Control: no-cache`, so a browser or CDN keeps it and revalidates; an
 * `If-None-Match` that still matches gets 304 with no body. An answer that holds for a while (a heatmap
 * until its column closes, `maxAgeOf`: column-cache.ts) says `public, max-age` instead, so caches
 * serve it without asking. POST answers and streams are left alone.
 */
export function conditionalGet(maxAgeOf: (request: Request) => number | undefined): Plugin {
  return {
    async onResponse({ request, response, setResponse, fetchAPI }) {
      if (request.method !== 'GET' || response.status !== 200) return;
      if (!CACHEABLE.test(response.headers.get('content-type') ?? '')) return;
      const body = await response.text();
      const tag = etag(body, { weak: true });
      const maxAge = maxAgeOf(request);
      const cacheHeaders = { etag: tag, 'cache-control': maxAge ? `public, max-age=${maxAge}` : 'no-cache' };
      if (fresh({ 'if-none-match': request.headers.get('if-none-match') ?? undefined }, { etag: tag })) {
        const headers = headersWith(response, { ...cacheHeaders, 'content-length': null, 'content-type': null });
        setResponse(new fetchAPI.Response(null, { status: 304, headers }));
      } else {
        setResponse(new fetchAPI.Response(body, { status: 200, headers: headersWith(response, cacheHeaders) }));
      }
    },
  };
}
