import { graphql } from '../gql/index.js';

// Every operation the client sends; codegen turns these into typed documents in ../gql.

export const SnapshotFieldsFragment = graphql(`
  fragment SnapshotFields on HeatmapSnapshot {
    symbol
    seq
    timestamp
    generatedAt
    currentPrice
    priceStep
    levels {
      price
      long
      short
    }
    positionsCreated
    positionsConsumed
    candle {
      time
      open
      high
      low
      close
    }
  }
`);

export const HeatmapFieldsFragment = graphql(`
  fragment HeatmapFields on Heatmap {
    symbol
    window
    from
    to
    intervalSeconds
    columns
    priceMin
    rowStep
    rows
    cells
    cellFloor
    currentPrice
    candles {
      time
      open
      high
      low
      close
    }
    liquidations {
      time
      price
      side
      usd
    }
  }
`);

export const SymbolsQuery = graphql(`
  query Symbols {
    symbols {
      symbol
      source
      tickSize
      currentPrice
      seq
      lastUpdate
    }
  }
`);

export const MarketSourceQuery = graphql(`
  query MarketSource {
    marketSource {
      name
      state
      detail
    }
  }
`);

export const HeatmapQuery = graphql(`
  query Heatmap($symbol: String!, $window: HeatmapWindow!) {
    heatmap(symbol: $symbol, window: $window) {
      ...HeatmapFields
    }
  }
`);

export const SnapshotQuery = graphql(`
  query Snapshot($symbol: String!) {
    snapshot(symbol: $symbol) {
      ...SnapshotFields
    }
  }
`);

export const HeatmapUpdatedSubscription = graphql(`
  subscription HeatmapUpdated($symbols: [String!]!) {
    heatmapUpdated(symbols: $symbols) {
      ...SnapshotFields
    }
  }
`);
