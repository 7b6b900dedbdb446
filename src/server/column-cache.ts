import { getOperationAST, Kind, valueFromAST, type ExecutionArgs, type FieldNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { columnStart, WINDOWS } from '../heatmap/windows.js';
import type { WindowName } from '../heatmap/types.js';
import { sharingKey } from './shared-results.js';

/**
 * Heatmap queries over GET answered once per column (docs/api.md, "Caching"): the first GET of a
 * heatmap-only query in its window's open column executes; every identical GET until that column
 * closes gets the same result, so the same bytes, ETag and compressed body. A heatmap's closed columns
 * cannot change before then, and its open column is what every `heatmapUpdated` frame replaces, so a
 * client that applies the live frames over it (the dashboard does) sees what a fresh answer would show.
 * The answer says so to caches: `Cache-Control: public, max-age` up to the close (with a real-time
 * source; a replay's columns do not close on the wall clock, so there it stays revalidated). POST and
 * WebSocket operations are never pinned: they always get the current heatmap; nor is anything while the
 * history is still loading in the background (older columns arrive at each stage).
 */
export interface ColumnCache {
  plugin: Plugin;
  /** Seconds a cache may keep this request's answer; undefined when the answer is not pinned. */
  maxAgeOf(request: Request): number | undefined;
}

export function columnCachedHeatmaps(options: {
  /** Epoch ms of the open 1-minute column of a symbol's latest frame (FrameContent.timestamp). */
  latestTimestamp: (symbol: string) => number | undefined;
  /** Market time runs with the wall clock (every source but replay): max-age can be given. */
  realTime: boolean;
  /** The history backfill is still swapping in older columns (docs/architecture.md, "History"): no answer is pinned. */
  historyLoading: () => boolean;
  /** Distinct pinned answers kept; the oldest go first. */
  maxEntries: number;
}): ColumnCache {
  const entries = new Map<string, { closes: Array<{ symbol: string; close: number }>; result: Promise<unknown> }>();
  const maxAges = new WeakMap<Request, number>();
  const closed = (symbol: string, close: number) => (options.latestTimestamp(symbol) ?? -Infinity) >= close;

  return {
    maxAgeOf: (request) => maxAges.get(request),
    plugin: {
      onExecute({ args, executeFn, setExecuteFn }) {
        const request = (args.contextValue as { request?: Request }).request;
        if (request?.method !== 'GET' || options.historyLoading()) return;
        const key = sharingKey(args);
        const closes = key === null ? null : columnCloses(args, options.latestTimestamp);
        if (key === null || closes === null) return;
        const now = Date.now();
        maxAges.set(
          request,
          options.realTime ? Math.max(0, Math.floor(Math.min(...closes.map((c) => c.close - now)) / 1000)) : 0,
        );
        const pinnedKey = `${closes.map((c) => c.close).join(',')}\n${key}`;
        setExecuteFn((executionArgs: ExecutionArgs) => {
          const entry = entries.get(pinnedKey);
          if (entry) return entry.result;
          for (const [stale, { closes: its }] of entries)
            if (its.some((c) => closed(c.symbol, c.close))) entries.delete(stale);
          const result = Promise.resolve(executeFn(executionArgs));
          entries.set(pinnedKey, { closes, result });
          if (entries.size > options.maxEntries) entries.delete(entries.keys().next().value!);
          // An answer with errors (unknown symbol, a failure) is not kept: the next request tries again.
          void result.then(
            (value) => (value as { errors?: unknown }).errors && entries.delete(pinnedKey),
            () => entries.delete(pinnedKey),
          );
          return result;
        });
      },
    },
  };
}

/** When each `heatmap` field's open column closes (market epoch ms), or null if a symbol has no frame yet. */
function columnCloses(
  args: ExecutionArgs,
  latestTimestamp: (symbol: string) => number | undefined,
): Array<{ symbol: string; close: number }> | null {
  const field = args.schema.getQueryType()?.getFields().heatmap;
  const operation = getOperationAST(args.document, args.operationName);
  if (!field || !operation) return null;
  const argument = (node: FieldNode, name: string): unknown => {
    const definition = field.args.find((arg) => arg.name === name);
    const given = node.arguments?.find((arg) => arg.name.value === name);
    if (!definition) return undefined;
    return given ? valueFromAST(given.value, definition.type, args.variableValues) : definition.defaultValue;
  };
  const closes: Array<{ symbol: string; close: number }> = [];
  for (const selection of operation.selectionSet.selections) {
    if (selection.kind !== Kind.FIELD) return null;
    const symbol = argument(selection, 'symbol');
    const window = WINDOWS[argument(selection, 'window') as WindowName];
    const latest = typeof symbol === 'string' ? latestTimestamp(symbol) : undefined;
    if (!window || latest === undefined) return null;
    closes.push({ symbol: symbol as string, close: columnStart(latest, window.interval) + window.interval });
  }
  return closes;
}
