import { useEffect, useState, useSyncExternalStore } from 'react';
import type { Exchange, HeatmapWindow } from '../gql/graphql.js';
import type { Connection } from '../lib/connection.js';
import type { ConnectionState } from '../lib/connection-state.js';
import { watchHeatmaps, type SymbolView } from '../lib/heatmap-feed.js';

export function useConnectionState(connection: Connection): ConnectionState {
  return useSyncExternalStore(connection.onState, () => connection.state);
}

/** Live views of the chosen symbols over the chosen exchanges (null: all); a new choice replaces the feed (and its subscription). */
export function useHeatmapFeed(
  connection: Connection,
  symbols: readonly string[],
  window: HeatmapWindow,
  exchanges: readonly Exchange[] | null,
  pollIntervalMs: number,
): readonly SymbolView[] {
  const [views, setViews] = useState<readonly SymbolView[]>([]);
  const key = symbols.join(',');
  const exchangesKey = exchanges?.join(',') ?? '';
  useEffect(() => {
    if (!key) return;
    const feed = watchHeatmaps(connection, {
      symbols: key.split(','),
      window,
      exchanges: exchangesKey ? (exchangesKey.split(',') as Exchange[]) : null,
      pollIntervalMs,
    });
    setViews(feed.views);
    const stopListening = feed.onChange(setViews);
    return () => {
      stopListening();
      feed.dispose();
    };
  }, [connection, key, window, exchangesKey, pollIntervalMs]);
  return views;
}

/** The current time, refreshed every `everyMs` (for "updated … ago"). */
export function useNow(everyMs: number): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}
