import type { IncomingMessage, ServerResponse } from 'node:http';
import { constants } from 'node:zlib';
import compression from 'compression';
import type { Plugin } from 'graphql-yoga';
import { headersWith } from './response-headers.js';

type Handler = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;
type Flushable = ServerResponse & { flush?: () => void };

const isEventStream = (res: ServerResponse) => String(res.getHeader('content-type')).startsWith('text/event-stream');

/**
 * Compresses what a handler answers (GraphQL results over GET and POST, the GraphiQL page, server-sent
 * events) with brotli or gzip as the request's Accept-Encoding prefers, using the `compression`
 * middleware (q-values, `Vary`, `Cache-Control: no-transform`); bodies under 1 KB and 304s stay
 * plain. Brotli runs at quality 5 with a 256 KB window: close to its best ratio on JSON at a
 * fraction of the CPU, and a bounded compressor per open event stream. Each write of an event stream
 * (one event, or one keep-alive) is flushed at once, so no event waits in the compressor's buffer.
 */
export function compressing(): (req: IncomingMessage, res: ServerResponse, handler: () => unknown) => unknown {
  const middleware = compression({
    threshold: 1024,
    brotli: { params: { [constants.BROTLI_PARAM_QUALITY]: 5, [constants.BROTLI_PARAM_LGWIN]: 18 } },
    filter: (req, res) => res.statusCode !== 304 && compression.filter(req, res),
  }) as unknown as Handler;
  return (req, res, handler) => {
    middleware(req, res, () => {});
    const write = res.write;
    res.write = function (this: Flushable, ...args: Parameters<ServerResponse['write']>) {
      const ok = write.apply(this, args as never);
      if (isEventStream(this)) this.flush?.();
      return ok;
    } as ServerResponse['write'];
    return handler();
  };
}

/**
 * yoga marks event streams `Content-Encoding: none` so that no proxy or middleware buffers them in a
 * compressor. Ours flushes every event (above), so the mark is dropped and streams are compressed.
 * `X-Accel-Buffering: no` tells nginx, which buffers (and caches) other answers, to pass each event
 * on as it comes (deploy/nginx.conf).
 */
export function compressibleEventStreams(): Plugin {
  return {
    onResponse({ response, setResponse, fetchAPI }) {
      if (!response.headers.get('content-type')?.startsWith('text/event-stream')) return;
      const headers = headersWith(response, {
        'x-accel-buffering': 'no',
        ...(response.headers.get('content-encoding') === 'none' ? { 'content-encoding': null } : {}),
      });
      setResponse(new fetchAPI.Response(response.body, { status: response.status, headers }));
    },
  };
}
