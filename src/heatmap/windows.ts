import type { WindowName } from './types.js';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** The longest window: nothing older is kept. */
export const HISTORY_MS = 30 * DAY;

/** Windows traders know, each with a fixed column interval giving 168–288 columns. */
export const WINDOWS: Readonly<Record<WindowName, { readonly duration: number; readonly interval: number }>> = {
  H12: { duration: 12 * HOUR, interval: 3 * MINUTE }, // 240 columns
  H24: { duration: 24 * HOUR, interval: 5 * MINUTE }, // 288
  D3: { duration: 3 * DAY, interval: 15 * MINUTE }, // 288
  D7: { duration: 7 * DAY, interval: HOUR }, // 168
  D30: { duration: 30 * DAY, interval: 4 * HOUR }, // 180
};

export const WINDOW_NAMES = Object.keys(WINDOWS) as WindowName[];

/** Start of the interval-aligned column holding `time` (columns align to the epoch, so 4h columns start at 00:00 UTC). */
export function columnStart(time: number, interval: number): number {
  return Math.floor(time / interval) * interval;
}
