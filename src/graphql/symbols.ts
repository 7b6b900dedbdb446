import type { Exchange } from '../market/source.js';
import type { HeatmapApi } from './context.js';
import { badUserInput, invalidSymbolError } from './errors.js';

const normalize = (symbol: string) => symbol.trim().toUpperCase();

/** The configured symbol a query names, or an INVALID_SYMBOL error listing the valid ones. */
export function requireSymbol(api: HeatmapApi, symbol: string): string {
  const normalized = normalize(symbol);
  if (!api.symbols.includes(normalized)) throw invalidSymbolError([symbol], api.symbols);
  return normalized;
}

/**
 * Splits a subscription's symbol list into the configured ones (deduplicated, in order) and the
 * unknown ones. An empty or over-long list is a BAD_USER_INPUT error.
 */
export function partitionSymbols(api: HeatmapApi, symbols: readonly string[]): { valid: string[]; invalid: string[] } {
  if (symbols.length === 0) throw badUserInput('symbols must list at least one symbol');
  if (symbols.length > api.maxSymbolsPerSubscription) {
    throw badUserInput(
      `symbols lists ${symbols.length} symbols; at most ${api.maxSymbolsPerSubscription} per subscription`,
    );
  }
  const valid: string[] = [];
  const invalid: string[] = [];
  for (const symbol of symbols) {
    const normalized = normalize(symbol);
    if (!api.symbols.includes(normalized)) invalid.push(symbol);
    else if (!valid.includes(normalized)) valid.push(normalized);
  }
  return { valid, invalid };
}

/**
 * The configured exchanges an `exchanges` argument names, deduplicated; undefined when it is omitted (all of
 * them). An empty list or an exchange that does not run here is a BAD_USER_INPUT error.
 */
export function requireExchanges(
  api: HeatmapApi,
  exchanges: readonly Exchange[] | null | undefined,
): Exchange[] | undefined {
  if (exchanges === null || exchanges === undefined) return undefined;
  const configured = api.exchanges.map((exchange) => exchange.toUpperCase()).join(', ');
  if (exchanges.length === 0)
    throw badUserInput(`exchanges must name at least one exchange (or be omitted for all): ${configured}`);
  const missing = exchanges.filter((exchange) => !api.exchanges.includes(exchange));
  if (missing.length > 0)
    throw badUserInput(
      `exchanges: ${[...new Set(missing)].map((e) => e.toUpperCase()).join(', ')} not configured here; configured: ${configured}`,
    );
  return [...new Set(exchanges)];
}

/** The streams a `heatmapUpdated` subscription asks for (see partitionSymbols and requireExchanges), and its unknown symbols. */
export function subscribedStreams(
  api: HeatmapApi,
  symbols: readonly string[],
  exchanges: readonly Exchange[] | null | undefined,
): { streams: string[]; invalid: string[] } {
  const { valid, invalid } = partitionSymbols(api, symbols);
  const set = requireExchanges(api, exchanges);
  return { streams: valid.map((symbol) => api.streamKey(symbol, set)), invalid };
}
