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
  | { type: 'ready' }
  | { type: 'live'; count: number }
  | { type: 'result'; outcomes: DashboardOutcome[] };

const inflate = { br: promisify(brotliDecompress), gzip: promisify(gunzip) } as const;
// As browsers ask (they also offer zstd and deflate, which the server does not pick over these).
const ACCEPT_ENCODING = 'gzip, deflate, br';
const agent = new http.Agent({ keepAlive: true });

class Dashboard {
  private readonly connection: Connection;
  private readonly feed: HeatmapFeed;
  private killedAt: number | null = null;
  /** Set by the first frame after the kill that needed the heatmap: fetches must finish after it. */
  private needsHeatmapAfter: number | null = null;
  /** The connection dropped after the kill, then connected again (to the survivor, through nginx). */
  private droppedAfterKill = false;
  private connectedAfterKill = false;
  loaded = false;
  readonly outcome: DashboardOutcome = { liveAt: null, fetches: 0, bytes: 0, cacheHits: 0 };

  constructor(
    task: StormTask,
    private readonly onLive: () => void,
  ) {
    this.connection = createConnection({
      httpUrl: task.httpUrl,
      wsUrl: task.wsUrl,
      webSocketImpl: WebSocket,
      fetch: (input, init) => this.fetch(input, init),
    });
    this.connection.onState((state) => {
      if (this.killedAt === null) return;
      if (state.status === 'live') this.connectedAfterKill = this.droppedAfterKill;
      else if (state.status !== 'slow') this.droppedAfterKill = true;
    });
    this.feed = watchHeatmaps(this.connection, { symbols: task.symbols, window: task.window });
    this.feed.onFrame(({ verdict, via }) => {
      if (this.killedAt === null || !this.connectedAfterKill || via !== 'subscription') return;
      if (this.outcome.liveAt !== null || this.needsHeatmapAfter !== null) return;
      if (verdict === 'next') this.live(Date.now());
      else this.needsHeatmapAfter = Date.now();
    });
    this.feed.onChange((views) => {
      this.loaded = views.every((view) => view.heatmap !== null);
    });
  }

  kill(at: number): void {
    this.killedAt = at;
  }

  private live(at: number): void {
    this.outcome.liveAt = at;
    this.onLive();
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
            if (this.killedAt !== null && started >= this.killedAt) {
              this.outcome.fetches++;
              this.outcome.bytes += body.length + head;
              if (response.headers['x-cache-status'] === 'HIT') this.outcome.cacheHits++;
              if (this.outcome.liveAt === null && this.needsHeatmapAfter !== null && started >= this.needsHeatmapAfter)
                this.live(Date.now());
            }
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
  let liveCount = 0;
  const onLive = () => {
    liveCount++;
  };
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(task.rampConcurrency, task.dashboards) }, async () => {
      while (next < task.dashboards) {
        next++;
        const dashboard = new Dashboard(task, onLive);
        dashboards.push(dashboard);
        while (!dashboard.loaded) await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }),
  );
  process.send?.({ type: 'ready' } satisfies StormMessage);
  process.on('message', async (message: { type: 'kill'; at: number } | { type: 'report' }) => {
    if (message.type === 'kill') {
      for (const dashboard of dashboards) dashboard.kill(message.at);
      const timer = setInterval(() => process.send?.({ type: 'live', count: liveCount } satisfies StormMessage), 250);
      timer.unref();
    } else {
      process.send?.({ type: 'result', outcomes: dashboards.map((d) => d.outcome) } satisfies StormMessage);
      await Promise.all(dashboards.map((dashboard) => dashboard.dispose()));
    }
  });
}

process.once('message', (task: StormTask) => void run(task));
