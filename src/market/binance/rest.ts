import type { RestBudget } from '../rest-client.js';

/**
 * Binance USDⓈ-M: 2400 REQUEST_WEIGHT per IP per calendar minute (exchangeInfo `rateLimits`), the weight
 * used reported in `X-MBX-USED-WEIGHT-1M`; 429 asks to back off, 418 is an IP ban, both with Retry-After
 * (when it is missing, a full weight window).
 */
export const BINANCE_REST_BUDGET: RestBudget = {
  exchange: 'binance',
  limit: 2400,
  windowMs: 60_000,
  usedWeightHeader: 'x-mbx-used-weight-1m',
  rateLimitStatuses: [429, 418],
  defaultRetryAfterMs: 60_000,
};
