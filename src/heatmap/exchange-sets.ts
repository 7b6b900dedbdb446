import type { Exchange } from '../market/source.js';

/** The order exchanges are listed in everywhere: stream keys, `exchanges` fields, whose prices a sum shows. */
export const EXCHANGE_ORDER: readonly Exchange[] = ['binance', 'bybit', 'okx'];

/** `exchanges` deduplicated, in EXCHANGE_ORDER. */
export function inExchangeOrder(exchanges: Iterable<Exchange>): Exchange[] {
  const set = new Set(exchanges);
  return EXCHANGE_ORDER.filter((exchange) => set.has(exchange));
}

/** A published stream: one symbol's books of a set of exchanges, summed (docs/architecture.md, "Exchanges"). */
export interface StreamSpec {
  key: string;
  symbol: string;
  exchanges: readonly Exchange[];
}

/**
 * The stream of `symbol` over `exchanges` (a non-empty subset of `configured`, in EXCHANGE_ORDER): its key is
 * the symbol itself for all configured exchanges (what clients that name no exchange get), else
 * `SYMBOL@EXCHANGE+EXCHANGE` in that order, e.g. `BTCUSDT@BINANCE+OKX`.
 */
export function streamKey(symbol: string, exchanges: readonly Exchange[], configured: readonly Exchange[]): string {
  if (exchanges.length === configured.length) return symbol;
  return `${symbol}@${exchanges.map((exchange) => exchange.toUpperCase()).join('+')}`;
}

/** The symbol a stream key belongs to. */
export function symbolOfStream(key: string): string {
  const at = key.indexOf('@');
  return at < 0 ? key : key.slice(0, at);
}

/** Every stream of the symbols: one per non-empty subset of the configured exchanges (at most 7 per symbol). */
export function streamsOf(symbols: readonly string[], configured: readonly Exchange[]): StreamSpec[] {
  const ordered = inExchangeOrder(configured);
  const subsets: Exchange[][] = [];
  for (let mask = (1 << ordered.length) - 1; mask > 0; mask--) subsets.push(ordered.filter((_, i) => mask & (1 << i)));
  return symbols.flatMap((symbol) =>
    subsets.map((exchanges) => ({ key: streamKey(symbol, exchanges, ordered), symbol, exchanges })),
  );
}
