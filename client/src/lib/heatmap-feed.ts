import type { Subscription } from 'wonka';
import type {
  Exchange,
  HeatmapFieldsFragment as Heatmap,
  HeatmapWindow,
  SnapshotFieldsFragment as Snapshot,
} from '../gql/graphql.js';
import type { Connection } from './connection.js';
import { coverageOf, type HistoryProgress } from './coverage.js';
import { isPolling } from './connection-state.js';
import { HeatmapQuery, HeatmapUpdatedSubscription, SnapshotQuery } from './documents.js';
import { Emitter } from './emitter.js';
import { applyFrame } from './heatmap-merge.js';
import { acceptSeq, type SeqVerdict } from './seq.js';
import { slowConsumerNotice } from './slow-consumer.js';

/** What the dashboard draws for one symbol. */
export interface SymbolView {
  symbol: string;
  heatmap: Heatmap | null;
  lastFrame: Snapshot | null;
  /** Epoch ms when data for this symbol last arrived. */
  updatedAt: number | null;
  error: string | null;
}

export interface FeedOptions {
  symbols: readonly string[];
  window: HeatmapWindow;
  /** The exchanges whose books to sum; omitted: all the server runs. */
  exchanges?: readonly Exchange[] | null;
  /** How often `snapshot` is polled while WebSocket is down, ms. */
  pollIntervalMs?: number;
  /** The server's history backfill now (it changes while the feed lives); omitted: taken as still loading. */
  history?: () => HistoryProgress;
}

export interface AppliedFrame {
  frame: Snapshot;
  verdict: Exclude<SeqVerdict, 'duplicate'>;
  via: 'subscription' | 'poll';
}

export interface HeatmapFeed {
  readonly views: readonly SymbolView[];
  onChange(listener: (views: readonly SymbolView[]) => void): () => void;
  /** Every frame that was applied (duplicates never are). */
  onFrame(listener: (applied: AppliedFrame) => void): () => void;
  dispose(): void;
}

export const defaultPollIntervalMs = 3_000;
/** While the server is still loading a window's history, its grid is fetched again this often: older columns arrive. */
export const fillingRefetchMs = 5_000;

/**
 * Live heatmaps for a set of symbols over one window: loads each grid once, then applies frames from
 * the subscription, or from `snapshot` polling while the connection says so. `seq` decides: frames
 * already applied are dropped, a gap (or a publisher restart) refetches that symbol's grid.
 */
