import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import type { Logger } from 'pino';
import type { GraphQLContext, HeatmapApi } from '../graphql/context.js';
import { schema } from '../graphql/schema.js';
import type { Config } from './config.js';

export type Yoga = YogaServerInstance<Record<string, unknown>, GraphQLContext>;

/** GraphQL over HTTP (queries, SSE subscriptions, GraphiQL) with depth/cost/alias limits; graphql-ws reuses its envelop. */
export function createYogaServer(api: HeatmapApi, config: Config, logger: Logger): Yoga {
  return createYoga<Record<string, unknown>, GraphQLContext>({
    schema,
    context: () => ({ api }),
    graphqlEndpoint: '/graphql',
    graphiql: { subscriptionsProtocol: 'WS', title: 'liquidation-heatmap' },
    renderGraphiQL, // self-contained GraphiQL: works without reaching a CDN
    landingPage: false,
    logging: logger.child({ component: 'yoga' }),
    plugins: [
      EnvelopArmorPlugin({
        maxDepth: { n: config.MAX_QUERY_DEPTH },
        costLimit: { maxCost: config.MAX_QUERY_COST },
        maxAliases: { n: config.MAX_ALIASES },
        maxTokens: { n: 2000 },
        maxDirectives: { n: 20 },
      }),
    ],
  });
}
