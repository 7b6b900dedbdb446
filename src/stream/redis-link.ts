import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';

export type RedisState = 'connecting' | 'up' | 'down';

export interface RedisDeadlines {
  /** Every command on `commands` rejects after this long without an answer (ioredis `commandTimeout`). */
  commandTimeoutMs: number;
  /** Redis that has answered nothing for this long, though connected, counts as down. */
  unresponsiveAfterMs: number;
}

/** ioredis's rejection of a command that got no answer within `commandTimeout`. */
export function isCommandTimeout(error: unknown): boolean {
  return error instanceof Error && error.message === 'Command timed out';
}

/**
 * The two ioredis connections one instance keeps to Redis: `commands` (publish, leases, shared
 * state) and `subscriber` (pub/sub mode allows nothing else on a connection). Both reconnect for
 * ever; the subscriber resubscribes on its own (ioredis `autoResubscribe`). Every connection error
 * and every failed command reported through `failed` is counted and logged once per outage, and
 * `onChange` tells the owner when Redis becomes usable or unusable.
 *
 * A Redis that stops answering without closing the connection (a hung host, a partition, SIGSTOP)
 * is down too: every command has a deadline, and after a command times out the link PINGs until
 * Redis answers; no answer for `unresponsiveAfterMs` makes it down until a PING succeeds. A single
 * late answer (a busy Redis, a stalled event loop here) does not.
 */
export class RedisLink {
  readonly commands: Redis;
  readonly subscriber: Redis;
  errors = 0;
  lastError: string | null = null;
  private current: RedisState = 'connecting';
  private readonly listeners: Array<(state: RedisState) => void> = [];
  /** When the current run of unanswered commands began; null while Redis answers. */
  private silentSince: number | null = null;
  private unresponsive = false;
  private probing = false;
  private closed = false;

  constructor(
    url: string,
    private readonly log: Logger,
    private readonly deadlines: RedisDeadlines,
  ) {
    const common: RedisOptions = {
      // Reconnect quickly and keep trying: an outage ends when Redis answers again.
      retryStrategy: (attempt) => Math.min(100 * attempt, 1000),
      connectTimeout: 2000,
      lazyConnect: false,
    };
    this.commands = new Redis(url, {
      ...common,
      connectionName: 'heatmap-commands',
      // Fail at once while disconnected: a frame must fall back to local publishing now, not wait
      // in a queue and be published late; nothing is re-sent after a reconnect (it would be stale).
      enableOfflineQueue: false,
      autoResendUnfulfilledCommands: false,
      maxRetriesPerRequest: 0,
      commandTimeout: deadlines.commandTimeoutMs,
    });
    this.subscriber = new Redis(url, {
      ...common,
      connectionName: 'heatmap-subscriber',
      // SUBSCRIBE issued while Redis is unreachable waits for the connection instead of failing.
      maxRetriesPerRequest: null,
    });
    // A new connection starts with an empty command queue: nothing is left unanswered.
    this.commands.on('ready', () => {
      this.silentSince = null;
      this.unresponsive = false;
    });
    for (const client of [this.commands, this.subscriber]) {
      client.on('error', (error: Error) => this.failed(error));
      client.on('ready', () => this.update());
      client.on('close', () => this.update());
      client.on('end', () => this.update());
    }
  }

  get state(): RedisState {
    return this.current;
  }

  up(): boolean {
    return this.current === 'up';
  }

  onChange(listener: (state: RedisState) => void): void {
    this.listeners.push(listener);
  }

  /** Counts and logs a Redis failure (a connection error or a rejected command); a timeout starts probing. */
  failed(error: unknown): void {
    this.errors++;
    // Known to be unresponsive: a further timeout is counted, the reason shown stays "not answering".
    if (this.unresponsive && isCommandTimeout(error)) return;
    const message = error instanceof Error ? error.message : String(error);
    if (message !== this.lastError) this.log.warn({ event: 'redis_error', err: message, state: this.current });
    this.lastError = message;
    if (isCommandTimeout(error)) {
      this.silentSince ??= Date.now();
      void this.probe();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([this.commands, this.subscriber].map((client) => client.quit().catch(() => client.disconnect())));
  }

  /** PINGs (each within the command deadline) until Redis answers; down once silent for `unresponsiveAfterMs`. */
  private async probe(): Promise<void> {
    if (this.probing) return;
    this.probing = true;
    try {
      while (this.silentSince !== null && !this.closed) {
        try {
          await this.commands.ping();
          this.silentSince = null;
          if (this.unresponsive) {
            this.unresponsive = false;
            this.update();
          }
        } catch (error) {
          // Not connected: the connection's own events say down and up from here.
          if (!isCommandTimeout(error) || this.silentSince === null) break;
          const silentMs = Date.now() - this.silentSince;
          if (!this.unresponsive && silentMs >= this.deadlines.unresponsiveAfterMs) {
            this.unresponsive = true;
            this.failed(new Error(`Redis not answering: no reply for ${silentMs} ms`));
            this.update();
          }
        }
      }
    } finally {
      this.probing = false;
    }
  }

  private update(): void {
    const ready = this.commands.status === 'ready' && this.subscriber.status === 'ready' && !this.unresponsive;
    const next: RedisState = ready ? 'up' : this.current === 'connecting' && this.errors === 0 ? 'connecting' : 'down';
    if (next === this.current) return;
    // A dropped connection is an error too, even when Redis closed it cleanly (no 'error' event).
    if (next === 'down' && this.current === 'up' && !this.unresponsive)
      this.failed(new Error('connection to Redis lost'));
    this.current = next;
    if (next === 'up') this.lastError = null;
    this.log.info({ event: next === 'up' ? 'redis_up' : 'redis_down', lastError: this.lastError });
    for (const listener of this.listeners) listener(next);
  }
}
