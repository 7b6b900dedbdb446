import type { MarketEvent } from '../../src/market/events.js';

/** Terse builders for hand-written event sequences of one symbol. */
export function scripted(symbol: string) {
  return {
    trade: (time: number, price: number, qty: number, takerBuy: boolean): MarketEvent => ({ kind: 'trade', symbol, time, price, qty, takerBuy }),
    mark: (time: number, price: number): MarketEvent => ({ kind: 'markPrice', symbol, time, price }),
    oi: (time: number, openInterest: number): MarketEvent => ({ kind: 'openInterest', symbol, time, openInterest }),
    liquidation: (time: number, price: number, qty: number, side: 'long' | 'short'): MarketEvent => ({ kind: 'liquidation', symbol, time, price, qty, side }),
    kline: (time: number, k: { open: number; high: number; low: number; close: number; volume: number; takerBuyVolume: number; closed: boolean }): MarketEvent => ({
      kind: 'kline', symbol, time, openTime: Math.floor(time / 60_000) * 60_000, closeTime: Math.floor(time / 60_000) * 60_000 + 59_999, ...k,
    }),
  };
}
