import { WINDOW_NAMES, windowLabel } from '../../../src/heatmap/windows.js';
import type { Exchange, HeatmapWindow } from '../gql/graphql.js';
import { defaultBackoff, type BackoffOptions } from '../lib/backoff.js';
import { defaultPollIntervalMs } from '../lib/heatmap-feed.js';

/** The model's windows, in its order, with its labels: a window added there appears here. */
export const windows: ReadonlyArray<{ name: HeatmapWindow; label: string }> = WINDOW_NAMES.map((name) => ({
  name,
  label: windowLabel(name),
}));

export interface Settings {
  /** Symbols and window to open with (the page keeps them in its URL). */
  symbols: string[];
  window: HeatmapWindow;
  /** The exchanges whose books to sum; null: all of them (the server's default). */
  exchanges: Exchange[] | null;
  pollIntervalMs: number;
  backoff: BackoffOptions;
}

function positiveNumber(value: string | null, fallback: number): number {
  const parsed = Number(value);
  return value !== null && Number.isFinite(parsed) && parsed > 0 ? parsed : fallback;
}

/**
 * Settings from the page's query string: `?symbols=BTCUSDT,ETHUSDT&window=D3&exchanges=BINANCE,OKX`, plus timing knobs
 * (`pollMs`, `backoffBaseMs`, `backoffMaxMs`) that operators and browser tests can tighten.
 */
export function settingsFromUrl(search: string): Settings {
  const params = new URLSearchParams(search);
  const window = windows.find((candidate) => candidate.name === params.get('window'))?.name ?? 'H24';
  return {
    symbols: (params.get('symbols') ?? '').split(',').filter(Boolean),
    window,
    exchanges: exchangesFrom(params.get('exchanges')),
    pollIntervalMs: positiveNumber(params.get('pollMs'), defaultPollIntervalMs),
    backoff: {
      baseMs: positiveNumber(params.get('backoffBaseMs'), defaultBackoff.baseMs),
      maxMs: positiveNumber(params.get('backoffMaxMs'), defaultBackoff.maxMs),
    },
  };
}

const EXCHANGES: readonly Exchange[] = ['BINANCE', 'BYBIT', 'OKX'];

/** Known exchange names of a comma list; null (all) when it names none. */
function exchangesFrom(value: string | null): Exchange[] | null {
  const named = (value ?? '').split(',').map((name) => name.trim().toUpperCase());
  const known = EXCHANGES.filter((exchange) => named.includes(exchange));
  return known.length > 0 ? known : null;
}

/** Writes the current choice back to the URL so a reload or a shared link opens the same view. */
export function rememberInUrl(
  symbols: readonly string[],
  window: HeatmapWindow,
  exchanges: readonly Exchange[] | null,
): void {
  const url = new URL(globalThis.location.href);
  url.searchParams.set('symbols', symbols.join(','));
  url.searchParams.set('window', window);
  if (exchanges) url.searchParams.set('exchanges', exchanges.join(','));
  else url.searchParams.delete('exchanges');
  globalThis.history.replaceState(null, '', url);
}
