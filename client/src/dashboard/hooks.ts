import { useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { useQuery } from 'urql';
import type { Exchange, HeatmapWindow, MarketSourceQuery as MarketSource } from '../gql/graphql.js';
import type { Connection } from '../lib/connection.js';
import type { ConnectionState } from '../lib/connection-state.js';
import type { HistoryProgress } from '../lib/coverage.js';
import { MarketSourceQuery } from '../lib/documents.js';
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
  history: HistoryProgress,
): readonly SymbolView[] {
  const [views, setViews] = useState<readonly SymbolView[]>([]);
  // Read by the feed when a grid arrives; a change alone does not replace the feed.
  const latestHistory = useRef(history);
  latestHistory.current = history;
  const key = symbols.join(',');
  const exchangesKey = exchanges?.join(',') ?? '';
  useEffect(() => {
    if (!key) return;
    const feed = watchHeatmaps(connection, {
      symbols: key.split(','),
      window,
      exchanges: exchangesKey ? (exchangesKey.split(',') as Exchange[]) : null,
      pollIntervalMs,
      history: () => latestHistory.current,
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

/** The server's `marketSource` (its feeds' state, the history backfill's failure), asked every `everyMs`; null until it answers. */
export function useMarketSource(everyMs: number): MarketSource['marketSource'] | null {
  const [result, refetch] = useQuery({ query: MarketSourceQuery, requestPolicy: 'network-only' });
  useEffect(() => {
    const timer = setInterval(() => refetch({ requestPolicy: 'network-only' }), everyMs);
    return () => clearInterval(timer);
  }, [refetch, everyMs]);
  return result.data?.marketSource ?? null;
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
