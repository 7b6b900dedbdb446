import type { BybitRiskLimit } from '../market/events.js';
import type { IsolatedPosition } from './liquidation-price.js';

/**
 * Bybit's tier 1 of BTCUSDT (maintenance margin 0.5%, no deduction), for a symbol whose risk limits could
 * not be loaded: where retail-sized positions sit (docs/exchange-sources.md).
 */
export const BYBIT_TIER_ONE_FALLBACK: readonly BybitRiskLimit[] = [
  { valueCap: Infinity, maxLeverage: 100, maintenanceMarginRate: 0.005, mmDeduction: 0 },
];

/** The tier whose cap holds `value` (tiers sorted by cap); above the last cap the last. */
export function riskLimitFor(tiers: readonly BybitRiskLimit[], value: number): BybitRiskLimit {
  return tiers.find((tier) => value <= tier.valueCap) ?? tiers[tiers.length - 1]!;
}

/**
 * Liquidation price of a Bybit USDT-contract isolated position, the help centre's form
 *   long  LP = EP − (IM − MM)/Qty,   short  LP = EP + (IM − MM)/Qty,
 * with position value PV = Qty·EP, IM = PV/L, MM = PV·MMR − mmDeduction from the risk-limit tier of PV
 * (no extra margin added). Unlike Binance, maintenance margin is taken on the entry value, so in tier 1
 * this is EP·(1 − 1/L + MMR) for a long and EP·(1 + 1/L − MMR) for a short.
 */
export function bybitLiquidationPrice(position: IsolatedPosition, tiers: readonly BybitRiskLimit[]): number {
  const { entryPrice, leverage, notional } = position;
  const tier = riskLimitFor(tiers, notional);
  const qty = notional / entryPrice;
  const initialMargin = notional / leverage;
  const maintenanceMargin = notional * tier.maintenanceMarginRate - tier.mmDeduction;
  const distance = (initialMargin - maintenanceMargin) / qty;
  return position.side === 'long' ? entryPrice - distance : entryPrice + distance;
}
