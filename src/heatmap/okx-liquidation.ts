import type { OkxPositionTier } from '../market/events.js';
import type { IsolatedPosition } from './liquidation-price.js';

/**
 * OKX's taker fee for regular users on USDT-margined swaps, 0.05%: closing a liquidated position costs it,
 * and OKX liquidates once equity no longer covers maintenance margin plus that fee (docs/exchange-sources.md).
 */
export const OKX_TAKER_FEE_RATE = 0.0005;

/** OKX's tier 1 of BTC-USDT-SWAP (maintenance margin 0.4%), for a symbol whose tiers could not be loaded. */
export const OKX_TIER_ONE_FALLBACK: readonly OkxPositionTier[] = [
  { maxSize: Infinity, maxLeverage: 100, maintenanceMarginRate: 0.004 },
];

/** The tier whose size cap holds `size` (tiers sorted by size); above the last cap the last. */
export function positionTierFor(tiers: readonly OkxPositionTier[], size: number): OkxPositionTier {
  return tiers.find((tier) => size <= tier.maxSize) ?? tiers[tiers.length - 1]!;
}

/**
 * Liquidation price of an OKX USDT-margined isolated swap position. OKX liquidates when equity falls to
 * maintenance margin (Q·P·mmr) plus the taker fee of closing (Q·P·f); with the margin M = Q·EP/L:
 *   long  M + Q(P − EP) = Q·P(mmr + f)  →  LP = EP·(1 − 1/L)/(1 − mmr − f)
 *   short M − Q(P − EP) = Q·P(mmr + f)  →  LP = EP·(1 + 1/L)/(1 + mmr + f)
 * The tier is the one of the position's size in base asset (OKX tiers are sized in contracts).
 */
export function okxLiquidationPrice(
  position: IsolatedPosition,
  tiers: readonly OkxPositionTier[],
  takerFeeRate = OKX_TAKER_FEE_RATE,
): number {
  const { entryPrice, leverage, notional } = position;
  const { maintenanceMarginRate: mmr } = positionTierFor(tiers, notional / entryPrice);
  return position.side === 'long'
    ? (entryPrice * (1 - 1 / leverage)) / (1 - mmr - takerFeeRate)
    : (entryPrice * (1 + 1 / leverage)) / (1 + mmr + takerFeeRate);
}
