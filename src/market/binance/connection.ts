import WebSocket from 'ws';
import type { Logger } from 'pino';
import { backoffDelay } from './backoff.js';

export interface StreamConnectionOptions {
  url: string;
  /** No message for this long → the stream is considered stalled and the connection is replaced. */
  staleAfterMs: number;
  /** Replace the connection before the exchange's 24 h limit cuts it. */
  maxConnectionAgeMs: number;
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
 * One long-lived WebSocket to a combined stream. Listens only: it never sends (Binance disconnects
 * clients over 10 incoming messages/s); server pings are answered by ws's autoPong. Reconnects with
 * exponential backoff and full jitter, replaces a stalled connection, and rotates make-before-break
 * before the maximum connection age so the exchange's 24 h cut never causes a gap.
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
    this.reconnectTimer = this.rotateTimer = this.staleTimer = null;
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
      this.options.logger?.warn({ err: error, url: this.options.url }, 'binance stream socket error');
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
      this.options.logger?.info('binance stream connection rotated');
    }
    if (socket !== this.socket) return;
    this.lastMessageAt = performance.now();
    this.gotMessageSinceOpen = false;
    this.armStaleCheck(this.options.staleAfterMs);
    if (this.rotateTimer) clearTimeout(this.rotateTimer);
    this.rotateTimer = setTimeout(() => this.rotate(), this.options.maxConnectionAgeMs);
    this.options.onOpen();
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
      this.options.logger?.warn({ code }, 'binance stream rotation failed; keeping the current connection');
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
    this.staleTimer = this.rotateTimer = null;
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
    // terminate(): no close handshake to wait for; Binance does not require one.
    socket.terminate();
  });
}
