import { getOperationAST, Kind, print, type ExecutionArgs } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * Heatmap queries answered once per publisher tick, however many clients ask (docs/architecture.md).
 * A 30-day heatmap is large: completing its cells and serializing them costs tens of milliseconds,
 * and hundreds of identical queries arriving together would each pay it, back to back on the event
 * loop, starving the live stream. Here the first of them executes and every identical one (same
 * document, operation and variables) within `ttlMs` gets that same result: over HTTP and over
 * WebSocket alike (graphql-ws executes through the same envelop). Over HTTP the result is also
 * serialized once: yoga's JSON response uses a result's own `stringify` when it has one. Only operations whose root fields
 * are all `heatmap` are shared: their answer changes at most once per tick and is the same for
 * every client; other queries (live counters, feed state) always execute.
 */
export function sharedHeatmapResults(ttlMs: number): Plugin {
  const entries = new Map<string, { at: number; result: Promise<unknown> }>();
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      const key = sharingKey(args);
      if (key === null) return;
      setExecuteFn((executionArgs: ExecutionArgs) => {
        const now = Date.now();
        const entry = entries.get(key);
        if (entry && now - entry.at < ttlMs) return entry.result;
        // Entries live one tick: dropping the stale ones here bounds the map by the distinct queries of one tick.
        for (const [stale, { at }] of entries) if (now - at >= ttlMs) entries.delete(stale);
        const result = Promise.resolve(executeFn(executionArgs)).then(serializedOnce);
        entries.set(key, { at: now, result });
        return result;
      });
    },
  };
}

/** The key identical requests share, or null for an operation that is not only `heatmap` fields. */
export function sharingKey(args: ExecutionArgs): string | null {
  const operation = getOperationAST(args.document, args.operationName);
  if (operation?.operation !== 'query') return null;
  const heatmapOnly = operation.selectionSet.selections.every(
    (selection) => selection.kind === Kind.FIELD && selection.name.value === 'heatmap',
  );
  if (!heatmapOnly) return null;
  return `${args.operationName ?? ''}\n${JSON.stringify(args.variableValues ?? {})}\n${print(args.document)}`;
}

/** Gives a result without errors a `stringify` that yoga's HTTP response calls: the JSON is made once. */
function serializedOnce<T>(result: T): T {
  if (typeof result !== 'object' || result === null || 'errors' in result) return result;
  let json: string | undefined;
  Object.defineProperty(result, 'stringify', {
    enumerable: false,
    value: (value: unknown) => (value === result ? (json ??= JSON.stringify(result)) : JSON.stringify(value)),
  });
  return result;
}
