import { WINDOWS } from '../../../src/heatmap/windows.js';
import type { HeatmapWindow } from '../gql/graphql.js';

/**
 * What the server says of its history backfill (`marketSource.history`): null when it has none to do
 * (a replay), undefined while not known yet (taken as still loading).
 */
export type HistoryProgress = { done: boolean; failed: string | null } | null | undefined;

export interface Coverage {
  /** How much of the window has data, ms (from `coverageFrom` to the window's end). */
  coveredMs: number;
  /** The window's full span, ms. */
  windowMs: number;
  /**
   * More of the window is on its way: it is not full and the server is still loading history
   * (docs/api.md, `Heatmap.coverageFrom`). A window longer than the server's history never fills.
   */
  filling: boolean;
}

export function coverageOf(
  heatmap: { window: HeatmapWindow; to: string; coverageFrom: string },
  history: HistoryProgress,
): Coverage {
  const coveredMs = Math.max(0, Date.parse(heatmap.to) - Date.parse(heatmap.coverageFrom));
  const windowMs = WINDOWS[heatmap.window].duration;
  const loading = history === undefined || (history !== null && !history.done && history.failed === null);
  return { coveredMs, windowMs, filling: coveredMs < windowMs && loading };
}
