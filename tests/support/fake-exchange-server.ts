/**
 * What every fake exchange shares (Binance, Bybit, OKX): one local HTTP server for REST and WebSocket
 * upgrades on the exchange's routes, the connection bookkeeping tests inspect, and the faults tests inject:
 * dropped, stalled and refused connections, garbage, rate-limited REST. Each exchange subclass speaks its
 * own documented formats on top.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface FakeConnection {
  readonly id: number;
  /** The WebSocket route it connected to. */
  readonly route: string;
  /** What it streams, in order: Binance's `streams` query names, Bybit topics, OKX `channel:instId`. */
  readonly streams: readonly string[];
  readonly open: boolean;
  /** Stalled connections stay open but get nothing (no events, no pings, no pongs). */
  readonly stalled: boolean;
  /** Pongs received in answer to the server's pings. */
  readonly pongs: number;
  /** Messages the client sent (a Binance market-stream client should send none). */
  readonly messagesReceived: number;
  /** Client heartbeats answered (Bybit `{"op":"ping"}`, OKX `ping`). */
  readonly pings: number;
}

export interface RecordedRequest {
  path: string;
  params: Record<string, string>;
  status: number;
}

export interface ConnectionState {
  id: number;
  route: string;
  streams: string[];
  socket: WebSocket;
  stalled: boolean;
  pongs: number;
  messagesReceived: number;
  pings: number;
  pingTimer: NodeJS.Timeout | null;
}

/** A REST answer: status, JSON body, extra headers. */
export interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** Decimal string as exchanges send them (never exponent notation). */
export function dec(value: number): string {
  return value.toFixed(8).replace(/\.?0+$/, '');
}

export abstract class FakeExchangeServer {
  private readonly server: Server;
  private readonly wss = new WebSocketServer({ noServer: true });
  protected readonly all: ConnectionState[] = [];
  private readonly recorded: RecordedRequest[] = [];
  private readonly queuedReplies: Reply[] = [];
  private refusing = false;
  private port = 0;

  /** `routes`: WebSocket paths served; `pingIntervalMs`: server pings per connection (Binance), none when unset. */
  protected constructor(
    private readonly routes: readonly string[],
    private readonly pingIntervalMs?: number,
  ) {
    this.server = createServer((req, res) => this.handleRest(req, res));
    this.server.on('upgrade', (req, socket, head) => {
      const url = new URL(req.url ?? '/', 'http://fake');
      if (!this.routes.includes(url.pathname)) {
        socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
        return;
      }
      if (this.refusing) {
        socket.end('HTTP/1.1 503 Service Unavailable\r\n\r\n');
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, url));
    });
  }

  protected async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  get wsBaseUrl(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  get restBaseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  // ── inspection ────────────────────────────────────────────────────────────

  /** Every connection accepted so far, oldest first (closed ones included). */
  get connections(): readonly FakeConnection[] {
    return this.all.map((c) => ({
      id: c.id,
      route: c.route,
      streams: [...c.streams],
      open: c.socket.readyState === c.socket.OPEN,
      stalled: c.stalled,
      pongs: c.pongs,
      messagesReceived: c.messagesReceived,
      pings: c.pings,
    }));
  }

  openConnections(): FakeConnection[] {
    return this.connections.filter((c) => c.open);
  }

  /** REST requests received, optionally only those to `path`. */
  requests(path?: string): RecordedRequest[] {
    return this.recorded.filter((r) => path === undefined || r.path === path);
  }

  // ── faults ────────────────────────────────────────────────────────────────

  /** Sends raw text (garbage, unknown streams, wrong types) to every live connection. */
  sendRaw(text: string): void {
    for (const c of this.live()) c.socket.send(text);
  }

  /** The next `count` REST requests fail with `status` (an exchange outage). */
  failNext(count: number, status = 502): void {
    this.replyNext(count, { status, body: { error: 'Bad Gateway' } });
  }

  /** Kills every connection abruptly (no close frame), like a network drop. */
  dropAll(): void {
    for (const c of this.all) c.socket.terminate();
  }

  /** While refusing, WebSocket upgrades are answered 503 (an exchange outage); existing connections are untouched. */
  refuseConnections(refusing: boolean): void {
    this.refusing = refusing;
  }

  /** Current connections go silent (no events, no pings, no answers) but stay open; new connections are healthy. */
  stall(): void {
    for (const c of this.all) c.stalled = true;
  }

  async close(): Promise<void> {
    for (const c of this.all) {
      if (c.pingTimer) clearInterval(c.pingTimer);
      c.socket.terminate();
    }
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ── for the exchange subclasses ───────────────────────────────────────────

  /** The next `count` REST requests get `reply` instead of an answer (rate limits in the exchange's own shape). */
  protected replyNext(count: number, reply: Reply): void {
    for (let i = 0; i < count; i++) this.queuedReplies.push(reply);
  }

  /** Open, not stalled connections. */
  protected live(): ConnectionState[] {
    return this.all.filter((c) => !c.stalled && c.socket.readyState === c.socket.OPEN);
  }

  /** Sends `text` to every live connection streaming `stream`; returns how many got it. */
  protected sendToSubscribers(stream: string, text: string): number {
    let sent = 0;
    for (const c of this.live()) {
      if (c.streams.includes(stream)) {
        c.socket.send(text);
        sent++;
      }
    }
    return sent;
  }

  /** The streams a new connection starts with (Binance names them in the URL; the others subscribe later). */
  protected initialStreams(_url: URL): string[] {
    return [];
  }

  /** A text message from a client (subscribe requests, heartbeats). Stalled connections never see one answered. */
  protected onClientMessage(_connection: ConnectionState, _text: string): void {}

  /** Headers on every REST answer (Binance's used weight). */
  protected commonHeaders(): Record<string, string> {
    return {};
  }

  /** Answers one REST GET in the exchange's format. */
  protected abstract answer(path: string, params: Record<string, string>): Reply;

  // ── internals ─────────────────────────────────────────────────────────────

  private accept(socket: WebSocket, url: URL): void {
    const { pingIntervalMs } = this;
    const state: ConnectionState = {
      id: this.all.length + 1,
      route: url.pathname,
      streams: this.initialStreams(url),
      socket,
      stalled: false,
      pongs: 0,
      messagesReceived: 0,
      pings: 0,
      pingTimer:
        pingIntervalMs === undefined
          ? null
          : setInterval(() => {
              if (!state.stalled && socket.readyState === socket.OPEN) socket.ping();
            }, pingIntervalMs),
    };
    socket.on('pong', () => state.pongs++);
    socket.on('close', () => {
      if (state.pingTimer) clearInterval(state.pingTimer);
    });
    socket.on('message', (data) => {
      state.messagesReceived++;
      if (!state.stalled) this.onClientMessage(state, String(data));
    });
    this.all.push(state);
  }

  private handleRest(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://fake');
    const params = Object.fromEntries(url.searchParams);
    const { status, body, headers } = this.queuedReplies.shift() ?? this.answer(url.pathname, params);
    this.recorded.push({ path: url.pathname, params, status });
    res.writeHead(status, { 'content-type': 'application/json', ...this.commonHeaders(), ...headers });
    res.end(JSON.stringify(body));
  }
}
