import { z } from 'zod';

/**
 * Binance USDⓈ-M maintenance-margin brackets. The live values come from a signed endpoint
 * (GET /fapi/v1/leverageBracket), so a public-data server ships them as tables (sources and dates in
 * docs/model.md) and an operator can load newer ones from that endpoint's response (`parseBracketFile`).
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

/**
 * Tables as published by Binance (cum included, not derived), so the recurrence test checks them. Only the
 * brackets a source confirms are listed; the last one also applies above its cap. Positions are priced
 * at TYPICAL_POSITION_USD (engine.ts), inside tier 1 of every table. Sources and dates: docs/model.md.
 */
export const SHIPPED_BRACKETS: Readonly<Record<string, readonly MarginBracket[]>> = {
  // Captured 2026-09-02: tier 1 up to 300k at 150x, tier 2 up to 800k (brackets 3–12 not captured).
  BTCUSDT: table([
    [0, 300_000, 150, 0.004, 0],
    [300_000, 800_000, 100, 0.005, 300],
  ]),
  // The newer tier 1 (0–50k, MMR 0.40%) replacing the long-standing 0–10k at 0.50%; leverage and higher
  // brackets unconfirmed.
  ETHUSDT: table([[0, 50_000, 125, 0.004, 0]]),
  // Unconfirmed: no published SOLUSDT table was found; tier 1 at MMR 0.50%, like other large altcoins.
  SOLUSDT: table([[0, 50_000, 100, 0.005, 0]]),
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

const decimal = z.union([
  z.number(),
  z
    .string()
    .regex(/^\d+(\.\d+)?$/)
    .transform(Number),
]);
const bracketFile = z.array(
  z.object({
    symbol: z.string().regex(/^[A-Z0-9]{2,20}$/),
    brackets: z
      .array(
        z.object({
          notionalFloor: decimal,
          notionalCap: decimal,
          initialLeverage: decimal,
          maintMarginRatio: decimal,
          cum: decimal,
        }),
      )
      .min(1),
  }),
);

/**
 * Tables per symbol from the JSON of `GET /fapi/v1/leverageBracket` (an array of `{symbol, brackets}`, or
 * one such object; numbers or decimal strings). Throws an Error naming the symbol and bracket at fault.
 */
export function parseBracketFile(json: string): Record<string, readonly MarginBracket[]> {
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch (error) {
    throw new Error(`not JSON (${(error as Error).message})`, { cause: error });
  }
  const parsed = bracketFile.safeParse(Array.isArray(data) ? data : [data]);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(
      `not the response of GET /fapi/v1/leverageBracket: ${issue.message} at ${issue.path.join('.') || 'top level'}`,
    );
  }
  const tables: Record<string, readonly MarginBracket[]> = {};
  for (const { symbol, brackets } of parsed.data) {
    const rows = [...brackets]
      .sort((a, b) => a.notionalFloor - b.notionalFloor)
      .map((b) => ({
        notionalFloor: b.notionalFloor,
        notionalCap: b.notionalCap,
        maxLeverage: b.initialLeverage,
        maintMarginRatio: b.maintMarginRatio,
        cum: b.cum,
      }));
    try {
      validateBrackets(rows);
    } catch (error) {
      throw new Error(`${symbol}: ${(error as Error).message}`, { cause: error });
    }
    tables[symbol] = rows;
  }
  return tables;
}
