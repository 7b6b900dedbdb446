import type { Exchange } from '../market/source.js';
import type { Column } from './columns.js';
import type { HeatmapInput } from './heatmap-grid.js';
import type { BookSnapshot } from './position-book.js';
import type { BookFrame, FrameContent, LiquidationLevel } from './types.js';

/*
 * One symbol's books of several exchanges, summed per price bucket (docs/architecture.md, "Exchanges").
 * They share one bucket grid, so a bucket is the same price range in every book. Prices shown (the
 * current price, candles) are the first member's, in the stream's exchange order: prices of one
 * contract on different exchanges differ by a basis, and averaging them would draw a candle no
 * exchange traded.
 */

/** One exchange's part of a sum. */
export interface Member<T> {
  exchange: Exchange;
  part: T;
}

/** The stream's frame: the members' frames summed (in the stream's order). Null without any. */
export function sumFrames(stream: string, members: ReadonlyArray<Member<BookFrame>>): FrameContent | null {
  const first = members[0]?.part;
  if (!first) return null;
  let levels: LiquidationLevel[] = first.levels;
  let positionsCreated = first.positionsCreated;
  let positionsConsumed = first.positionsConsumed;
  let timestamp = first.timestamp;
  for (const { part } of members.slice(1)) {
    levels = mergeLevels(levels, part.levels);
    positionsCreated += part.positionsCreated;
    positionsConsumed += part.positionsConsumed;
    timestamp = Math.max(timestamp, part.timestamp);
  }
  return {
    stream,
    exchanges: members.map((member) => member.exchange),
    symbol: first.symbol,
    timestamp,
    currentPrice: first.currentPrice,
    priceStep: first.priceStep,
    levels,
    positionsCreated,
    positionsConsumed,
    candle: first.candle,
  };
}

/** Two price-sorted level lists as one, amounts summed where both have the price. */
function mergeLevels(a: readonly LiquidationLevel[], b: readonly LiquidationLevel[]): LiquidationLevel[] {
  const out: LiquidationLevel[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = a[i];
    const y = b[j];
    if (x && (!y || x.price < y.price)) {
      out.push(x);
      i++;
    } else if (y && (!x || y.price < x.price)) {
      out.push(y);
      j++;
    } else {
      out.push({ price: x!.price, long: cents(x!.long + y!.long), short: cents(x!.short + y!.short) });
      i++;
      j++;
    }
  }
  return out;
}

/**
 * The window's columns of several exchanges as one input: columns line up by start (every series aligns
 * to the epoch); a book whose clock stopped earlier (its feed went quiet) counts with its last book in
 * the later columns, as nothing changed in it since. The inputs are in the stream's exchange order.
 */
export function sumHeatmapInputs(inputs: readonly HeatmapInput[]): HeatmapInput {
  if (inputs.length === 1) return inputs[0]!;
  const { interval } = inputs[0]!;
  const openStart = Math.max(...inputs.map(({ columns }) => columns.at(-1)!.start));
  const count = Math.max(...inputs.map(({ columns }) => columns.length));
  const firstStart = Math.max(
    Math.min(...inputs.map(({ columns }) => columns[0]!.start)),
    openStart - (count - 1) * interval,
  );
  const columns: Column[] = [];
  for (let start = firstStart; start <= openStart; start += interval) {
    const books: BookSnapshot[] = [];
    let candle: Column['candle'] = null;
    let created = 0;
    let consumed = 0;
    for (const input of inputs) {
      const own = input.columns;
      const index = Math.min((start - own[0]!.start) / interval, own.length - 1);
      if (index < 0) continue;
      const column = own[index]!;
      books.push(column.book);
      if (column.start !== start) continue;
      candle ??= column.candle;
      created += column.created;
      consumed += column.consumed;
    }
    columns.push({ start, book: sumBooks(books), candle, created, consumed });
  }
  return {
    ...inputs[0]!,
    exchanges: inputs.flatMap((input) => input.exchanges),
    columns,
    liquidations: inputs.flatMap((input) => input.liquidations).sort((a, b) => a.time - b.time),
    // Before the least loaded member's history the sum lacks it: the window is covered from there.
    historyFrom: Math.max(...inputs.map((input) => input.historyFrom)),
  };
}

const EMPTY_BOOK: BookSnapshot = { buckets: new Int32Array(0), long: new Float64Array(0), short: new Float64Array(0) };

/** Books summed per bucket (each ascending by bucket, as is the result). */
export function sumBooks(books: readonly BookSnapshot[]): BookSnapshot {
  if (books.length === 0) return EMPTY_BOOK;
  return books.reduce(mergeBooks);
}

function mergeBooks(a: BookSnapshot, b: BookSnapshot): BookSnapshot {
  const na = a.buckets.length;
  const nb = b.buckets.length;
  if (nb === 0) return a;
  if (na === 0) return b;
  const buckets = new Int32Array(na + nb);
  const long = new Float64Array(na + nb);
  const short = new Float64Array(na + nb);
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < na && j < nb) {
    const x = a.buckets[i]!;
    const y = b.buckets[j]!;
    if (x <= y) {
      buckets[n] = x;
      long[n] = a.long[i]!;
      short[n] = a.short[i++]!;
      if (x === y) {
        long[n]! += b.long[j]!;
        short[n]! += b.short[j++]!;
      }
    } else {
      buckets[n] = y;
      long[n] = b.long[j]!;
      short[n] = b.short[j++]!;
    }
    n++;
  }
  // One of them is used up: the other's rest follows as it is.
  const [rest, from] = i < na ? [a, i] : [b, j];
  buckets.set(rest.buckets.subarray(from), n);
  long.set(rest.long.subarray(from), n);
  short.set(rest.short.subarray(from), n);
  n += rest.buckets.length - from;
  return { buckets: buckets.subarray(0, n), long: long.subarray(0, n), short: short.subarray(0, n) };
}

function cents(usd: number): number {
  return Math.round(usd * 100) / 100;
}
