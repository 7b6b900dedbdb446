import { getOperationAST, Kind, print, type DocumentNode, type ExecutionArgs } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** A shared result's JSON as bytes, made once, and a key naming that body among all answers. */
export interface SharedAnswer {
  readonly key: string;
  readonly bytes: Buffer;
}

/**
 * Heatmap queries answered once per publisher tick, however many clients ask (docs/architecture.md).
 * A 30-day heatmap is large: completing its cells and serializing them costs tens of milliseconds,
 * and hundreds of identical queries arriving together would each pay it, back to back on the event
 * loop, starving the live stream. Here the first of them executes and every identical one (same
 * document, operation and variables) within `ttlMs` gets that same result: over HTTP and over
 * WebSocket alike (graphql-ws executes through the same envelop). Only operations whose root fields
 * are all `heatmap` are shared: their answer changes at most once per tick and is the same for
 * every client; other queries (live counters, feed state) always execute.
 *
 * Over HTTP the answer is also serialized once (yoga's JSON response uses a result's own
 * `stringify`), and `answerOf` gives a request's answer as those bytes, so that the compression of
 * large answers (large-answers.ts) neither re-encodes nor re-hashes 200 KB per request.
 */
export function sharedHeatmapResults(ttlMs: number): {
  plugin: Plugin;
  answerOf: (request: Request) => SharedAnswer | undefined;
} {
  const entries = new Map<string, { at: number; result: Promise<unknown> }>();
  const answers = new WeakMap<object, SharedAnswer>();
  const answerOfRequest = new WeakMap<Request, SharedAnswer>();
  let executions = 0;
  const plugin: Plugin = {
    onExecute({ args, executeFn, setExecuteFn }) {
      const key = sharingKey(args);
      if (key === null) return;
      setExecuteFn((executionArgs: ExecutionArgs) => {
        const now = Date.now();
        const entry = entries.get(key);
        if (entry && now - entry.at < ttlMs) return entry.result;
        // Entries live one tick: dropping the stale ones here bounds the map by the distinct queries of one tick.
        for (const [stale, { at }] of entries) if (now - at >= ttlMs) entries.delete(stale);
        const execution = ++executions;
        const result = Promise.resolve(executeFn(executionArgs)).then((result) => {
          const answer = serializedOnce(result, `shared:${execution}`);
          if (answer) answers.set(result as object, answer);
          return result;
        });
        entries.set(key, { at: now, result });
        return result;
      });
    },
    onResultProcess({ request, result }) {
      const answer = answers.get(result);
      if (answer) answerOfRequest.set(request, answer);
    },
  };
  return { plugin, answerOf: (request) => answerOfRequest.get(request) };
}

/** Printed documents by the parsed document: yoga reuses one parsed document per query text. */
const printed = new WeakMap<DocumentNode, string>();

/** The key identical requests share, or null for an operation that is not only `heatmap` fields. */
export function sharingKey(args: ExecutionArgs): string | null {
  const operation = getOperationAST(args.document, args.operationName);
  if (operation?.operation !== 'query') return null;
  const heatmapOnly = operation.selectionSet.selections.every(
    (selection) => selection.kind === Kind.FIELD && selection.name.value === 'heatmap',
  );
  if (!heatmapOnly) return null;
  let document = printed.get(args.document);
  if (document === undefined) printed.set(args.document, (document = print(args.document)));
  return `${args.operationName ?? ''}\n${JSON.stringify(args.variableValues ?? {})}\n${document}`;
}

/**
 * Gives a plain result (no errors, no extensions: yoga answers it as is) a `stringify` that yoga's
 * HTTP response calls, so the JSON is made once; returns it as bytes, or null for another result.
 */
function serializedOnce(result: unknown, key: string): SharedAnswer | null {
  if (typeof result !== 'object' || result === null || 'errors' in result || 'extensions' in result) return null;
  let json: string | undefined;
  let bytes: Buffer | undefined;
  const stringify = () => (json ??= JSON.stringify(result));
  Object.defineProperty(result, 'stringify', {
    enumerable: false,
    value: (value: unknown) => (value === result ? stringify() : JSON.stringify(value)),
  });
  return {
    key,
    get bytes() {
      return (bytes ??= Buffer.from(stringify()));
    },
  };
}
