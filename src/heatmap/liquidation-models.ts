import type { MarginTiersEvent } from '../market/events.js';
import type { Exchange } from '../market/source.js';
import { BYBIT_TIER_ONE_FALLBACK, bybitLiquidationPrice } from './bybit-liquidation.js';
import { liquidationPrice, type IsolatedPosition } from './liquidation-price.js';
import type { MarginBracket } from './margin-brackets.js';
import { OKX_TIER_ONE_FALLBACK, okxLiquidationPrice } from './okx-liquidation.js';

/** Where a position of one exchange is liquidated: that exchange's own formula and tiers. */
export type LiquidationModel = (position: IsolatedPosition) => number;

/**
 * The model an engine starts with: Binance with its shipped brackets; Bybit and OKX with their tier 1
 * until the source delivers the exchange's published tiers (`modelOfTiers`).
 */
export function initialModel(exchange: Exchange, binanceBrackets: () => readonly MarginBracket[]): LiquidationModel {
  switch (exchange) {
    case 'binance': {
      const brackets = binanceBrackets();
      return (position) => liquidationPrice(position, brackets);
    }
    case 'bybit':
      return (position) => bybitLiquidationPrice(position, BYBIT_TIER_ONE_FALLBACK);
    case 'okx':
      return (position) => okxLiquidationPrice(position, OKX_TIER_ONE_FALLBACK);
  }
}

/** The model of an exchange's published tiers. */
export function modelOfTiers(event: MarginTiersEvent): LiquidationModel {
  switch (event.exchange) {
    case 'bybit': {
      const { tiers } = event;
      return (position) => bybitLiquidationPrice(position, tiers);
    }
    case 'okx': {
      const { tiers } = event;
      return (position) => okxLiquidationPrice(position, tiers);
    }
  }
}
