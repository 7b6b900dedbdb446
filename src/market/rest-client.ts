import type { Logger } from 'pino';
import { sleep, type Clock } from './clock.js';
import { backoffDelay } from './backoff.js';

/** Attempts per request for network errors, 5xx and rate limits before giving up. */
const MAX_ATTEMPTS = 5;

/** An exchange's public REST request budget per IP, as its documentation states it. */
export interface RestBudget {
  /** Names the exchange in logs and errors. */
  exchange: string;
  /** Weight (or requests, each weighing 1) allowed per window. */
  limit: number;
  /** The window, aligned to the epoch (Binance counts per calendar minute). */
  windowMs: number;
  /** Response header carrying the weight used in the current window, authoritative when present. */
  usedWeightHeader?: string;
  /** Statuses meaning "rate limited: stop until told otherwise" (Binance 429/418, Bybit 403, OKX 429). */
  rateLimitStatuses: readonly number[];
  /** Wait after a rate limit that carries no Retry-After header. */
  defaultRetryAfterMs: number;
}

export interface RestClientOptions {
  baseUrl: string;
  clock: Clock;
  /** Aborts waits and in-flight requests (source stopped). */
  signal: AbortSignal;
  /** Backoff base for retrying network errors and 5xx. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** Told whenever the exchange rate-limits us, so the source can report it. */
  onRateLimited?: (status: number, retryAfterMs: number) => void;
  logger?: Logger;
}

/**
 * GETs against an exchange's public REST endpoints within its request budget: tracks the weight used in
 * the current window (an exchange's used-weight header is authoritative, it includes other clients on the
 * same IP), waits for the next window rather than exceed the limit, and on a rate-limit status stops all
 * requests until `Retry-After` (else the budget's default wait) has passed: ignoring it gets the IP banned.
 */
export class RestClient {
  private windowStart = 0;
  private usedWeight = 0;
  private blockedUntil = 0;

  constructor(
    private readonly options: RestClientOptions,
    private readonly budget: RestBudget,
  ) {}

  /** Weight used in the current window as far as this client knows. */
  get weightUsed(): number {
    this.rollWindow();
    return this.usedWeight;
  }

  async getJson(path: string, params: Record<string, string | number>, weight = 1): Promise<unknown> {
    const { clock, signal } = this.options;
    const { exchange } = this.budget;
    const url = new URL(path, this.options.baseUrl);
    for (const [key, value] of Object.entries(params)) url.searchParams.set(key, String(value));

    for (let attempt = 1; ; attempt++) {
      await this.waitForBudget(weight);
      this.usedWeight += weight;
      let response: Response;
      try {
        response = await fetch(url, { signal });
      } catch (error) {
        if (signal.aborted || attempt >= MAX_ATTEMPTS) throw error;
        this.options.logger?.warn({ err: error, path, attempt }, `${exchange} REST request failed; retrying`);
        await sleep(clock, backoffDelay(attempt, this.options.retryBaseMs, this.options.retryMaxMs), signal);
        continue;
      }
      this.recordUsedWeight(response.headers);

      if (this.budget.rateLimitStatuses.includes(response.status)) {
        await response.body?.cancel();
        const retryAfterMs = retryAfter(response.headers) ?? this.budget.defaultRetryAfterMs;
        this.blockedUntil = Math.max(this.blockedUntil, clock.now() + retryAfterMs);
        this.options.onRateLimited?.(response.status, retryAfterMs);
        this.options.logger?.warn({ path, status: response.status, retryAfterMs }, `${exchange} REST rate limited`);
        if (attempt >= MAX_ATTEMPTS) throw new Error(`GET ${path}: rate limited (${response.status}) ${attempt} times`);
        continue;
      }
      if (response.status >= 500 && attempt < MAX_ATTEMPTS) {
        await response.body?.cancel();
        await sleep(clock, backoffDelay(attempt, this.options.retryBaseMs, this.options.retryMaxMs), signal);
        continue;
      }
      if (!response.ok) {
        throw new Error(`GET ${path}: HTTP ${response.status} ${(await response.text()).slice(0, 200)}`);
      }
      return response.json();
    }
  }

  private async waitForBudget(weight: number): Promise<void> {
    const { clock, signal } = this.options;
    for (;;) {
      const now = clock.now();
      if (now < this.blockedUntil) {
        await sleep(clock, this.blockedUntil - now, signal);
        continue;
      }
      this.rollWindow();
      if (this.usedWeight + weight <= this.budget.limit) return;
      await sleep(clock, this.windowStart + this.budget.windowMs - now, signal);
    }
  }

  private rollWindow(): void {
    const { windowMs } = this.budget;
    const window = Math.floor(this.options.clock.now() / windowMs) * windowMs;
    if (window !== this.windowStart) {
      this.windowStart = window;
      this.usedWeight = 0;
    }
  }

  private recordUsedWeight(headers: Headers): void {
    const header = this.budget.usedWeightHeader;
    if (!header || !headers.has(header)) return;
    const used = Number(headers.get(header));
    if (Number.isFinite(used)) {
      this.rollWindow();
      this.usedWeight = used;
    }
  }
}

function retryAfter(headers: Headers): number | null {
  const seconds = Number(headers.get('retry-after'));
  return headers.has('retry-after') && Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : null;
}
