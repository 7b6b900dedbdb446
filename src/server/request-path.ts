import type { IncomingMessage } from 'node:http';

/** The path of a request's URL, without its query: what the HTTP routes and the WebSocket upgrade match on. */
export function requestPath(request: IncomingMessage): string {
  return new URL(request.url ?? '/', 'http://localhost').pathname;
}
