import type { IncomingMessage, ServerResponse } from 'node:http';
import { constants } from 'node:zlib';
import compression from 'compression';

type Flushable = ServerResponse & { flush?: () => void };

/**
 * Compresses what a handler answers (GraphQL results over GET and POST, the GraphiQL page) with
 * brotli or gzip as the request's Accept-Encoding prefers (the `compression` middleware: q-values,
 * `Vary`, `no-transform`), leaving bodies under 1 KB plain. Server-sent events are compressed too,
 * but each write (one event, or one keep-alive) is flushed at once, so no event waits in the
 * compressor's buffer.
 */
export function compressing(): (req: IncomingMessage, res: ServerResponse, handler: () => unknown) => unknown {
  const middleware = compression({
    threshold: 1024,
    brotli: { params: { [constants.BROTLI_PARAM_QUALITY]: 5 } },
  }) as unknown as (req: IncomingMessage, res: ServerResponse, next: () => void) => void;
  return (req, res, handler) => {
    middleware(req, res, () => {});
    const write = res.write;
    res.write = function (this: Flushable, ...args: Parameters<ServerResponse['write']>) {
      const ok = write.apply(this, args as never);
      if (String(this.getHeader('content-type')).startsWith('text/event-stream')) this.flush?.();
      return ok;
    } as ServerResponse['write'];
    return handler();
  };
}
