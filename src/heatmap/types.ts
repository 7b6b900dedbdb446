/** The model's output types. The GraphQL layer exposes these shapes as-is (docs/api.md). */

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

/** The latest state of one symbol: what a subscription pushes. `seq`/`generatedAt` are set by the publisher. */
export interface FrameContent {
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
  /** Epoch ms of the end of the last (open) column. */
  to: number;
  columns: number;
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
