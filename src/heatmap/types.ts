/** The model's output types. The GraphQL layer exposes these shapes as-is (docs/api.md). */

import type { Exchange } from '../market/source.js';

export type Side = 'long' | 'short';

export interface Candle {
  /** Epoch ms of the column start. */
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
}

/** USD outstanding in one price bucket (bucket's lower edge). */
export interface LiquidationLevel {
  price: number;
  long: number;
  short: number;
}

/** A realized liquidation marker (exchange force order). */
export interface LiquidationMarker {
  time: number;
  price: number;
  side: Side;
  usd: number;
}

/** The latest state of one engine: one exchange's book of one symbol. */
export interface BookFrame {
  symbol: string;
  /** Epoch ms: start of the open (live) column this frame describes. */
  timestamp: number;
  currentPrice: number;
  priceStep: number;
  /** Price-sorted, non-empty buckets only. */
  levels: LiquidationLevel[];
  positionsCreated: number;
  positionsConsumed: number;
  candle: Candle | null;
}

/**
 * The latest state of one stream: a symbol's books of a set of exchanges, summed per bucket (docs/architecture.md).
 * What a subscription pushes; `seq`/`generatedAt` are set by the publisher.
 */
export interface FrameContent extends BookFrame {
  /** The stream it is published on: the symbol for all configured exchanges, else `SYMBOL@EXCHANGE+…`. */
  stream: string;
  /** The exchanges whose books it holds: the stream's, but for those whose feed is not live. */
  exchanges: Exchange[];
}

/** A frame as published: its content numbered by the broker. */
export interface Frame extends FrameContent {
  seq: number;
  /** Epoch ms when the publisher's tick that built it was due (so a late tick counts as latency). */
  generatedAt: number;
}

export type WindowName = 'H12' | 'H24' | 'D3' | 'D7' | 'D30';

/** A time × price grid over one window. Cells are sparse: [columnIndex, rowIndex, longUsd, shortUsd]. */
export interface Heatmap {
  symbol: string;
  window: WindowName;
  /** Column width in ms. */
  interval: number;
  /** Epoch ms of the first column's start; column i starts at from + i·interval. */
  from: number;
  /** The exchanges whose books it sums. */
  exchanges: Exchange[];
  /** Epoch ms of the end of the last (open) column. */
  to: number;
  columns: number;
  /**
   * Epoch ms from which the window has data: `from` once the history fills the window, later while it
   * is still loading (docs/architecture.md, "History"). Before it, an empty column means "not loaded", not "nothing".
   */
  coverageFrom: number;
  /** Lower edge of row 0; row j covers [priceMin + j·rowStep, priceMin + (j+1)·rowStep). */
  priceMin: number;
  rowStep: number;
  rows: number;
  cells: Array<[number, number, number, number]>;
  /** Cells were capped to the largest: the smallest total (long + short) kept, 0 when none were dropped. */
  cellFloor: number;
  candles: Candle[];
  liquidations: LiquidationMarker[];
  /** Per column (index as in cells): positions the model opened / saw liquidated during it. */
  positionsCreated: number[];
  positionsConsumed: number[];
  currentPrice: number;
}

/** What one exchange's book holds in one heatmap cell; `tiers` for the open (live) column only. */
export interface CellPart {
  exchange: Exchange;
  long: number;
  short: number;
  /** USD per leverage tier (the configured tiers, in order); null for a closed column, whose book is kept merged. */
  tiers: Array<{ leverage: number; long: number; short: number }> | null;
}
