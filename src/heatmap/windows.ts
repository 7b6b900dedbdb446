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

/** A span in the unit people use for it: days from 2 days up, hours from 1 hour, else minutes. */
function inUnit(ms: number): { count: number; unit: 'day' | 'hour' | 'minute' } {
  if (ms >= 2 * DAY && ms % DAY === 0) return { count: ms / DAY, unit: 'day' };
  if (ms >= HOUR && ms % HOUR === 0) return { count: ms / HOUR, unit: 'hour' };
  return { count: ms / MINUTE, unit: 'minute' };
}

/** "12h", "3d": how the dashboard's picker names a window. */
export function windowLabel(name: WindowName): string {
  const { count, unit } = inUnit(WINDOWS[name].duration);
  return `${count}${unit[0]}`;
}

/** "12 hours, 3-minute columns": the schema's description of a window. */
export function windowDescription(name: WindowName): string {
  const span = inUnit(WINDOWS[name].duration);
  const column = inUnit(WINDOWS[name].interval);
  return `${span.count} ${span.unit}${span.count === 1 ? '' : 's'}, ${column.count}-${column.unit} columns`;
}

/** Start of the interval-aligned column holding `time` (columns align to the epoch, so 4h columns start at 00:00 UTC). */
export function columnStart(time: number, interval: number): number {
  return Math.floor(time / interval) * interval;
}
