import type { MarketEvent } from '../../src/market/events.js';

/**
 * A deterministic synthetic market for tests and the engine benchmark (the project's simulator lives in
 * src/market; this one is kept here so the model's tests do not depend on it). Per second: a log-normal
 * price step (≈ 2.5% daily volatility, with calm and stormy regimes), `tradesPerSecond` trades whose
 * taker side leans with the move, a mark price each `markEveryMs`, open interest each `oiEveryMs` with
 * mean-reverting swings, and now and then a force order when the price moves hard.
 */
export interface SyntheticMarketOptions {
  symbol: string;
  startPrice: number;
  start: number;
  durationMs: number;
  tradesPerSecond: number;
  seed: number;
  markEveryMs?: number;
  oiEveryMs?: number;
}

export function* syntheticEvents(options: SyntheticMarketOptions): Generator<MarketEvent> {
  const { symbol, start, durationMs, tradesPerSecond } = options;
  const markEvery = options.markEveryMs ?? 1000;
  const oiEvery = options.oiEveryMs ?? 5000;
  const random = mulberry32(options.seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const perSecondVol = 0.025 / Math.sqrt(86_400);
  const baseOi = 8e9 / options.startPrice; // ~$8B of open interest, in base asset
  let price = options.startPrice;
  let regime = 1;
  let openInterest = baseOi;

  for (let second = 0; second * 1000 < durationMs; second++) {
    const t = start + second * 1000;
    regime = Math.min(4, Math.max(0.5, regime * Math.exp(0.02 * normal())));
    const move = perSecondVol * regime * normal();
    const open = price;
    price *= Math.exp(move);
    const lean = Math.max(-0.3, Math.min(0.3, (move / perSecondVol) * 0.1));
    const count = Math.floor(tradesPerSecond) + (random() < tradesPerSecond % 1 ? 1 : 0);
    for (let i = 0; i < count; i++) {
      const tradePrice = open + ((price - open) * (i + 1)) / count;
      const qty = (-Math.log(1 - random()) * 5_000) / tradePrice;
      yield {
        kind: 'trade',
        symbol,
        time: t + Math.floor((i * 1000) / count),
        price: round(tradePrice),
        qty,
        takerBuy: random() < 0.5 + lean,
      };
    }
    if (markEvery > 0 && (second * 1000) % markEvery === 0) {
      yield { kind: 'markPrice', symbol, time: t + 999, price: round(price * (1 + 0.00005 * normal())) };
    }
    if (Math.abs(move) > 3 * perSecondVol && random() < 0.3) {
      const qty = (-Math.log(1 - random()) * 20_000) / price;
      yield { kind: 'liquidation', symbol, time: t + 999, price: round(price), qty, side: move < 0 ? 'long' : 'short' };
    }
    if ((second * 1000) % oiEvery === 0) {
      // Swings of ≈ ±1%/hour pulled back towards the base level, opening more on strong moves.
      openInterest *=
        1 + 0.0008 * normal() + 0.002 * ((baseOi - openInterest) / baseOi) + 20 * Math.abs(move) * (random() - 0.3);
      yield { kind: 'openInterest', symbol, time: t + 999, openInterest };
    }
  }
}

function round(price: number): number {
  return Math.round(price * 100) / 100;
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
