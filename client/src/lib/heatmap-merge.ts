import type { HeatmapFieldsFragment as Heatmap, SnapshotFieldsFragment as Snapshot } from '../gql/graphql.js';

/**
 * Applying a live frame to a loaded heatmap, without re-fetching the grid. A frame describes the
 * current 1-minute column: its `levels` are the whole outstanding book, so they replace the heatmap's
 * open column (the column of the window's interval that contains frame.timestamp); when the frame's
 * timestamp passes the open column's end, the grid rolls forward and keeps its length. The price axis
 * is the server's choice (the price range ± a margin): levels beyond it are left out, as the server does.
 */

export type MergeOutcome =
  /** The open column now shows the frame. */
  | 'updated'
  /** The grid rolled forward by one column; the frame opened the new column. */
  | 'rolled'
  /** The grid rolled by more than one column: the skipped columns were never seen, refetch the heatmap. */
  | 'skipped'
  /** The price left the grid's price axis: refetch the heatmap for the server's new axis. */
  | 'offAxis'
  /** The frame is older than the open column (the heatmap is newer): nothing changed. */
  | 'stale';

export interface MergeResult {
  heatmap: Heatmap;
  outcome: MergeOutcome;
}

type Cell = Heatmap['cells'][number];
type Candle = Heatmap['candles'][number];

const iso = (ms: number) => new Date(ms).toISOString();

/** Row of a price; the epsilon keeps a price on a row's lower edge in that row despite float error. */
export function rowOfPrice(heatmap: Pick<Heatmap, 'priceMin' | 'rowStep'>, price: number): number {
  return Math.floor((price - heatmap.priceMin) / heatmap.rowStep + 1e-9);
}

/** Index of the column that contains `timeMs` (may be outside the grid). */
export function columnOfTime(heatmap: Pick<Heatmap, 'from' | 'intervalSeconds'>, timeMs: number): number {
  return Math.floor((timeMs - Date.parse(heatmap.from)) / (heatmap.intervalSeconds * 1000));
}

export function applyFrame(heatmap: Heatmap, frame: Snapshot): MergeResult {
  const openColumn = heatmap.columns - 1;
  const frameColumn = columnOfTime(heatmap, Date.parse(frame.timestamp));
  if (frameColumn < openColumn) return { heatmap, outcome: 'stale' };

  const shift = frameColumn - openColumn;
  const rolled = shift > 0 ? rollColumns(heatmap, shift) : heatmap;
  const withLevels = replaceOpenColumn(rolled, frame);
  const merged: Heatmap = {
    ...withLevels,
    currentPrice: frame.currentPrice,
    candles: mergeOpenCandle(withLevels, frame),
  };
  const { min, max } = priceAxis(merged);
  const low = frame.candle?.low ?? frame.currentPrice;
  const high = frame.candle?.high ?? frame.currentPrice;
  const outcome = shift > 1 ? 'skipped' : low < min || high >= max ? 'offAxis' : shift === 1 ? 'rolled' : 'updated';
  return { heatmap: merged, outcome };
}

export function priceAxis(heatmap: Pick<Heatmap, 'priceMin' | 'rowStep' | 'rows'>): { min: number; max: number } {
  return { min: heatmap.priceMin, max: heatmap.priceMin + heatmap.rows * heatmap.rowStep };
}

/** Moves the window forward by `shift` columns: the oldest fall off, the column count stays. */
function rollColumns(heatmap: Heatmap, shift: number): Heatmap {
  const intervalMs = heatmap.intervalSeconds * 1000;
  const fromMs = Date.parse(heatmap.from) + shift * intervalMs;
  const cells = heatmap.cells
    .filter((cell) => cell[0]! >= shift)
    .map(([column, ...rest]) => [column! - shift, ...rest]);
  return {
    ...heatmap,
    from: iso(fromMs),
    to: iso(Date.parse(heatmap.to) + shift * intervalMs),
    cells,
    candles: heatmap.candles.filter((candle) => Date.parse(candle.time) >= fromMs),
    liquidations: heatmap.liquidations.filter((marker) => Date.parse(marker.time) >= fromMs),
  };
}

/** The frame's levels summed into the grid's rows (those within the price axis). */
function replaceOpenColumn(heatmap: Heatmap, frame: Snapshot): Heatmap {
  const openColumn = heatmap.columns - 1;
  const sums = new Map<number, { long: number; short: number }>();
  for (const level of frame.levels) {
    const row = rowOfPrice(heatmap, level.price);
    if (row < 0 || row >= heatmap.rows) continue;
    const sum = sums.get(row) ?? { long: 0, short: 0 };
    sum.long += level.long;
    sum.short += level.short;
    sums.set(row, sum);
  }
  const kept = heatmap.cells.filter((cell) => cell[0] !== openColumn);
  // The server sends a window's largest cells only: fainter live cells would show in no other column.
  const fresh: Cell[] = [...sums]
    .filter(([, { long, short }]) => long + short >= heatmap.cellFloor)
    .map(([row, { long, short }]) => [openColumn, row, long, short]);
  return { ...heatmap, cells: [...kept, ...fresh] };
}

/**
 * The open column's candle merged with the frame's 1-minute candle: the column keeps its open, widens
 * high/low, takes the latest close. Idempotent, so a frame seen twice changes nothing.
 */
function mergeOpenCandle(heatmap: Heatmap, frame: Snapshot): Candle[] {
  const columnStartMs = Date.parse(heatmap.from) + (heatmap.columns - 1) * heatmap.intervalSeconds * 1000;
  const minute = frame.candle ?? {
    open: frame.currentPrice,
    high: frame.currentPrice,
    low: frame.currentPrice,
    close: frame.currentPrice,
  };
  const candles = heatmap.candles.filter((candle) => Date.parse(candle.time) !== columnStartMs);
  const existing = heatmap.candles.find((candle) => Date.parse(candle.time) === columnStartMs);
  const open: Candle = existing
    ? {
        ...existing,
        high: Math.max(existing.high, minute.high),
        low: Math.min(existing.low, minute.low),
        close: minute.close,
      }
    : { time: iso(columnStartMs), open: minute.open, high: minute.high, low: minute.low, close: minute.close };
  return [...candles, open];
}