export function watchHeatmaps(connection: Connection, options: FeedOptions): HeatmapFeed {
  const { client } = connection;
  const pollIntervalMs = options.pollIntervalMs ?? defaultPollIntervalMs;
  const emitter = new Emitter<{ change: readonly SymbolView[]; frame: AppliedFrame }>();
  const symbols = [...options.symbols];
  const exchanges = options.exchanges ? [...options.exchanges] : null;
  let views: readonly SymbolView[] = symbols.map((symbol) => ({
    symbol,
    heatmap: null,
    lastFrame: null,
    updatedAt: null,
    error: null,
  }));
  /** Symbols whose grid request is in flight. */
  const loading = new Set<string>();
  const refetchTimers = new Set<ReturnType<typeof setTimeout>>();
  let disposed = false;

  const viewOf = (symbol: string) => views.find((view) => view.symbol === symbol)!;
  const update = (symbol: string, patch: Partial<SymbolView>) => {
    views = views.map((view) => (view.symbol === symbol ? { ...view, ...patch } : view));
    emitter.emit('change', views);
  };

  /**
   * The grid over GET (`latest`: POST). A GET heatmap is the same answer until its window's open
   * column closes, so a browser or CDN (nginx, deploy/nginx.conf) may serve it from its cache: its
   * closed columns are current and its open column is replaced by the newest frame here. Only a frame
   * off the cached grid's price axis needs the server's latest grid.
   */
  const loadHeatmap = async (symbol: string, latest = false) => {
    if (loading.has(symbol)) return;
    loading.add(symbol);
    const result = await client
      .query(
        HeatmapQuery,
        { symbol, window: options.window, exchanges },
        { preferGetMethod: latest ? false : 'within-url-limit' },
      )
      .toPromise();
    loading.delete(symbol);
    if (disposed) return;
    const loaded = result.data?.heatmap;
    if (!loaded) {
      update(symbol, { error: result.error?.message ?? 'no data' });
      return;
    }
    // The newest frame (the whole open column) goes over the grid: frames that arrived while it was
    // in flight, and what a cached grid's open column lacks.
    const { lastFrame } = viewOf(symbol);
    const merged = lastFrame ? applyFrame(loaded, lastFrame) : null;
    update(symbol, { heatmap: merged?.heatmap ?? loaded, error: null, updatedAt: Date.now() });
    if (!latest && (merged?.outcome === 'skipped' || merged?.outcome === 'offAxis')) void loadHeatmap(symbol, true);
    // While the server is still loading the window's history, ask again (live, not a cached grid): older columns arrive.
    if (coverageOf(loaded, options.history?.()).filling) {
      const timer = setTimeout(() => {
        refetchTimers.delete(timer);
        void loadHeatmap(symbol, true);
      }, fillingRefetchMs);
      refetchTimers.add(timer);
    }
  };

  const acceptFrame = (frame: Snapshot, via: AppliedFrame['via']) => {
    const view = views.find((candidate) => candidate.symbol === frame.symbol);
    if (!view) return;
    const verdict = acceptSeq(view.lastFrame, frame);
    if (verdict === 'duplicate') return;
    const merged = view.heatmap ? applyFrame(view.heatmap, frame) : null;
    update(frame.symbol, { lastFrame: frame, heatmap: merged?.heatmap ?? null, updatedAt: Date.now() });
    emitter.emit('frame', { frame, verdict, via });
    if (!merged || verdict !== 'next' || merged.outcome === 'skipped' || merged.outcome === 'offAxis')
      void loadHeatmap(frame.symbol, merged?.outcome === 'offAxis');
  };

  const subscription: Subscription = client
    .subscription(HeatmapUpdatedSubscription, { symbols, exchanges })
    .subscribe((result) => {
      const frame = result.data?.heatmapUpdated;
      if (!frame) return;
      connection.dispatch({ type: 'frameReceived', slowConsumer: slowConsumerNotice(result.extensions) });
      acceptFrame(frame, 'subscription');
    });

  // One poll loop at most; it ends by itself once the connection is back on WebSocket.
  let pollLoopRunning = false;
  let wakePollLoop: (() => void) | undefined;
  const pollOnce = async () => {
    const results = await Promise.all(
      symbols.map((symbol) => client.query(SnapshotQuery, { symbol, exchanges }).toPromise()),
    );
    if (disposed) return;
    connection.dispatch({
      type: results.some((result) => result.error?.networkError) ? 'pollFailed' : 'pollSucceeded',
    });
    for (const result of results) if (result.data?.snapshot) acceptFrame(result.data.snapshot, 'poll');
  };
  const pollLoop = async () => {
    pollLoopRunning = true;
    while (!disposed && isPolling(connection.state)) {
      await pollOnce();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pollIntervalMs);
        wakePollLoop = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    pollLoopRunning = false;
  };
  const followConnection = () => {
    if (isPolling(connection.state) && !pollLoopRunning) void pollLoop();
  };
  const stopFollowing = connection.onState(followConnection);

  for (const symbol of symbols) void loadHeatmap(symbol);
  followConnection();

  return {
    get views() {
      return views;
    },
    onChange: (listener) => emitter.on('change', listener),
    onFrame: (listener) => emitter.on('frame', listener),
    dispose() {
      disposed = true;
      for (const timer of refetchTimers) clearTimeout(timer);
      subscription.unsubscribe();
      stopFollowing();
      wakePollLoop?.();
      emitter.clear();
    },
  };
}
