/**
 * Token buckets: `rate` tokens per second refill up to `burst`; each request takes one. A bucket is
 * a few numbers, so a per-connection bucket costs nothing and a per-address map stays small.
 * Time is `performance.now()` (monotonic): a wall-clock jump must neither block nor unblock clients.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    now = performance.now(),
  ) {
    this.tokens = burst;
    this.updatedAt = now;
  }

  /** Takes a token if there is one. */
  take(now = performance.now()): boolean {
    this.refill(now);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Seconds until the next token (0 when one is available): the Retry-After of a refusal. */
  retryAfterSeconds(now = performance.now()): number {
    this.refill(now);
    return this.tokens >= 1 ? 0 : Math.ceil((1 - this.tokens) / this.rate);
  }

  /** Back to full: the bucket holds no information and can be forgotten. */
  isFull(now = performance.now()): boolean {
    this.refill(now);
    return this.tokens >= this.burst;
  }

  private refill(now: number): void {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.updatedAt) / 1000) * this.rate);
    this.updatedAt = now;
  }
}

/**
 * The per-address budget of HTTP_RATE_LIMIT, one for the whole process: GraphQL queries over HTTP,
 * queries over WebSocket and failed WebSocket API keys all draw on it (docs/security.md). null when off.
 */
export function perAddressBudget({ rate, burst }: { rate: number; burst: number }): KeyedRateLimiter | null {
  return rate > 0 ? new KeyedRateLimiter(rate, burst) : null;
}

/**
 * One bucket per key (a client address). Full buckets are forgotten by a sweep that runs from
 * `take` at most once per refill period (no timer to leak), so memory follows the addresses active
 * within the last burst/rate seconds; `maxKeys` bounds it even under a flood of spoofed or rotating
 * addresses (past it, unknown addresses share one overflow bucket).
 */
export class KeyedRateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly overflow: TokenBucket;
  private readonly sweepEveryMs: number;
  private sweptAt = performance.now();

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private readonly maxKeys = 100_000,
  ) {
    this.overflow = new TokenBucket(rate, burst);
    this.sweepEveryMs = Math.max(1000, (burst / rate) * 1000);
  }

  /** Takes a token for `key`; returns 0 when allowed, else the seconds to wait. */
  take(key: string): number {
    const now = performance.now();
    if (now - this.sweptAt > this.sweepEveryMs) this.sweep(now);
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= this.maxKeys) bucket = this.overflow;
      else this.buckets.set(key, (bucket = new TokenBucket(this.rate, this.burst, now)));
    }
    return bucket.take(now) ? 0 : Math.max(1, bucket.retryAfterSeconds(now));
  }

  /** Seconds `key` must wait for a token, without taking one (0 when it has one). */
  retryAfter(key: string): number {
    return this.buckets.get(key)?.retryAfterSeconds() ?? 0;
  }

  /** Addresses currently tracked. */
  get size(): number {
    return this.buckets.size;
  }

  private sweep(now: number): void {
    this.sweptAt = now;
    for (const [key, bucket] of this.buckets) if (bucket.isFull(now)) this.buckets.delete(key);
  }
}
