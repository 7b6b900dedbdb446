import type { Subscription } from 'wonka';
import type {
  Exchange,
  HeatmapFieldsFragment as Heatmap,
  HeatmapWindow,
  SnapshotFieldsFragment as Snapshot,
} from '../gql/graphql.js';
import type { Connection } from './connection.js';
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
  /** Seq of the newest frame when a grid request went out, per symbol in flight. */
  const loading = new Map<string, number | undefined>();
  let disposed = false;

  const viewOf = (symbol: string) => views.find((view) => view.symbol === symbol)!;
  const update = (symbol: string, patch: Partial<SymbolView>) => {
    views = views.map((view) => (view.symbol === symbol ? { ...view, ...patch } : view));
    emitter.emit('change', views);
  };

  const loadHeatmap = async (symbol: string) => {
    if (loading.has(symbol)) return;
    loading.set(symbol, viewOf(symbol).lastFrame?.seq);
    const result = await client.query(HeatmapQuery, { symbol, window: options.window, exchanges }).toPromise();
    const seqAtRequest = loading.get(symbol);
    loading.delete(symbol);
    if (disposed) return;
    const loaded = result.data?.heatmap;
    if (!loaded) {
      update(symbol, { error: result.error?.message ?? 'no data' });
      return;
    }
    // Frames that arrived while the grid was in flight went into the old grid; the newest one
    // (a frame is the whole open column) carries them over.
    const { lastFrame } = viewOf(symbol);
    const heatmap = lastFrame && lastFrame.seq !== seqAtRequest ? applyFrame(loaded, lastFrame).heatmap : loaded;
    update(symbol, { heatmap, error: null, updatedAt: Date.now() });
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
      void loadHeatmap(frame.symbol);
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
      subscription.unsubscribe();
      stopFollowing();
      wakePollLoop?.();
      emitter.clear();
    },
  };
}
