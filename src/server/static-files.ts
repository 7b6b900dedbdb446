import { existsSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import sirv from 'sirv';

/** Vite names everything under /assets/ by its content hash: a file there never changes under its name. */
const HASHED_ASSETS = '/assets/';

/**
 * Serves the built dashboard and GraphiQL's assets (client/dist): the .br or .gz variant the build
 * wrote when the browser accepts it, hashed assets cached for a year as immutable, everything else
 * (index.html) revalidated by ETag and answered 304 when unchanged. Unknown paths without an
 * extension get index.html. Returns false when it has nothing for the request (or there is no build).
 */
export function staticFiles(root: string): (req: IncomingMessage, res: ServerResponse) => boolean {
  if (!existsSync(path.join(root, 'index.html'))) return () => false;
  const serve = sirv(root, {
    etag: true,
    brotli: true,
    gzip: true,
    single: true,
    setHeaders: (res, pathname) =>
      res.setHeader(
        'Cache-Control',
        pathname.startsWith(HASHED_ASSETS) ? 'public, max-age=31536000, immutable' : 'no-cache',
      ),
  });
  return (req, res) => {
    let served = true;
    serve(req, res, () => {
      served = false;
    });
    return served;
  };
}
