/**
 * The plan of the background history backfill (docs/architecture.md, "History"): pure, so it is tested
 * on its own. The source delivered the recent history at start, from `recentFrom`; the rest, back to the
 * target plus a warm-up, is loaded in stages of growing reach. Each stage builds fresh engines from its
 * older history followed by everything delivered since start, and replaces the serving engines once they
 * have caught up: a window's coverage grows stage by stage (1 day, then 3, 7 and 30) instead of all at
 * the end.
 */

export interface HistoryPlanInput {
  /** Where the history delivered by the source's `start` begins (epoch ms). */
  recentFrom: number;
  /** How much history `start` delivered (ms). */
  recentMs: number;
  /** How much history the windows should have in the end (ms). */
  targetMs: number;
  /** Extra history before the target's start so its first columns have a warm book (ms). */
  warmUpMs: number;
  /** Reaches worth a stage of their own, e.g. the windows' durations (ms). */
  stageReachesMs: readonly number[];
  /** Largest range fetched from the source at once (ms); chunk boundaries align to multiples of it. */
  chunkMs: number;
}

/** A range of older history to fetch and feed, [from, to), epoch ms. */
export interface HistoryChunk {
  from: number;
  to: number;
}

export interface HistoryStage {
  /** Where the engines built by this stage have data from (warm-up included). */
  from: number;
  /** Older history, oldest first and contiguous, ending at `recentFrom`. */
  chunks: HistoryChunk[];
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/**
 * History loaded before the target's start: the book is built from open-interest steps, and after this
 * long its levels look like those of any later hour, so a window's first columns are not empty.
 */
export const WARM_UP_MS = 6 * HOUR;

/**
 * The stages, nearest reach first, the last reaching the target plus its warm-up; none when `start`
 * already delivered the target.
 */
export function planHistory(input: HistoryPlanInput): HistoryStage[] {
  const { recentFrom, recentMs, targetMs, warmUpMs, chunkMs } = input;
  if (!(chunkMs > 0)) throw new Error(`history plan: chunkMs must be positive, got ${chunkMs}`);
  if (targetMs <= recentMs) return [];
  const reaches = [...new Set([...input.stageReachesMs.filter((ms) => ms > recentMs && ms < targetMs), targetMs])];
  return reaches
    .sort((a, b) => a - b)
    .map((reach) => {
      // Whole minutes, as candles are: a stage's first candle is not cut in two.
      const from = Math.floor((recentFrom - (reach - recentMs) - warmUpMs) / MINUTE) * MINUTE;
      return { from, chunks: chunksBetween(from, recentFrom, chunkMs) };
    });
}

/** [from, to) cut at the multiples of `chunkMs` in between. */
function chunksBetween(from: number, to: number, chunkMs: number): HistoryChunk[] {
  const chunks: HistoryChunk[] = [];
  for (let start = from; start < to;) {
    const end = Math.min(to, (Math.floor(start / chunkMs) + 1) * chunkMs);
    chunks.push({ from: start, to: end });
    start = end;
  }
  return chunks;
}
