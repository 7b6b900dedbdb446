import type { IncomingMessage } from 'node:http';
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { ErrorCode } from '../protocol.js';
import type { StreamStats } from '../stream/stream-stats.js';
import { ApiKeys, bearerKey, clientAddress, originAllowed } from './auth.js';
import type { Config } from './config.js';
import { variablesError } from './input-limits.js';
import type { KeyedRateLimiter } from './rate-limit.js';

type GuardConfig = Pick<
  Config,
  'API_KEYS' | 'CORS_ALLOWED_ORIGINS' | 'HTTP_RATE_LIMIT' | 'HTTP_RATE_BURST' | 'TRUST_PROXY' | 'MAX_VARIABLE_VALUES'
>;

/**
 * The checks every GraphQL-over-HTTP request passes before yoga parses it, cheapest first: origin
 * (403), per-address rate (429, the process's one per-address budget), API key (401), then the variables' size (400). Each refusal is a
 * GraphQL error body with a `code` a client can branch on, and is counted in `stats.refused`.
 * Yoga runs this after its own CORS preflight and GraphiQL page handlers: a preflight carries no
 * credentials by design, and the GraphiQL page is static HTML whose queries come back through here.
 * A batched request pays for every operation: the request takes one token, each operation after
 * its first another, and an operation refused for rate gets RATE_LIMITED in its slot of the batch.
 */
export function httpGuard(config: GuardConfig, stats: StreamStats, limiter: KeyedRateLimiter | null): Plugin {
  const keys = new ApiKeys(config.API_KEYS);
  const rateLimited = (retryAfter: number) =>
    `Too many requests: at most ${config.HTTP_RATE_LIMIT} operations per second per client (HTTP_RATE_LIMIT); retry in ${retryAfter} s`;
  const clientOf = (serverContext: unknown) => {
    const req = (serverContext as { req?: IncomingMessage } | undefined)?.req;
    return req ? clientAddress(req, config.TRUST_PROXY) : 'unknown';
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
      if (!originAllowed(origin, config.CORS_ALLOWED_ORIGINS)) {
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
      const error = variablesError(params.variables, config.MAX_VARIABLE_VALUES);
      if (error) {
        error.extensions.http = { status: 400 };
        throw error;
      }
    },
  };
}
