import http from 'node:http';
import { promisify } from 'node:util';
import { brotliDecompress, gunzip } from 'node:zlib';
import WebSocket from 'ws';
import { createConnection, type Connection } from '../client/src/lib/connection.js';
import { watchHeatmaps, type HeatmapFeed } from '../client/src/lib/heatmap-feed.js';
import type { HeatmapWindow } from '../client/src/gql/graphql.js';

/**
 * One load process of bench/reconnect-storm.ts: its share of dashboards, each the dashboard's own
 * connection and heatmap feed (client/src/lib: graphql-ws with its backoff, the heatmap loaded at
 * start and refetched on a seq gap or restart) with a fetch that counts the bytes each heatmap
 * answer took on the wire. After the parent kills their instance, each dashboard is live again once
 * a frame arrived on its new connection and, when that frame needed the heatmap refetched, the
 * heatmap is in.
 */
export interface StormTask {
  httpUrl: string;
  wsUrl: string;
  dashboards: number;
  symbols: string[];
  window: HeatmapWindow;
  /** Dashboards connecting at once while setting up. */
  rampConcurrency: number;
}

/** What one dashboard did after the kill. */
export interface DashboardOutcome {
  /** Epoch ms it was live again, or null if it never was before the parent asked. */
  liveAt: number | null;
  /** Heatmap answers it fetched after the kill, and their bytes on the wire (body and head). */
  fetches: number;
  bytes: number;
  /** Of those, answered by nginx's cache (its X-Cache-Status). */
  cacheHits: number;
}

export type StormMessage =
  { type: 'ready' } | { type: 'live'; count: number } | { type: 'result'; outcomes: DashboardOutcome[] };

const inflate = { br: promisify(brotliDecompress), gzip: promisify(gunzip) } as const;
// As browsers ask (they also offer zstd and deflate, which the server does not pick over these).
const ACCEPT_ENCODING = 'gzip, deflate, br';
const agent = new http.Agent({ keepAlive: true });

/** What a dashboard saw, with epoch-ms times: evaluated once the kill's time is known. */
interface Seen {
  states: Array<{ at: number; live: boolean }>;
  frames: Array<{ at: number; next: boolean }>;
  fetches: Array<{ started: number; ended: number; bytes: number; cacheHit: boolean }>;
}

/**
 * Live again after `killedAt`: the connection dropped and came back, a frame arrived over it, and if
 * that frame was not the next seq (frames were missed) the heatmap it asked for is in.
 */
export function outcomeOf(seen: Seen, killedAt: number): DashboardOutcome {
  const fetches = seen.fetches.filter((f) => f.started >= killedAt);
  const outcome: DashboardOutcome = {
    liveAt: null,
    fetches: fetches.length,
    bytes: fetches.reduce((total, f) => total + f.bytes, 0),
    cacheHits: fetches.filter((f) => f.cacheHit).length,
  };
  const dropped = seen.states.find((s) => s.at >= killedAt && !s.live);
  const back = dropped && seen.states.find((s) => s.at >= dropped.at && s.live);
  const frame = back && seen.frames.find((f) => f.at >= back.at);
  if (!frame) return outcome;
  if (frame.next) return { ...outcome, liveAt: frame.at };
  const heatmap = fetches.find((f) => f.started >= frame.at);
  return { ...outcome, liveAt: heatmap ? heatmap.ended : null };
}

class Dashboard {
  private readonly connection: Connection;
  private readonly feed: HeatmapFeed;
  private hasHeatmaps = false;
  private streaming = false;
  readonly seen: Seen = { states: [], frames: [], fetches: [] };

  constructor(task: StormTask) {
    this.connection = createConnection({
      httpUrl: task.httpUrl,
      wsUrl: task.wsUrl,
      webSocketImpl: WebSocket,
      fetch: (input, init) => this.fetch(input, init),
    });
    this.connection.onState((state) =>
      // `slow` is still connected; every other status but `live` means the socket is gone.
      this.seen.states.push({ at: Date.now(), live: state.status === 'live' || state.status === 'slow' }),
    );
    this.feed = watchHeatmaps(this.connection, { symbols: task.symbols, window: task.window });
    this.feed.onFrame(({ verdict, via }) => {
      if (via !== 'subscription') return;
      this.streaming = true;
      this.seen.frames.push({ at: Date.now(), next: verdict === 'next' });
    });
    this.feed.onChange((views) => {
      this.hasHeatmaps = views.every((view) => view.heatmap !== null);
    });
  }

  /** Set up as a dashboard in use: its heatmaps loaded, frames arriving over the subscription. */
  get ready(): boolean {
    return this.hasHeatmaps && this.streaming;
  }

  /** Plain node:http, so the compressed bytes can be counted; the body handed on is inflated, as fetch does. */
  private fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const started = Date.now();
    const url = new URL(input instanceof Request ? input.url : String(input));
    const headers = { ...(init?.headers as Record<string, string>), 'accept-encoding': ACCEPT_ENCODING };
    return new Promise<Response>((resolve, reject) => {
      const request = http.request(url, { method: init?.method ?? 'GET', headers, agent }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const body = Buffer.concat(chunks);
          const head = response.rawHeaders.reduce((total, part) => total + part.length + 2, 16);
          const encoding = response.headers['content-encoding'] as keyof typeof inflate | undefined;
          void (encoding && inflate[encoding] ? inflate[encoding](body) : Promise.resolve(body)).then((plain) => {
            this.seen.fetches.push({
              started,
              ended: Date.now(),
              bytes: body.length + head,
              cacheHit: response.headers['x-cache-status'] === 'HIT',
            });
            const responseHeaders = new Headers();
            for (const [name, value] of Object.entries(response.headers))
              if (typeof value === 'string' && name !== 'content-encoding' && name !== 'content-length')
                responseHeaders.set(name, value);
            resolve(new Response(plain, { status: response.statusCode, headers: responseHeaders }));
          }, reject);
        });
      });
      request.on('error', reject);
      request.end(init?.body as string | undefined);
    });
  }

  async dispose(): Promise<void> {
    this.feed.dispose();
    await this.connection.dispose();
  }
}

async function run(task: StormTask): Promise<void> {
  const dashboards: Dashboard[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(task.rampConcurrency, task.dashboards) }, async () => {
      while (next < task.dashboards) {
        next++;
        const dashboard = new Dashboard(task);
        dashboards.push(dashboard);
        while (!dashboard.ready) await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }),
  );
  process.send?.({ type: 'ready' } satisfies StormMessage);
  process.on('message', async (message: { type: 'count' | 'report'; killedAt: number }) => {
    const outcomes = dashboards.map((dashboard) => outcomeOf(dashboard.seen, message.killedAt));
    if (message.type === 'count') {
      process.send?.({ type: 'live', count: outcomes.filter((o) => o.liveAt !== null).length } satisfies StormMessage);
      return;
    }
    process.send?.({ type: 'result', outcomes } satisfies StormMessage);
    await Promise.all(dashboards.map((dashboard) => dashboard.dispose()));
  });
}

process.once('message', (task: StormTask) => void run(task));
