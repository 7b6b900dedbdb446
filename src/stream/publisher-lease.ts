import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { RedisKeys } from './redis-keys.js';

/**
 * Takes the lease when free, renews it when already ours: 1 when held afterwards. Held by another
 * instance: minus the milliseconds its lease has left (≤ 0), which says whether that holder renews it.
 */
const ACQUIRE_OR_RENEW = `
local owner = redis.call('GET', KEYS[1])
if owner == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if owner then return -math.max(redis.call('PTTL', KEYS[1]), 0) end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`;

/** Deletes the lease only if it is still ours (it may have expired and been taken meanwhile). */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/**
 * One publisher per symbol across instances: a Redis key per symbol holding the owner's id with an
 * expiry (set-if-absent with PX), renewed every third of its lifetime while this instance is alive
 * and connected, released on a graceful stop. When the holder dies its lease expires and the next
 * `refresh` of another instance takes it, so a symbol is without publisher for at most about one
 * lifetime plus one renewal period.
 *
 * Holding the lease locally is advisory (it says when to compute frames); the fencing is in the
 * publish script, which checks the owner in Redis before allocating a seq (see RedisBroker).
 */
export class PublisherLease {
  /** This instance's id in the lease keys, unique per process start. */
  readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  /** Symbol → local time until which the lease is certainly ours (counted from before the request). */
  private readonly heldUntil = new Map<string, number>();
  /** Symbols whose lease another instance holds but has stopped renewing (it died or hangs). */
  private readonly unrenewed = new Set<string>();

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly symbols: readonly string[],
    readonly ttlMs: number,
  ) {}

  get renewEveryMs(): number {
    return Math.max(50, Math.floor(this.ttlMs / 3));
  }

  holds(symbol: string): boolean {
    return (this.heldUntil.get(symbol) ?? 0) > Date.now();
  }

  held(): string[] {
    return this.symbols.filter((symbol) => this.holds(symbol));
  }

  /**
   * Symbols nobody publishes now: held by an instance that let its lease run below half its lifetime,
   * though a live holder renews it every third. Another instance takes it once it expires.
   */
  orphaned(): string[] {
    return this.symbols.filter((symbol) => this.unrenewed.has(symbol));
  }

  /** Acquires free leases and renews ours, for every symbol. Rejects when Redis fails. */
  async refresh(): Promise<void> {
    const sentAt = Date.now();
    const pipeline = this.redis.pipeline();
    for (const symbol of this.symbols)
      pipeline.eval(ACQUIRE_OR_RENEW, 1, this.keys.lease(symbol), this.owner, this.ttlMs);
    const results = (await pipeline.exec()) ?? [];
    this.symbols.forEach((symbol, i) => {
      const [error, held] = results[i] ?? [new Error('no reply'), 0];
      if (error) throw error;
      if (held === 1) this.heldUntil.set(symbol, sentAt + this.ttlMs);
      else this.heldUntil.delete(symbol);
      if (held !== 1 && -Number(held) < this.ttlMs / 2) this.unrenewed.add(symbol);
      else this.unrenewed.delete(symbol);
    });
  }

  /** Forgets a lease Redis says is no longer ours (the publish script found another owner). */
  lost(symbol: string): void {
    this.heldUntil.delete(symbol);
  }

  /** Forgets every lease: Redis is unreachable, so they will expire there. */
  forgetAll(): void {
    this.heldUntil.clear();
    this.unrenewed.clear();
  }

  /** Gives back the leases we hold so another instance takes over at its next refresh. */
  async release(): Promise<void> {
    const held = this.held();
    this.heldUntil.clear();
    await Promise.all(held.map((symbol) => this.redis.eval(RELEASE, 1, this.keys.lease(symbol), this.owner)));
  }
}
