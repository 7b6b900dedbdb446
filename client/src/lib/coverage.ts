import { WINDOWS } from '../../../src/heatmap/windows.js';
import type { HeatmapWindow } from '../gql/graphql.js';

export interface Coverage {
  /** How much of the window has data, ms (from `coverageFrom` to the window's end). */
  coveredMs: number;
  /** The window's full span, ms. */
  windowMs: number;
  /** The server is still loading the window's history (docs/api.md, `Heatmap.coverageFrom`). */
  filling: boolean;
}

export function coverageOf(heatmap: { window: HeatmapWindow; to: string; coverageFrom: string }): Coverage {
  const coveredMs = Math.max(0, Date.parse(heatmap.to) - Date.parse(heatmap.coverageFrom));
  const windowMs = WINDOWS[heatmap.window].duration;
  return { coveredMs, windowMs, filling: coveredMs < windowMs };
}
