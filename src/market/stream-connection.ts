import WebSocket from 'ws';
import type { Logger } from 'pino';
import { backoffDelay } from './backoff.js';

export interface StreamConnectionOptions {
  /** Names the exchange and stream in log lines, e.g. 'binance stream'. */
  name: string;
  url: string;
  /** Sent once on every open, e.g. subscribe requests (Binance takes its streams in the URL: none). */
  subscribe?: readonly string[];
  /** Sent every `intervalMs` while open: exchanges that expect a client ping (Bybit, OKX). */
  heartbeat?: { intervalMs: number; message: string };
  /** No message for this long → the stream is considered stalled and the connection is replaced. */
  staleAfterMs: number;
  /** Replace the connection before the exchange's connection lifetime cuts it (Binance: 24 h); unset: no rotation. */
  maxConnectionAgeMs?: number;
  reconnectBaseMs: number;
  reconnectMaxMs: number;
  onMessage: (text: string) => void;
  /** A connection is open and streaming (first connect, reconnect or rotation). */
  onOpen: () => void;
  /** The stream is down or stalled; `detail` says why and what happens next. */
  onDown: (detail: string, connected: boolean) => void;
  logger?: Logger;
}

/**
 * One long-lived WebSocket to an exchange's market stream. It sends only its subscribe messages and
 * heartbeats (Binance disconnects clients over 10 incoming messages/s and gets neither); server pings
 * are answered by ws's autoPong. Reconnects with exponential backoff and full jitter (resubscribing),
 * replaces a stalled connection, and rotates make-before-break before the maximum connection age so an
 * exchange's lifetime cut never causes a gap.
 */
export class StreamConnection {
  private socket: WebSocket | null = null;
  /** A rotation's new socket until it opens and takes over. */
  private replacement: WebSocket | null = null;
  private attempt = 0;
  /** performance.now() of the last message: monotonic, so a wall-clock jump neither hides a stall nor fakes one. */
  private lastMessageAt = 0;
  private gotMessageSinceOpen = false;
  private downReason: string | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private rotateTimer: NodeJS.Timeout | null = null;
  private staleTimer: NodeJS.Timeout | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(private readonly options: StreamConnectionOptions) {}

  start(): void {
    this.stopped = false;
    this.socket = this.createSocket();
  }

  /** Closes everything and resolves once the sockets are gone. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of [this.reconnectTimer, this.rotateTimer, this.staleTimer]) if (timer) clearTimeout(timer);
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.reconnectTimer = this.rotateTimer = this.staleTimer = this.heartbeatTimer = null;
    const sockets = [this.socket, this.replacement].filter((socket): socket is WebSocket => socket !== null);
    this.socket = this.replacement = null;
    await Promise.all(sockets.map(closeNow));
  }

  private createSocket(): WebSocket {
    const socket = new WebSocket(this.options.url, { autoPong: true, handshakeTimeout: this.options.staleAfterMs });
    socket.on('open', () => this.handleOpen(socket));
    socket.on('message', (data: WebSocket.RawData) => {
      if (socket === this.socket) this.handleMessage(data);
    });
    socket.on('close', (code: number) => this.handleClose(socket, code));
    socket.on('error', (error: Error) => {
      // A 'close' always follows; reconnecting happens there.
      this.options.logger?.warn({ err: error, url: this.options.url }, `${this.options.name} socket error`);
    });
    return socket;
  }

  private handleOpen(socket: WebSocket): void {
    if (this.stopped) return;
    if (socket === this.replacement) {
      const old = this.socket;
      this.replacement = null;
      this.socket = socket;
      if (old) void closeNow(old);
      this.options.logger?.info(`${this.options.name} connection rotated`);
    }
    if (socket !== this.socket) return;
    for (const message of this.options.subscribe ?? []) socket.send(message);
    this.lastMessageAt = performance.now();
    this.gotMessageSinceOpen = false;
    this.armStaleCheck(this.options.staleAfterMs);
    this.startHeartbeat(socket);
    if (this.rotateTimer) clearTimeout(this.rotateTimer);
    const { maxConnectionAgeMs } = this.options;
    this.rotateTimer = maxConnectionAgeMs === undefined ? null : setTimeout(() => this.rotate(), maxConnectionAgeMs);
    this.options.onOpen();
  }

  private startHeartbeat(socket: WebSocket): void {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
    const { heartbeat } = this.options;
    if (!heartbeat) return;
    this.heartbeatTimer = setInterval(() => {
      if (socket === this.socket && socket.readyState === WebSocket.OPEN) socket.send(heartbeat.message);
    }, heartbeat.intervalMs);
  }

  private handleMessage(data: WebSocket.RawData): void {
    this.lastMessageAt = performance.now();
    if (!this.gotMessageSinceOpen) {
      // Only a connection that actually streams resets the backoff (an accept-then-close loop must not spin).
      this.gotMessageSinceOpen = true;
      this.attempt = 0;
    }
    this.options.onMessage(data.toString());
  }

  private handleClose(socket: WebSocket, code: number): void {
    if (this.stopped) return;
    if (socket === this.replacement) {
      // The rotation failed; keep the current connection and try again later.
      this.replacement = null;
      this.options.logger?.warn({ code }, `${this.options.name} rotation failed; keeping the current connection`);
      this.rotateTimer = setTimeout(() => this.rotate(), this.nextBackoff());
      return;
    }
    if (socket !== this.socket) return;
    this.socket = null;
    if (this.replacement) {
      // Abandon a rotation in progress: the reconnect below opens the one new connection.
      void closeNow(this.replacement);
      this.replacement = null;
    }
    if (this.staleTimer) clearTimeout(this.staleTimer);
    if (this.rotateTimer) clearTimeout(this.rotateTimer);
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.staleTimer = this.rotateTimer = this.heartbeatTimer = null;
    const delay = this.nextBackoff();
    const reason = this.downReason ?? `connection closed (code ${code})`;
    this.downReason = null;
    this.options.onDown(`${reason}; reconnecting in ${Math.round(delay)} ms`, false);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.socket = this.createSocket();
    }, delay);
  }

  private rotate(): void {
    this.rotateTimer = null;
    if (this.stopped || this.replacement) return;
    this.replacement = this.createSocket();
  }

  private armStaleCheck(delay: number): void {
    if (this.staleTimer) clearTimeout(this.staleTimer);
    // One timer re-armed from the last message time, instead of one reset per message.
    this.staleTimer = setTimeout(() => {
      this.staleTimer = null;
      const socket = this.socket;
      if (!socket || this.stopped) return;
      const idle = Math.round(performance.now() - this.lastMessageAt);
      if (idle < this.options.staleAfterMs) {
        this.armStaleCheck(this.options.staleAfterMs - idle);
        return;
      }
      this.downReason = `stalled: no message for ${idle} ms`;
      this.options.onDown(this.downReason, true);
      socket.terminate();
    }, delay);
  }

  private nextBackoff(): number {
    return backoffDelay(this.attempt++, this.options.reconnectBaseMs, this.options.reconnectMaxMs);
  }
}

function closeNow(socket: WebSocket): Promise<void> {
  if (socket.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    socket.once('close', () => resolve());
    // terminate(): no close handshake to wait for; the exchanges do not require one.
    socket.terminate();
  });
}
