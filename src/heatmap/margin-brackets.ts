/**
 * Binance USDⓈ-M maintenance-margin brackets. The live values come from a signed endpoint
 * (GET /fapi/v1/leverageBracket), so a public-data server ships them as tables.
 */
export interface MarginBracket {
  /** Notional (USDT) from which the bracket applies, inclusive. */
  notionalFloor: number;
  /** Notional up to which it applies, exclusive. The last bracket also takes anything above. */
  notionalCap: number;
  /** Highest leverage the exchange allows in this bracket. */
  maxLeverage: number;
  maintMarginRatio: number;
  /** Maintenance amount: maintenance margin = notional · MMR − cum. */
  cum: number;
}

type Row = [floor: number, cap: number, maxLeverage: number, mmr: number, cum: number];

const table = (rows: Row[]): readonly MarginBracket[] =>
  rows.map(([notionalFloor, notionalCap, maxLeverage, maintMarginRatio, cum]) => ({
    notionalFloor,
    notionalCap,
    maxLeverage,
    maintMarginRatio,
    cum,
  }));

/** Tables as published by Binance (cum included, not derived), so the recurrence test checks them. */
export const SHIPPED_BRACKETS: Readonly<Record<string, readonly MarginBracket[]>> = {
  // The long-standing BTCUSDT table consistent with the examples of Binance's FAQ
  // https://www.binance.com/en/support/faq/b3c689c1f50a44cabb3a84e663b81d93
  BTCUSDT: table([
    [0, 50_000, 125, 0.004, 0],
    [50_000, 250_000, 100, 0.005, 50],
    [250_000, 1_000_000, 50, 0.01, 1_300],
    [1_000_000, 10_000_000, 20, 0.025, 16_300],
    [10_000_000, 20_000_000, 10, 0.05, 266_300],
    [20_000_000, 50_000_000, 5, 0.1, 1_266_300],
    [50_000_000, 100_000_000, 4, 0.125, 2_516_300],
    [100_000_000, 200_000_000, 3, 0.15, 5_016_300],
    [200_000_000, 300_000_000, 2, 0.25, 25_016_300],
    [300_000_000, 500_000_000, 1, 0.5, 100_016_300],
  ]),
  // The long-standing ETHUSDT table: tier 1 is smaller and starts at MMR 0.50%.
  ETHUSDT: table([
    [0, 10_000, 100, 0.005, 0],
    [10_000, 100_000, 75, 0.0065, 15],
    [100_000, 500_000, 50, 0.01, 365],
    [500_000, 1_000_000, 25, 0.02, 5_365],
    [1_000_000, 2_000_000, 10, 0.05, 35_365],
    [2_000_000, 5_000_000, 5, 0.1, 135_365],
    [5_000_000, 10_000_000, 4, 0.125, 260_365],
    [10_000_000, 20_000_000, 3, 0.15, 510_365],
    [20_000_000, 50_000_000, 2, 0.25, 2_510_365],
    [50_000_000, 100_000_000, 1, 0.5, 15_010_365],
  ]),
};

/** Tier 1 of the usual tables: where retail-sized positions sit, hence the fallback for unknown symbols. */
export const TIER_ONE_FALLBACK: readonly MarginBracket[] = table([[0, Infinity, 125, 0.004, 0]]);

/** The shipped table of `symbol`; an unknown symbol gets the tier-1 fallback and one `warn` per call. */
export function bracketsFor(symbol: string, warn: (message: string) => void = () => {}): readonly MarginBracket[] {
  const brackets = SHIPPED_BRACKETS[symbol];
  if (brackets) return brackets;
  warn(`no margin bracket table for ${symbol}: using tier 1 (MMR 0.40%, cum 0) for every position size`);
  return TIER_ONE_FALLBACK;
}

/** The bracket whose [floor, cap) holds `notional`; below the first floor the first, above the last cap the last. */
export function bracketForNotional(brackets: readonly MarginBracket[], notional: number): MarginBracket {
  for (const bracket of brackets) {
    if (notional < bracket.notionalCap) return bracket;
  }
  return brackets[brackets.length - 1]!;
}

/** cum of bracket `index` by the recurrence cum_n = floor_n · (MMR_n − MMR_{n−1}) + cum_{n−1}, cum_0 = 0. */
export function cumByRecurrence(brackets: readonly MarginBracket[], index: number): number {
  let cum = 0;
  for (let n = 1; n <= index; n++) {
    cum += brackets[n]!.notionalFloor * (brackets[n]!.maintMarginRatio - brackets[n - 1]!.maintMarginRatio);
  }
  return cum;
}

/** Throws a clear Error unless the brackets are contiguous from 0, with rising MMR and cum that follows the recurrence. */
export function validateBrackets(brackets: readonly MarginBracket[]): void {
  if (brackets.length === 0) throw new Error('margin brackets: the table is empty');
  brackets.forEach((bracket, n) => {
    const where = `margin bracket ${n + 1} (notional ${bracket.notionalFloor}–${bracket.notionalCap})`;
    const previous = brackets[n - 1];
    const expectedFloor = previous ? previous.notionalCap : 0;
    if (bracket.notionalFloor !== expectedFloor) throw new Error(`${where}: floor must be ${expectedFloor}`);
    if (!(bracket.notionalCap > bracket.notionalFloor)) throw new Error(`${where}: cap must be above the floor`);
    if (!(bracket.maintMarginRatio > 0 && bracket.maintMarginRatio < 1))
      throw new Error(`${where}: maintMarginRatio must be in (0, 1)`);
    if (previous && !(bracket.maintMarginRatio > previous.maintMarginRatio))
      throw new Error(`${where}: maintMarginRatio must rise from bracket to bracket`);
    const cum = cumByRecurrence(brackets, n);
    // Published cum values are whole USDT; the tolerance only absorbs float error in floor·ΔMMR.
    if (Math.abs(bracket.cum - cum) > 1e-6 * Math.max(1, cum))
      throw new Error(`${where}: cum ${bracket.cum} breaks the recurrence (expected ${cum})`);
  });
}
