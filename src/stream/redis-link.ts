import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';

export type RedisState = 'connecting' | 'up' | 'down';

/**
 * The two ioredis connections one instance keeps to Redis: `commands` (publish, leases, shared
 * state) and `subscriber` (pub/sub mode allows nothing else on a connection). Both reconnect for
 * ever; the subscriber resubscribes on its own (ioredis `autoResubscribe`). Every connection error
 * and every failed command reported through `failed` is counted and logged once per outage, and
 * `onChange` tells the owner when Redis becomes usable or unusable.
 */
export class RedisLink {
  readonly commands: Redis;
  readonly subscriber: Redis;
  errors = 0;
  lastError: string | null = null;
  private current: RedisState = 'connecting';
  private readonly listeners: Array<(state: RedisState) => void> = [];

  constructor(
    url: string,
    private readonly log: Logger,
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
    });
    this.subscriber = new Redis(url, {
      ...common,
      connectionName: 'heatmap-subscriber',
      // SUBSCRIBE issued while Redis is unreachable waits for the connection instead of failing.
      maxRetriesPerRequest: null,
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

  /** Counts and logs a Redis failure (a connection error or a rejected command). */
  failed(error: unknown): void {
    this.errors++;
    const message = error instanceof Error ? error.message : String(error);
    if (message !== this.lastError) this.log.warn({ event: 'redis_error', err: message, state: this.current });
    this.lastError = message;
  }

  async close(): Promise<void> {
    await Promise.all([this.commands, this.subscriber].map((client) => client.quit().catch(() => client.disconnect())));
  }

  private update(): void {
    const ready = this.commands.status === 'ready' && this.subscriber.status === 'ready';
    const next: RedisState = ready ? 'up' : this.current === 'connecting' && this.errors === 0 ? 'connecting' : 'down';
    if (next === this.current) return;
    // A dropped connection is an error too, even when Redis closed it cleanly (no 'error' event).
    if (next === 'down' && this.current === 'up') this.failed(new Error('connection to Redis lost'));
    this.current = next;
    if (next === 'up') this.lastError = null;
    this.log.info({ event: next === 'up' ? 'redis_up' : 'redis_down', lastError: this.lastError });
    for (const listener of this.listeners) listener(next);
  }
}
