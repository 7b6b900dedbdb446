import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { NoSchemaIntrospectionCustomRule } from 'graphql';
import { createYoga, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import type { Logger } from 'pino';
import type { GraphQLContext, HeatmapApi } from '../graphql/context.js';
import { schema } from '../graphql/schema.js';
import type { Config } from './config.js';
import { graphiqlExamples } from './graphiql-examples.js';
import { httpGuard } from './http-guard.js';

export type Yoga = YogaServerInstance<Record<string, unknown>, GraphQLContext>;

/** Rejects __schema/__type at validation, over HTTP and WebSocket alike (both validate through yoga's envelop). */
const noIntrospection: Plugin = {
  onValidate({ addValidationRule }) {
    addValidationRule(NoSchemaIntrospectionCustomRule);
  },
};

/**
 * GraphQL over HTTP (queries, SSE subscriptions, GraphiQL) behind the HTTP guard (origin, rate,
 * API key, variables size) with depth/cost/alias/token limits; graphql-ws reuses its envelop.
 * graphql-js's own MaxIntrospectionDepthRule (in the specified rules) bounds nested introspection,
 * which the armor limits skip.
 */
export function createYogaServer(api: HeatmapApi, config: Config, logger: Logger): Yoga {
  return createYoga<Record<string, unknown>, GraphQLContext>({
    schema,
    context: () => ({ api }),
    graphqlEndpoint: '/graphql',
    graphiql: config.GRAPHIQL_ENABLED
      ? { subscriptionsProtocol: 'WS', title: 'liquidation-heatmap', defaultQuery: graphiqlExamples(config.SYMBOLS) }
      : false,
    renderGraphiQL, // self-contained GraphiQL: works without reaching a CDN
    landingPage: false,
    // Nothing here uses cookies, so browsers are never told to send credentials cross-origin.
    cors: {
      origin: config.CORS_ALLOWED_ORIGINS.length > 0 ? [...config.CORS_ALLOWED_ORIGINS] : undefined,
      credentials: false,
    },
    maxRequestBodySize: config.HTTP_MAX_BODY_BYTES,
    logging: logger.child({ component: 'yoga' }),
    plugins: [
      httpGuard(config, api.stats),
      EnvelopArmorPlugin({
        maxDepth: { n: config.MAX_QUERY_DEPTH },
        costLimit: { maxCost: config.MAX_QUERY_COST },
        maxAliases: { n: config.MAX_ALIASES },
        maxTokens: { n: config.MAX_QUERY_TOKENS },
        maxDirectives: { n: 20 },
      }),
      ...(config.INTROSPECTION_ENABLED ? [] : [noIntrospection]),
    ],
  });
}
