/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  fragment SnapshotFields on HeatmapSnapshot {\n    symbol\n    seq\n    exchanges\n    timestamp\n    generatedAt\n    currentPrice\n    priceStep\n    levels {\n      price\n      long\n      short\n    }\n    positionsCreated\n    positionsConsumed\n    candle {\n      time\n      open\n      high\n      low\n      close\n    }\n  }\n": typeof types.SnapshotFieldsFragmentDoc,
    "\n  fragment HeatmapFields on Heatmap {\n    symbol\n    exchanges\n    window\n    from\n    to\n    coverageFrom\n    intervalSeconds\n    columns\n    priceMin\n    rowStep\n    rows\n    cells\n    cellFloor\n    currentPrice\n    candles {\n      time\n      open\n      high\n      low\n      close\n    }\n    liquidations {\n      time\n      price\n      side\n      usd\n    }\n  }\n": typeof types.HeatmapFieldsFragmentDoc,
    "\n  query Symbols {\n    symbols {\n      symbol\n      source\n      tickSize\n      currentPrice\n      seq\n      lastUpdate\n      exchanges {\n        exchange\n      }\n    }\n  }\n": typeof types.SymbolsDocument,
    "\n  query MarketSource {\n    marketSource {\n      name\n      state\n      detail\n      history {\n        done\n        failed\n      }\n    }\n  }\n": typeof types.MarketSourceDocument,
    "\n  query Heatmap($symbol: String!, $window: HeatmapWindow!, $exchanges: [Exchange!]) {\n    heatmap(symbol: $symbol, window: $window, exchanges: $exchanges) {\n      ...HeatmapFields\n    }\n  }\n": typeof types.HeatmapDocument,
    "\n  query Snapshot($symbol: String!, $exchanges: [Exchange!]) {\n    snapshot(symbol: $symbol, exchanges: $exchanges) {\n      ...SnapshotFields\n    }\n  }\n": typeof types.SnapshotDocument,
    "\n  subscription HeatmapUpdated($symbols: [String!]!, $exchanges: [Exchange!]) {\n    heatmapUpdated(symbols: $symbols, exchanges: $exchanges) {\n      ...SnapshotFields\n    }\n  }\n": typeof types.HeatmapUpdatedDocument,
    "\n  query HeatmapCell(\n    $symbol: String!\n    $window: HeatmapWindow!\n    $exchanges: [Exchange!]\n    $time: DateTime!\n    $priceLow: Float!\n    $priceHigh: Float!\n  ) {\n    heatmapCell(\n      symbol: $symbol\n      window: $window\n      exchanges: $exchanges\n      time: $time\n      priceLow: $priceLow\n      priceHigh: $priceHigh\n    ) {\n      long\n      short\n      exchanges {\n        exchange\n        long\n        short\n        tiers {\n          leverage\n          long\n          short\n        }\n      }\n    }\n  }\n": typeof types.HeatmapCellDocument,
};
const documents: Documents = {
    "\n  fragment SnapshotFields on HeatmapSnapshot {\n    symbol\n    seq\n    exchanges\n    timestamp\n    generatedAt\n    currentPrice\n    priceStep\n    levels {\n      price\n      long\n      short\n    }\n    positionsCreated\n    positionsConsumed\n    candle {\n      time\n      open\n      high\n      low\n      close\n    }\n  }\n": types.SnapshotFieldsFragmentDoc,
    "\n  fragment HeatmapFields on Heatmap {\n    symbol\n    exchanges\n    window\n    from\n    to\n    coverageFrom\n    intervalSeconds\n    columns\n    priceMin\n    rowStep\n    rows\n    cells\n    cellFloor\n    currentPrice\n    candles {\n      time\n      open\n      high\n      low\n      close\n    }\n    liquidations {\n      time\n      price\n      side\n      usd\n    }\n  }\n": types.HeatmapFieldsFragmentDoc,
    "\n  query Symbols {\n    symbols {\n      symbol\n      source\n      tickSize\n      currentPrice\n      seq\n      lastUpdate\n      exchanges {\n        exchange\n      }\n    }\n  }\n": types.SymbolsDocument,
    "\n  query MarketSource {\n    marketSource {\n      name\n      state\n      detail\n      history {\n        done\n        failed\n      }\n    }\n  }\n": types.MarketSourceDocument,
    "\n  query Heatmap($symbol: String!, $window: HeatmapWindow!, $exchanges: [Exchange!]) {\n    heatmap(symbol: $symbol, window: $window, exchanges: $exchanges) {\n      ...HeatmapFields\n    }\n  }\n": types.HeatmapDocument,
    "\n  query Snapshot($symbol: String!, $exchanges: [Exchange!]) {\n    snapshot(symbol: $symbol, exchanges: $exchanges) {\n      ...SnapshotFields\n    }\n  }\n": types.SnapshotDocument,
    "\n  subscription HeatmapUpdated($symbols: [String!]!, $exchanges: [Exchange!]) {\n    heatmapUpdated(symbols: $symbols, exchanges: $exchanges) {\n      ...SnapshotFields\n    }\n  }\n": types.HeatmapUpdatedDocument,
    "\n  query HeatmapCell(\n    $symbol: String!\n    $window: HeatmapWindow!\n    $exchanges: [Exchange!]\n    $time: DateTime!\n    $priceLow: Float!\n    $priceHigh: Float!\n  ) {\n    heatmapCell(\n      symbol: $symbol\n      window: $window\n      exchanges: $exchanges\n      time: $time\n      priceLow: $priceLow\n      priceHigh: $priceHigh\n    ) {\n      long\n      short\n      exchanges {\n        exchange\n        long\n        short\n        tiers {\n          leverage\n          long\n          short\n        }\n      }\n    }\n  }\n": types.HeatmapCellDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment SnapshotFields on HeatmapSnapshot {\n    symbol\n    seq\n    exchanges\n    timestamp\n    generatedAt\n    currentPrice\n    priceStep\n    levels {\n      price\n      long\n      short\n    }\n    positionsCreated\n    positionsConsumed\n    candle {\n      time\n      open\n      high\n      low\n      close\n    }\n  }\n"): (typeof documents)["\n  fragment SnapshotFields on HeatmapSnapshot {\n    symbol\n    seq\n    exchanges\n    timestamp\n    generatedAt\n    currentPrice\n    priceStep\n    levels {\n      price\n      long\n      short\n    }\n    positionsCreated\n    positionsConsumed\n    candle {\n      time\n      open\n      high\n      low\n      close\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment HeatmapFields on Heatmap {\n    symbol\n    exchanges\n    window\n    from\n    to\n    coverageFrom\n    intervalSeconds\n    columns\n    priceMin\n    rowStep\n    rows\n    cells\n    cellFloor\n    currentPrice\n    candles {\n      time\n      open\n      high\n      low\n      close\n    }\n    liquidations {\n      time\n      price\n      side\n      usd\n    }\n  }\n"): (typeof documents)["\n  fragment HeatmapFields on Heatmap {\n    symbol\n    exchanges\n    window\n    from\n    to\n    coverageFrom\n    intervalSeconds\n    columns\n    priceMin\n    rowStep\n    rows\n    cells\n    cellFloor\n    currentPrice\n    candles {\n      time\n      open\n      high\n      low\n      close\n    }\n    liquidations {\n      time\n      price\n      side\n      usd\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Symbols {\n    symbols {\n      symbol\n      source\n      tickSize\n      currentPrice\n      seq\n      lastUpdate\n      exchanges {\n        exchange\n      }\n    }\n  }\n"): (typeof documents)["\n  query Symbols {\n    symbols {\n      symbol\n      source\n      tickSize\n      currentPrice\n      seq\n      lastUpdate\n      exchanges {\n        exchange\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MarketSource {\n    marketSource {\n      name\n      state\n      detail\n      history {\n        done\n        failed\n      }\n    }\n  }\n"): (typeof documents)["\n  query MarketSource {\n    marketSource {\n      name\n      state\n      detail\n      history {\n        done\n        failed\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Heatmap($symbol: String!, $window: HeatmapWindow!, $exchanges: [Exchange!]) {\n    heatmap(symbol: $symbol, window: $window, exchanges: $exchanges) {\n      ...HeatmapFields\n    }\n  }\n"): (typeof documents)["\n  query Heatmap($symbol: String!, $window: HeatmapWindow!, $exchanges: [Exchange!]) {\n    heatmap(symbol: $symbol, window: $window, exchanges: $exchanges) {\n      ...HeatmapFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Snapshot($symbol: String!, $exchanges: [Exchange!]) {\n    snapshot(symbol: $symbol, exchanges: $exchanges) {\n      ...SnapshotFields\n    }\n  }\n"): (typeof documents)["\n  query Snapshot($symbol: String!, $exchanges: [Exchange!]) {\n    snapshot(symbol: $symbol, exchanges: $exchanges) {\n      ...SnapshotFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription HeatmapUpdated($symbols: [String!]!, $exchanges: [Exchange!]) {\n    heatmapUpdated(symbols: $symbols, exchanges: $exchanges) {\n      ...SnapshotFields\n    }\n  }\n"): (typeof documents)["\n  subscription HeatmapUpdated($symbols: [String!]!, $exchanges: [Exchange!]) {\n    heatmapUpdated(symbols: $symbols, exchanges: $exchanges) {\n      ...SnapshotFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query HeatmapCell(\n    $symbol: String!\n    $window: HeatmapWindow!\n    $exchanges: [Exchange!]\n    $time: DateTime!\n    $priceLow: Float!\n    $priceHigh: Float!\n  ) {\n    heatmapCell(\n      symbol: $symbol\n      window: $window\n      exchanges: $exchanges\n      time: $time\n      priceLow: $priceLow\n      priceHigh: $priceHigh\n    ) {\n      long\n      short\n      exchanges {\n        exchange\n        long\n        short\n        tiers {\n          leverage\n          long\n          short\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query HeatmapCell(\n    $symbol: String!\n    $window: HeatmapWindow!\n    $exchanges: [Exchange!]\n    $time: DateTime!\n    $priceLow: Float!\n    $priceHigh: Float!\n  ) {\n    heatmapCell(\n      symbol: $symbol\n      window: $window\n      exchanges: $exchanges\n      time: $time\n      priceLow: $priceLow\n      priceHigh: $priceHigh\n    ) {\n      long\n      short\n      exchanges {\n        exchange\n        long\n        short\n        tiers {\n          leverage\n          long\n          short\n        }\n      }\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;