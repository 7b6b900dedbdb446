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
