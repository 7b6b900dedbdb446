import type { ServerResponse } from 'node:http';
import type { Plugin } from 'graphql-yoga';

/** Answers that stream for as long as the client stays (subscriptions over SSE, incremental delivery). */
const STREAM = /^(text\/event-stream|multipart\/mixed)\b/;

/**
 * The live stream first (docs/architecture.md, "Heavy queries"): HTTP requests enter yoga one per
 * event-loop turn, at most `concurrency` at a time, the others waiting their turn in arrival order.
 *
 * Node runs timers (the publisher's tick) only between turns of its event loop, and a turn handles
 * every socket that became readable before it: 500 heatmap queries arriving together were one turn
 * of 2–3 s, and so were 500 queries resuming together when the heatmap they waited for was built.
 * Admitted one per turn and never more than `concurrency` at once, a turn does at most a few
 * requests' work, so the tick runs late by milliseconds, not seconds, and the queries still share
 * one build and one serialization (shared-results.ts). A request holds its place until its answer
 * is sent, or, for a stream, until the stream starts.
 */
export function pacedAdmission(concurrency: number): Plugin {
  const waiting: Array<() => void> = [];
  const inside = new Set<Request>();
  let scheduled = false;
  const admitNext = () => {
    scheduled = false;
    if (inside.size >= concurrency) return;
    waiting.shift()?.();
    schedule();
  };
  // An immediate set from within an immediate runs in the next turn, after that turn's timers.
  const schedule = () => {
    if (scheduled || waiting.length === 0) return;
    scheduled = true;
    setImmediate(admitNext);
  };
  const leave = (request: Request) => {
    if (inside.delete(request)) schedule();
  };
  return {
    async onRequest({ request, serverContext }) {
      await new Promise<void>((resolve) => {
        waiting.push(resolve);
        schedule();
      });
      inside.add(request);
      // 'close' follows the last byte sent, and also a client gone before its answer (maybe while it waited).
      const res = (serverContext as { res?: ServerResponse }).res;
      if (res?.closed) leave(request);
      else res?.once('close', () => leave(request));
    },
    onResponse({ request, response, serverContext }) {
      const streams = STREAM.test(response.headers.get('content-type') ?? '');
      // Without a Node response (yoga.fetch) there is no 'close' to wait for: the answer is out.
      if (streams || !(serverContext as { res?: ServerResponse }).res) leave(request);
    },
  };
}
