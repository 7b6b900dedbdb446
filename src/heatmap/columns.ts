import type { BookSnapshot } from './position-book.js';
import { Ring } from './ring.js';
import type { Candle } from './types.js';
import { columnStart } from './windows.js';

/** What happened during a column, besides the book it ends with. */
export interface ColumnActivity {
  candle: Candle | null;
  created: number;
  consumed: number;
}

export interface Column extends ColumnActivity {
  start: number;
  /** The book at the column's end (for the open column: now). */
  book: BookSnapshot;
}

/** Widens `candle` in place by a price range that closed at `close`. */
export function extendCandle(candle: Candle, low: number, high: number, close: number): void {
  if (high > candle.high) candle.high = high;
  if (low < candle.low) candle.low = low;
  candle.close = close;
}

/** A new candle at `time`: `earlier` followed by `later`, either may be missing. */
export function mergeCandles(earlier: Candle | null, later: Candle | null, time: number): Candle | null {
  const first = earlier ?? later;
  if (!first) return null;
  const merged = { ...first, time };
  if (earlier && later) extendCandle(merged, later.low, later.high, later.close);
  return merged;
}

/**
 * The columns of one window: a ring of closed columns plus the open one. The ring holds
 * `columns − 1` closed columns, so it never reaches further back than the window's duration.
 */
export class ColumnSeries {
  private readonly closed: Ring<Column>;
  /** Start of the open column. */
  openStart: number;
  /** Activity of the open column's completed minutes (the running minute is added on read). */
  private open: ColumnActivity = { candle: null, created: 0, consumed: 0 };

  constructor(
    readonly interval: number,
    readonly columns: number,
    time: number,
  ) {
    this.closed = new Ring(columns - 1);
    this.openStart = columnStart(time, interval);
  }

  /** Adds a completed minute to the open column (minutes never straddle a column: both align to the epoch). */
  absorb(minute: ColumnActivity): void {
    this.open = {
      candle: mergeCandles(this.open.candle, minute.candle, this.openStart),
      created: this.open.created + minute.created,
      consumed: this.open.consumed + minute.consumed,
    };
  }

  /** Closes every column that ended by `time` with the book as it is now (nothing changed in a gap). */
  closeThrough(time: number, book: () => BookSnapshot): void {
    const target = columnStart(time, this.interval);
    if (target <= this.openStart) return;
    // After a gap longer than the window only the last `capacity` columns can still be in it.
    const capacity = this.closed.capacity;
    if ((target - this.openStart) / this.interval > capacity) {
      this.openStart = target - capacity * this.interval;
      this.open = { candle: null, created: 0, consumed: 0 };
    }
    while (this.openStart < target) {
      this.closed.push({ start: this.openStart, book: book(), ...this.open });
      this.openStart += this.interval;
      this.open = { candle: null, created: 0, consumed: 0 };
    }
  }

  /** Closed columns oldest first, then the open column made of its completed minutes plus `runningMinute`. */
  list(liveBook: BookSnapshot, runningMinute: ColumnActivity): Column[] {
    const open: Column = {
      start: this.openStart,
      book: liveBook,
      candle: mergeCandles(this.open.candle, runningMinute.candle, this.openStart),
      created: this.open.created + runningMinute.created,
      consumed: this.open.consumed + runningMinute.consumed,
    };
    return [...this.closed.toArray(), open];
  }
}
