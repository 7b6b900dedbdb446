import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import type { APQStore } from '@graphql-yoga/plugin-apq';
import { NoSchemaIntrospectionCustomRule, type GraphQLError, type ValidationContext } from 'graphql';
import { createYoga, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import type { Logger } from 'pino';
import type { GraphQLContext, HeatmapApi } from '../graphql/context.js';
import { schema } from '../graphql/schema.js';
import { compressibleEventStreams } from './compression.js';
import { columnCachedHeatmaps } from './column-cache.js';
import { graphiqlExamples } from './graphiql-examples.js';
import { graphiqlRenderer } from './graphiql.js';
import { conditionalGet } from './http-cache.js';
import { httpErrorBodies } from './http-errors.js';
import { compressLargeAnswers } from './large-answers.js';
import { httpGuard, type HttpGuardOptions } from './http-guard.js';
import { pacedAdmission } from './paced-admission.js';
import { persistedQueries } from './persisted-queries.js';
import type { KeyedRateLimiter } from './rate-limit.js';
import { sharedHeatmapResults } from './shared-results.js';

export interface YogaOptions {
  /** Serve GraphiQL on GET /graphql, its examples on these symbols, its assets from the dashboard's build. */
  graphiql: boolean;
  symbols: readonly string[];
  clientDist: string;
  /** Answer __schema/__type queries. */
  introspection: boolean;
  /** Largest request body, bytes (larger → 413). */
  maxBodyBytes: number;
  /** Operations in one batched request. */
  maxBatch: number;
  /** The publisher's tick: identical heatmap queries within one share an execution. */
  tickMs: number;
  /** Market time runs with the wall clock (not a replay): GET heatmap answers may carry a max-age. */
  realTimeMarket: boolean;
  /** graphql-armor's limits on one document. */
  limits: { maxDepth: number; maxCost: number; maxAliases: number; maxTokens: number };
  /** The checks before yoga parses a request; its origins are also CORS's. */
  guard: HttpGuardOptions;
}

export type Yoga = YogaServerInstance<Record<string, unknown>, GraphQLContext>;

/**
 * HTTP requests inside yoga at once (paced-admission.ts): enough to overlap the ones waiting on Redis
 * or a compression, few enough that those resuming together when a shared heatmap is ready take
 * milliseconds of one event-loop turn.
 */
const ADMITTED_AT_ONCE = 16;

/** Rejects __schema/__type at validation, over HTTP and WebSocket alike (both validate through yoga's envelop). */
const noIntrospection: Plugin = {
  onValidate({ addValidationRule }) {
    addValidationRule(NoSchemaIntrospectionCustomRule);
  },
};

/**
 * graphql-armor's validation limits thrown bare reach clients without a code; reported like any
 * other validation error they carry GRAPHQL_VALIDATION_FAILED (docs/api.md, "Errors").
 */
const asValidationError = {
  propagateOnRejection: false,
  onReject: [(context: ValidationContext | null, error: GraphQLError) => context?.reportError(error)],
};

/**
 * GraphQL over HTTP (queries, batches of them, Apollo's persisted queries, SSE subscriptions,
 * GraphiQL) behind the HTTP guard (origin, rate, API key, variables size) with depth/cost/alias/token
 * limits per operation; every 4xx answers a GraphQL error body. graphql-ws reuses the envelop.
 * graphql-js's own MaxIntrospectionDepthRule (in the specified rules) bounds nested introspection,
 * which the armor limits skip.
 */
export function createYogaServer(
  api: HeatmapApi,
  options: YogaOptions,
  logger: Logger,
  queryStore: APQStore,
  perAddress: KeyedRateLimiter | null,
): Yoga {
  const shared = sharedHeatmapResults(options.tickMs);
  const columnCache = columnCachedHeatmaps({
    latestTimestamp: (symbol) => api.latestFrame(symbol)?.timestamp,
    realTime: options.realTimeMarket,
    // While older history is loading, closed columns change at each stage: nothing is pinned then.
    historyLoading: () => api.historyStatus()?.done === false,
    maxEntries: 64,
  });
  return createYoga<Record<string, unknown>, GraphQLContext>({
    schema,
    context: () => ({ api }),
    graphqlEndpoint: '/graphql',
    graphiql: options.graphiql
      ? { subscriptionsProtocol: 'WS', title: 'liquidation-heatmap', defaultQuery: graphiqlExamples(options.symbols) }
      : false,
    // GraphiQL's assets come from this server (cached files of the build), never from a CDN.
    renderGraphiQL: graphiqlRenderer(options.clientDist, logger),
    landingPage: false,
    // Nothing here uses cookies, so browsers are never told to send credentials cross-origin.
    cors: {
      origin: options.guard.allowedOrigins.length > 0 ? [...options.guard.allowedOrigins] : undefined,
      credentials: false,
    },
    maxRequestBodySize: options.maxBodyBytes,
    // A JSON array of operations (Apollo's BatchHttpLink); more than the limit → 413.
    batching: { limit: options.maxBatch },
    logging: logger.child({ component: 'yoga' }),
    plugins: [
      httpErrorBodies(),
      httpGuard(options.guard, api.stats, perAddress),
      pacedAdmission(ADMITTED_AT_ONCE),
      persistedQueries(queryStore),
      conditionalGet(columnCache.maxAgeOf),
      compressLargeAnswers({ minBytes: 64 * 1024, cacheEntries: 32, knownAnswer: shared.answerOf }),
      compressibleEventStreams(),
      EnvelopArmorPlugin({
        maxDepth: { n: options.limits.maxDepth, ...asValidationError },
        costLimit: { maxCost: options.limits.maxCost, ...asValidationError },
        maxAliases: { n: options.limits.maxAliases, ...asValidationError },
        maxTokens: { n: options.limits.maxTokens }, // a parse error (GRAPHQL_PARSE_FAILED) as it is
        maxDirectives: { n: 20, ...asValidationError },
      }),
      ...(options.introspection ? [] : [noIntrospection]),
      shared.plugin,
      // After the tick-sharing above, so a column's first GET still shares its tick's execution.
      columnCache.plugin,
    ],
  });
}
