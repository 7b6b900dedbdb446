import type { Logger } from 'pino';
import { sleep, type Clock } from '../clock.js';
import { backoffDelay } from './backoff.js';

/** Binance's REQUEST_WEIGHT limit per IP per minute (USDⓈ-M futures exchangeInfo `rateLimits`). */
export const WEIGHT_LIMIT_PER_MINUTE = 2400;
/** Retry-After is normally present on 429/418; when it is not, wait a full weight window. */
const DEFAULT_RETRY_AFTER_MS = 60_000;
/** Attempts per request for network errors, 5xx and rate limits before giving up. */
const MAX_ATTEMPTS = 5;

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
 * GETs against Binance public REST endpoints within the request-weight budget: tracks the weight used in
 * the current minute (the exchange's `X-MBX-USED-WEIGHT-1M` header is authoritative, it includes other
 * clients on the same IP), waits for the next minute rather than exceed 2400, and on 429/418 stops all
 * requests until `Retry-After` has passed (ignoring it gets the IP banned).
 */
export class BinanceRestClient {
  private windowStart = 0;
  private usedWeight = 0;
  private blockedUntil = 0;

  constructor(private readonly options: RestClientOptions) {}

  /** Weight used in the current minute as far as this client knows. */
  get weightUsed(): number {
    this.rollWindow();
    return this.usedWeight;
  }

  async getJson(path: string, params: Record<string, string | number>, weight: number): Promise<unknown> {
    const { clock, signal } = this.options;
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
        this.options.logger?.warn({ err: error, path, attempt }, 'binance REST request failed; retrying');
        await sleep(clock, backoffDelay(attempt, this.options.retryBaseMs, this.options.retryMaxMs), signal);
        continue;
      }
      this.recordUsedWeight(response.headers);

      if (response.status === 429 || response.status === 418) {
        await response.body?.cancel();
        const retryAfterMs = retryAfter(response.headers) ?? DEFAULT_RETRY_AFTER_MS;
        this.blockedUntil = Math.max(this.blockedUntil, clock.now() + retryAfterMs);
        this.options.onRateLimited?.(response.status, retryAfterMs);
        this.options.logger?.warn({ path, status: response.status, retryAfterMs }, 'binance REST rate limited');
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
      if (this.usedWeight + weight <= WEIGHT_LIMIT_PER_MINUTE) return;
      await sleep(clock, this.windowStart + 60_000 - now, signal);
    }
  }

  /** Binance counts weight per calendar minute. */
  private rollWindow(): void {
    const minute = Math.floor(this.options.clock.now() / 60_000) * 60_000;
    if (minute !== this.windowStart) {
      this.windowStart = minute;
      this.usedWeight = 0;
    }
  }

  private recordUsedWeight(headers: Headers): void {
    const used = Number(headers.get('x-mbx-used-weight-1m'));
    if (headers.has('x-mbx-used-weight-1m') && Number.isFinite(used)) {
      this.rollWindow();
      this.usedWeight = used;
    }
  }
}

function retryAfter(headers: Headers): number | null {
  const seconds = Number(headers.get('retry-after'));
  return headers.has('retry-after') && Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : null;
}
