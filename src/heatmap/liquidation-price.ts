import { bracketForNotional, type MarginBracket } from './margin-brackets.js';
import type { Side } from './types.js';

export interface IsolatedPosition {
  side: Side;
  entryPrice: number;
  leverage: number;
  /** Position size in USDT at entry (Q · EP). */
  notional: number;
}

/**
 * Liquidation price of a Binance USDⓈ-M isolated position (one-way mode), the FAQ's exact form
 *   LP = (WB + cum − Side·Q·EP) / (Q·MMR − Side·Q),   Side = +1 long, −1 short,
 * with the wallet balance WB = initial margin = Q·EP/L. MMR and cum come from the bracket of the
 * entry notional; when the notional at LP lies in another bracket, Binance recomputes with that one.
 * In tier 1 (cum 0) this is EP·(1 − 1/L)/(1 − MMR) for a long and EP·(1 + 1/L)/(1 + MMR) for a short.
 */
export function liquidationPrice(position: IsolatedPosition, brackets: readonly MarginBracket[]): number {
  const { entryPrice, leverage, notional } = position;
  const side = position.side === 'long' ? 1 : -1;
  const qty = notional / entryPrice;
  const wallet = notional / leverage;
  let bracket = bracketForNotional(brackets, notional);
  let price = 0;
  // Each pass moves to the bracket of the notional at LP; the table length bounds the passes in case two brackets point at each other.
  for (let pass = 0; pass < brackets.length; pass++) {
    price = (wallet + bracket.cum - side * qty * entryPrice) / (qty * bracket.maintMarginRatio - side * qty);
    const atLiquidation = bracketForNotional(brackets, qty * price);
    if (atLiquidation === bracket) break;
    bracket = atLiquidation;
  }
  return price;
}
