import { HeatmapEngine } from '../../src/heatmap/engine.js';
import type { MarketEvent } from '../../src/market/events.js';

/** Terse builders for hand-written event sequences of one symbol. */
export function scripted(symbol: string) {
  return {
    trade: (time: number, price: number, qty: number, takerBuy: boolean): MarketEvent => ({
      kind: 'trade',
      symbol,
      time,
      price,
      qty,
      takerBuy,
    }),
    mark: (time: number, price: number): MarketEvent => ({ kind: 'markPrice', symbol, time, price }),
    /** A closed 1m mark-price candle ending at `time`. */
    markKline: (time: number, low: number, high: number, close: number): MarketEvent => ({
      kind: 'markPriceKline',
      symbol,
      time,
      openTime: time - 59_999,
      open: close,
      high,
      low,
      close,
    }),
    oi: (time: number, openInterest: number): MarketEvent => ({ kind: 'openInterest', symbol, time, openInterest }),
    liquidation: (time: number, price: number, qty: number, side: 'long' | 'short'): MarketEvent => ({
      kind: 'liquidation',
      symbol,
      time,
      price,
      qty,
      side,
    }),
    kline: (
      time: number,
      k: {
        open: number;
        high: number;
        low: number;
        close: number;
        volume: number;
        quoteVolume: number;
        takerBuyVolume: number;
        closed: boolean;
      },
    ): MarketEvent => ({
      kind: 'kline',
      symbol,
      time,
      openTime: Math.floor(time / 60_000) * 60_000,
      closeTime: Math.floor(time / 60_000) * 60_000 + 59_999,
      ...k,
    }),
  };
}

/** Aligned to every column interval. */
export const T0 = Date.UTC(2025, 0, 1);

/** An engine with a single 10x tier: one level per side per step, easy to compute by hand. */
export const tenX = () => new HeatmapEngine({ symbol: 'BTCUSDT', tiers: [{ leverage: 10, weight: 1 }] });

/**
 * One ΔOI step with trades: 3 BTC taker-bought at 100,000, 1 BTC taker-sold at 100,200.
 * VWAP = (300,000 + 100,200)/4 = 100,050; taker-buy share 3/4. OI 1000 → 1002: ΔOI 2 BTC = 200,100 USD,
 * long 150,075 and short 50,025. 10x long LP = 100,050·0.9/0.996 = 90,406.63 → bucket 90,400;
 * 10x short LP = 100,050·1.1/1.004 = 109,616.53 → bucket 109,600.
 */
export function oneStep(engine = tenX()) {
  const { trade, oi } = scripted('BTCUSDT');
  engine.ingest(oi(T0, 1000));
  engine.ingest(trade(T0 + 1000, 100_000, 3, true));
  engine.ingest(trade(T0 + 2000, 100_200, 1, false));
  engine.ingest(oi(T0 + 3000, 1002));
  return engine;
}
