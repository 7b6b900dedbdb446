import { graphql } from '../gql/index.js';

// Every operation the client sends; codegen turns these into typed documents in ../gql.

export const SnapshotFieldsFragment = graphql(`
  fragment SnapshotFields on HeatmapSnapshot {
    symbol
    seq
    exchanges
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
    exchanges
    window
    from
    to
    coverageFrom
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
      exchanges {
        exchange
      }
    }
  }
`);

export const MarketSourceQuery = graphql(`
  query MarketSource {
    marketSource {
      name
      state
      detail
      history {
        done
        failed
      }
    }
  }
`);

export const HeatmapQuery = graphql(`
  query Heatmap($symbol: String!, $window: HeatmapWindow!, $exchanges: [Exchange!]) {
    heatmap(symbol: $symbol, window: $window, exchanges: $exchanges) {
      ...HeatmapFields
    }
  }
`);

export const SnapshotQuery = graphql(`
  query Snapshot($symbol: String!, $exchanges: [Exchange!]) {
    snapshot(symbol: $symbol, exchanges: $exchanges) {
      ...SnapshotFields
    }
  }
`);

export const HeatmapUpdatedSubscription = graphql(`
  subscription HeatmapUpdated($symbols: [String!]!, $exchanges: [Exchange!]) {
    heatmapUpdated(symbols: $symbols, exchanges: $exchanges) {
      ...SnapshotFields
    }
  }
`);

export const HeatmapCellQuery = graphql(`
  query HeatmapCell(
    $symbol: String!
    $window: HeatmapWindow!
    $exchanges: [Exchange!]
    $time: DateTime!
    $priceLow: Float!
    $priceHigh: Float!
  ) {
    heatmapCell(
      symbol: $symbol
      window: $window
      exchanges: $exchanges
      time: $time
      priceLow: $priceLow
      priceHigh: $priceHigh
    ) {
      long
      short
      exchanges {
        exchange
        long
        short
        tiers {
          leverage
          long
          short
        }
      }
    }
  }
`);
