import http from 'node:http';
import { print } from 'graphql';
import WebSocket from 'ws';
import type { HeatmapWindow } from '../client/src/gql/graphql.js';
import { backoffDelay, defaultBackoff } from '../client/src/lib/backoff.js';
import { HeatmapQuery } from '../client/src/lib/documents.js';
import { readFrameHead, LOAD_QUERY } from './lib/frame-head.js';

/**
 * One load process of bench/reconnect-storm.ts: its share of dashboard-like clients, each doing on
 * the wire what the dashboard does (client/src/lib: connection.ts, heatmap-feed.ts, seq.ts) at a
 * load generator's cost: a graphql-transport-ws subscription (raw `ws`, offering permessage-deflate as
 * browsers do; seq read from the first bytes, no JSON.parse), reconnected with the dashboard's backoff
 * after a drop; the heatmap loaded at start and again when a frame is not the next seq (frames were
 * missed, or a publisher restarted), as the dashboard's GET (`HeatmapQuery`), its bytes counted on the
 * wire and not parsed. After the parent kills their instance, each is live again once a frame arrived
 * on its new connection and, when that frame asked for the heatmap, the heatmap is in.
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

// What urql's fetchExchange sends for a query over GET (the dashboard's client).
const ACCEPT = 'application/graphql-response+json, application/graphql+json, application/json';
// As browsers ask (they also offer zstd, which the server does not pick over these).
const ACCEPT_ENCODING = 'gzip, deflate, br';
const agent = new http.Agent({ keepAlive: true });

class Dashboard {
  readonly seen: Seen = { states: [], frames: [], fetches: [] };
  private last: { seq: number; generatedAt: number } | null = null;
  private attempt = 0;
  private loading = false;
  private hasHeatmap = false;
  private readonly heatmapUrl: string;
  private socket: WebSocket | null = null;
  private disposed = false;

  constructor(private readonly task: StormTask) {
    const variables = JSON.stringify({ symbol: task.symbols[0], window: task.window });
    this.heatmapUrl = `${task.httpUrl}?query=${encodeURIComponent(print(HeatmapQuery))}&operationName=Heatmap&variables=${encodeURIComponent(variables)}`;
    this.connect();
    this.loadHeatmap();
  }

  /** Set up as a dashboard in use: its heatmap loaded, frames arriving over the subscription. */
  get ready(): boolean {
    return this.hasHeatmap && this.last !== null;
  }

  private connect(): void {
    const ws = new WebSocket(this.task.wsUrl, 'graphql-transport-ws', { skipUTF8Validation: true });
    this.socket = ws;
    ws.on('open', () => ws.send('{"type":"connection_init"}'));
    ws.on('message', (data: Buffer) => {
      if (data.length < 64 && data.includes('connection_ack')) {
        this.attempt = 0;
        this.seen.states.push({ at: Date.now(), live: true });
        const payload = { query: LOAD_QUERY, variables: { symbols: this.task.symbols } };
        ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload }));
        return;
      }
      if (data.length < 64 && data.includes('"ping"')) return ws.send('{"type":"pong"}');
      const head = readFrameHead(data);
      if (head) this.frame(head.seq, head.generatedAt);
    });
    ws.on('error', () => undefined); // a close follows
    ws.on('close', () => {
      if (this.disposed) return;
      this.seen.states.push({ at: Date.now(), live: false });
      setTimeout(() => this.connect(), backoffDelay(this.attempt++, defaultBackoff));
    });
  }

  /** client/src/lib/seq.ts's verdicts: the next seq is applied, a gap or a restart reloads the heatmap, a duplicate is dropped. */
  private frame(seq: number, generatedAt: number): void {
    const last = this.last;
    const next = !last || seq === last.seq + 1;
    if (!next && seq <= last.seq && generatedAt <= last.generatedAt) return; // duplicate
    this.last = { seq, generatedAt };
    this.seen.frames.push({ at: Date.now(), next });
    if (!next) this.loadHeatmap();
  }

  private loadHeatmap(): void {
    if (this.loading) return;
    this.loading = true;
    const started = Date.now();
    const done = (bytes: number, ok: boolean, cacheHit: boolean) => {
      this.loading = false;
      if (!ok) return;
      this.hasHeatmap = true;
      this.seen.fetches.push({ started, ended: Date.now(), bytes, cacheHit });
    };
    const request = http.get(
      this.heatmapUrl,
      { agent, headers: { accept: ACCEPT, 'accept-encoding': ACCEPT_ENCODING } },
      (response) => {
        let bytes = response.rawHeaders.reduce((total, part) => total + part.length + 2, 16);
        response.on('data', (chunk: Buffer) => (bytes += chunk.length));
        response.on('end', () =>
          done(bytes, response.statusCode === 200, response.headers['x-cache-status'] === 'HIT'),
        );
        response.on('error', () => done(0, false, false));
      },
    );
    request.on('error', () => done(0, false, false));
  }

  dispose(): void {
    this.disposed = true;
    this.socket?.terminate();
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
  process.on('message', (message: { type: 'count' | 'report'; killedAt: number }) => {
    const outcomes = dashboards.map((dashboard) => outcomeOf(dashboard.seen, message.killedAt));
    if (message.type === 'count') {
      process.send?.({ type: 'live', count: outcomes.filter((o) => o.liveAt !== null).length } satisfies StormMessage);
      return;
    }
    process.send?.({ type: 'result', outcomes } satisfies StormMessage);
    for (const dashboard of dashboards) dashboard.dispose();
  });
}

process.once('message', (task: StormTask) => void run(task));
