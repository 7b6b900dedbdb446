import type { KlineEvent } from './events.js';

/**
 * Taker-buy volume of a candle from an exchange that does not publish it (Bybit, OKX): the candle's
 * direction decides, as the model does for a step without flow (up: buyers, down: sellers, flat: even).
 */
function takerBuyByDirection(open: number, close: number, volume: number): number {
  return close > open ? volume : close < open ? 0 : volume / 2;
}

/** A candle without a taker split (Bybit, OKX) as a kline event. */
export function candleEvent(
  symbol: string,
  time: number,
  candle: Pick<
    KlineEvent,
    'openTime' | 'closeTime' | 'open' | 'high' | 'low' | 'close' | 'volume' | 'quoteVolume' | 'closed'
  >,
): KlineEvent {
  return {
    kind: 'kline',
    symbol,
    time,
    ...candle,
    takerBuyVolume: takerBuyByDirection(candle.open, candle.close, candle.volume),
  };
}
