/** A leverage the model assumes traders use, with the share of new open interest opened at it. */
export interface LeverageTier {
  leverage: number;
  /** Share of new positions; normalized so the tiers sum to 1. */
  weight: number;
}

/** Checks leverages (≥ 1, distinct) and weights (> 0) and scales the weights to sum to 1. */
export function normalizeLeverageTiers(tiers: readonly LeverageTier[]): LeverageTier[] {
  if (tiers.length === 0) throw new Error('leverage tiers: at least one tier is required');
  const seen = new Set<number>();
  for (const { leverage, weight } of tiers) {
    const entry = `leverage tier ${leverage}x (weight ${weight})`;
    // Below 1x a long's liquidation price would be negative: the exchange's minimum is 1x.
    if (!Number.isFinite(leverage) || leverage < 1) throw new Error(`${entry}: leverage must be a number ≥ 1`);
    if (!Number.isFinite(weight) || weight <= 0) throw new Error(`${entry}: weight must be a number > 0`);
    if (seen.has(leverage)) throw new Error(`${entry}: leverage ${leverage}x is listed twice`);
    seen.add(leverage);
  }
  const total = tiers.reduce((sum, tier) => sum + tier.weight, 0);
  return tiers.map(({ leverage, weight }) => ({ leverage, weight: weight / total }));
}

/** 5x 15%, 10x 30%, 25x 25%, 50x 20%, 100x 10% (the defaults of https://github.com/gptprojectmanager/liquidations). */
export const DEFAULT_LEVERAGE_TIERS: readonly LeverageTier[] = normalizeLeverageTiers([
  { leverage: 5, weight: 15 },
  { leverage: 10, weight: 30 },
  { leverage: 25, weight: 25 },
  { leverage: 50, weight: 20 },
  { leverage: 100, weight: 10 },
]);

const ENTRY = /^(\d+(?:\.\d+)?):(\d+(?:\.\d+)?)$/;

/** Parses "leverage:weight" pairs separated by commas, e.g. "5:15,10:30,25:25,50:20,100:10". */
export function parseLeverageTiers(spec: string): LeverageTier[] {
  const tiers = spec.split(',').map((raw) => {
    const entry = raw.trim();
    const match = ENTRY.exec(entry.replace(/\s+/g, ''));
    if (!match) throw new Error(`leverage tier "${entry}": expected leverage:weight with positive numbers, e.g. 10:30`);
    return { leverage: Number(match[1]), weight: Number(match[2]) };
  });
  return normalizeLeverageTiers(tiers);
}
