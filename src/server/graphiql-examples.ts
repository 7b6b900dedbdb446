/**
 * The document GraphiQL opens with: one runnable, commented example of each thing the API is for, on the
 * configured symbols, so a newcomer sees frames stream before reading the schema. Reference: docs/api.md.
 */
export function graphiqlExamples(symbols: readonly string[]): string {
  const [first = 'BTCUSDT', second = first] = symbols;
  const pair = [...new Set([first, second])].map((symbol) => JSON.stringify(symbol)).join(', ');
  return `# Three runnable examples: press ▶ and pick one,
# or put the cursor in one and press Ctrl+Enter.
# Fields, errors and limits: docs/api.md (repository).

# Live frames of two symbols: each one's latest frame
# at once, then one event per changed frame.
# seq: +1 per frame of a symbol (a jump = frames missed).
# levels: price buckets (lower edge, width priceStep),
# USD of longs and shorts that would be liquidated there.
# exchanges: the books summed, every configured exchange's
# (add exchanges: [BINANCE, OKX] to sum a subset); a feed
# that is not live drops out until it is.
subscription LiveFrames {
  heatmapUpdated(symbols: [${pair}]) {
    symbol
    exchanges
    seq
    generatedAt
    currentPrice
    priceStep
    levels { price long short }
    candle { open high low close }
  }
}

# The last 24 hours as a time × price grid.
# cells: [column, row, longUsd, shortUsd]; column i
# starts at from + i × intervalSeconds, row j at
# priceMin + j × rowStep. liquidations: the ones the
# exchange reported (force orders).
query Heatmap24h {
  heatmap(symbol: ${JSON.stringify(first)}, window: H24) {
    from
    intervalSeconds
    columns
    priceMin
    rowStep
    rows
    cells
    candles { time open high low close }
    liquidations { time price side usd }
    currentPrice
  }
}

# The latest frame of one symbol over plain HTTP:
# exactly what the subscription pushes.
query LatestSnapshot {
  snapshot(symbol: ${JSON.stringify(second)}) {
    symbol
    seq
    timestamp
    currentPrice
    priceStep
    levels { price long short }
    positionsCreated
    positionsConsumed
  }
}
`;
}
