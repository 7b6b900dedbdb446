import type { IncomingMessage } from 'node:http';
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { ErrorCode } from '../protocol.js';
import type { StreamStats } from '../stream/stream-stats.js';
import { ApiKeys, bearerKey, clientAddress, originAllowed } from './auth.js';
import { variablesError } from './input-limits.js';
import type { KeyedRateLimiter } from './rate-limit.js';

export interface HttpGuardOptions {
  /** Keys accepted as `Authorization: Bearer <key>`; empty → no key required. */
  apiKeys: readonly string[];
  /** Origins a browser may call from; empty → any. */
  allowedOrigins: readonly string[];
  /** Requests per second per client address (0 = unlimited), as refusals quote it. */
  rateLimit: number;
  /** Key the rate on the last X-Forwarded-For entry (only behind a proxy that appends it). */
  trustProxy: boolean;
  /** Values allowed in one operation's variables. */
  maxVariableValues: number;
}

/**
 * The checks every GraphQL-over-HTTP request passes before yoga parses it, cheapest first: origin
 * (403), per-address rate (429, the process's one per-address budget), API key (401), then the variables' size (400). Each refusal is a
 * GraphQL error body with a `code` a client can branch on, and is counted in `stats.refused`.
 * Yoga runs this after its own CORS preflight and GraphiQL page handlers: a preflight carries no
 * credentials by design, and the GraphiQL page is static HTML whose queries come back through here.
 * A batched request pays for every operation: the request takes one token, each operation after
 * its first another, and an operation refused for rate gets RATE_LIMITED in its slot of the batch.
 */
export function httpGuard(options: HttpGuardOptions, stats: StreamStats, limiter: KeyedRateLimiter | null): Plugin {
  const keys = new ApiKeys(options.apiKeys);
  const rateLimited = (retryAfter: number) =>
    `Too many requests: at most ${options.rateLimit} operations per second per client (HTTP_RATE_LIMIT); retry in ${retryAfter} s`;
  const clientOf = (serverContext: unknown) => {
    const req = (serverContext as { req?: IncomingMessage } | undefined)?.req;
    return req ? clientAddress(req, options.trustProxy) : 'unknown';
  };
  /** Operations seen so far per request: the first was paid for by the request itself. */
  const operations = new WeakMap<Request, number>();
  return {
    onRequest({ request, serverContext, endResponse }) {
      const refuse = (status: number, code: string, message: string, headers: Record<string, string> = {}) => {
        endResponse(
          new Response(JSON.stringify({ errors: [{ message, extensions: { code } }] }), {
            status,
            headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ...headers },
          }),
        );
      };
      const origin = request.headers.get('origin');
      if (!originAllowed(origin, options.allowedOrigins)) {
        stats.refused.origin++;
        return refuse(403, ErrorCode.ForbiddenOrigin, `Origin ${origin} is not allowed (CORS_ALLOWED_ORIGINS)`);
      }
      if (limiter) {
        const retryAfter = limiter.take(clientOf(serverContext));
        if (retryAfter > 0) {
          stats.refused.httpRateLimited++;
          return refuse(429, ErrorCode.RateLimited, rateLimited(retryAfter), { 'Retry-After': String(retryAfter) });
        }
      }
      if (!keys.accepts(bearerKey(request.headers.get('authorization')))) {
        stats.refused.unauthorized++;
        return refuse(401, ErrorCode.Unauthenticated, 'A valid API key is required: send Authorization: Bearer <key>', {
          'WWW-Authenticate': 'Bearer',
        });
      }
    },
    onParams({ params, request, context }) {
      const seen = (operations.get(request) ?? 0) + 1;
      operations.set(request, seen);
      if (limiter && seen > 1) {
        const retryAfter = limiter.take(clientOf(context));
        if (retryAfter > 0) {
          stats.refused.httpRateLimited++;
          throw new GraphQLError(rateLimited(retryAfter), {
            extensions: {
              code: ErrorCode.RateLimited,
              http: { status: 429, headers: { 'Retry-After': String(retryAfter) } },
            },
          });
        }
      }
      const error = variablesError(params.variables, options.maxVariableValues);
      if (error) {
        error.extensions.http = { status: 400 };
        throw error;
      }
    },
  };
}
