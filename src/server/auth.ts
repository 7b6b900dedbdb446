import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * API keys (API_KEYS; none configured → open). Keys are compared as SHA-256 digests with
 * `timingSafeEqual`, so neither a key's length nor its matching prefix leaks through response time.
 */
export class ApiKeys {
  private readonly digests: Buffer[];

  constructor(keys: readonly string[]) {
    this.digests = keys.map(digest);
  }

  get required(): boolean {
    return this.digests.length > 0;
  }

  /** Whether `key` is one of the configured keys (always true when none are configured). */
  accepts(key: string | null): boolean {
    if (!this.required) return true;
    if (!key) return false;
    const candidate = digest(key);
    // Every key is compared, so the time taken does not say which one matched.
    return this.digests.reduce((found, known) => timingSafeEqual(known, candidate) || found, false);
  }
}

const digest = (key: string) => createHash('sha256').update(key).digest();

/** The key of an `Authorization: Bearer <key>` value (scheme case-insensitive), else null. */
export function bearerKey(authorization: string | null | undefined): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return match ? match[1]! : null;
}

/**
 * The key a graphql-ws client sent in `connectionParams`: `{ authorization: 'Bearer <key>' }`
 * (any capitalization, as GraphiQL's headers tab sends it) or `{ apiKey: '<key>' }`.
 */
export function connectionParamsKey(params: Readonly<Record<string, unknown>> | undefined): string | null {
  if (!params) return null;
  if (typeof params.apiKey === 'string') return params.apiKey;
  const authorization = Object.entries(params).find(([name]) => name.toLowerCase() === 'authorization')?.[1];
  return typeof authorization === 'string' ? bearerKey(authorization) : null;
}

/**
 * Browsers always send `Origin` on cross-site requests and WebSocket upgrades, and a page cannot
 * forge it: checking it stops other sites from using a visitor's browser to read this server
 * (cross-site WebSocket hijacking, or reaching a server only the visitor's network can). An empty
 * allow-list allows every origin; requests without `Origin` (non-browser clients) are not
 * affected, since they could send any origin anyway.
 */
export function originAllowed(origin: string | undefined | null, allowed: readonly string[]): boolean {
  return !origin || allowed.length === 0 || allowed.includes(origin);
}

/**
 * The address rate limits are keyed by. Behind a reverse proxy every request comes from the proxy,
 * so with `trustProxy` the last X-Forwarded-For entry is used: the one the proxy itself appended
 * (entries before it are whatever the client claimed, and would let it pick its own bucket).
 */
export function clientAddress(request: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = request.headers['x-forwarded-for'];
    const last = (Array.isArray(forwarded) ? forwarded.join(',') : forwarded)?.split(',').at(-1)?.trim();
    if (last) return last;
  }
  return request.socket.remoteAddress ?? 'unknown';
}
