import { createClient, type Client, type ClientOptions, type FormattedExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';

export const FRAME_FIELDS = `symbol seq timestamp generatedAt currentPrice priceStep positionsCreated positionsConsumed
  levels { price long short } candle { time open high low close }`;
export const HEATMAP_SUBSCRIPTION = `subscription Frames($symbols: [String!]!) { heatmapUpdated(symbols: $symbols) { ${FRAME_FIELDS} } }`;

export interface Frame {
  symbol: string;
  seq: number;
  timestamp: string;
  generatedAt: string;
  currentPrice: number;
  priceStep: number;
  levels: Array<{ price: number; long: number; short: number }>;
  positionsCreated: number;
  positionsConsumed: number;
  candle: { time: string; open: number; high: number; low: number; close: number } | null;
}

/** graphql-ws's own client over `ws`, no retries: tests see every close. */
export function wsClient(url: string, options: Partial<ClientOptions> = {}): Client {
  return createClient({ url, webSocketImpl: WebSocket, lazy: false, retryAttempts: 0, ...options });
}

/** Records every result of one subscription; `until` resolves when a predicate over them holds. */
export function record<T = { heatmapUpdated: Frame }>(
  client: Client,
  query: string,
  variables: Record<string, unknown>,
) {
  const results: FormattedExecutionResult<T, unknown>[] = [];
  const waiters: Array<() => void> = [];
  let error: unknown;
  let completed = false;
  const notify = () => waiters.splice(0).forEach((w) => w());
  const unsubscribe = client.subscribe<T>(
    { query, variables },
    {
      next: (r) => {
        results.push(r);
        notify();
      },
      error: (e) => {
        error = e;
        notify();
      },
      complete: () => {
        completed = true;
        notify();
      },
    },
  );
  const until = (predicate: () => boolean, timeoutMs = 15_000) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`timed out; ${results.length} results, error=${JSON.stringify(error)}`)),
        timeoutMs,
      );
      const check = () => {
        if (predicate()) {
          clearTimeout(timer);
          resolve();
        } else waiters.push(check);
      };
      check();
    });
  return {
    results,
    get error() {
      return error;
    },
    get completed() {
      return completed;
    },
    frames: () =>
      results.flatMap((r) => (r.data ? [(r.data as unknown as { heatmapUpdated: Frame }).heatmapUpdated] : [])),
    until,
    unsubscribe,
  };
}

/** `ws` sending these upgrade headers (e.g. X-Forwarded-For), as graphql-ws's `webSocketImpl`. */
export function webSocketWithHeaders(headers: Record<string, string>): typeof WebSocket {
  return class extends WebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols, { headers });
    }
  } as typeof WebSocket;
}

/**
 * A raw graphql-transport-ws socket for protocol-level tests; like `ws`'s client, it offers
 * permessage-deflate unless told not to.
 */
export function rawSocket(
  url: string,
  options: { headers?: Record<string, string>; offerDeflate?: boolean } = {},
): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, 'graphql-transport-ws', {
      headers: options.headers ?? {},
      perMessageDeflate: options.offerDeflate ?? true,
    });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

export function closeOf(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
}

export async function httpQuery<T = Record<string, unknown>>(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, body: (await res.json()) as FormattedExecutionResult<T> };
}

/**
 * A client that offers no WebSocket extension (the plain path), replaying exactly the subscribe
 * message another client sent (same id, same operation), so both should read the same messages.
 */
export async function plainReplay(url: string, subscribeMessage: string) {
  const ws = await rawSocket(url, { offerDeflate: false });
  const received: string[] = [];
  ws.on('message', (data) => received.push(String(data)));
  ws.send(JSON.stringify({ type: 'connection_init' }));
  await new Promise<void>((resolve) => {
    const acked = () => (received.some((m) => m.includes('connection_ack')) ? resolve() : ws.once('message', acked));
    ws.once('message', acked);
  });
  ws.send(subscribeMessage);
  return { ws, nexts: () => received.filter((m) => m.includes('"type":"next"')) };
}

/** A frame's identity in a `next` message's text: its symbol and seq. */
export const frameKey = (message: string) =>
  `${/"symbol":"(\w+)"/.exec(message)?.[1]}:${/"seq":(\d+)/.exec(message)?.[1]}`;
