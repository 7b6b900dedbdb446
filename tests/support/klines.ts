import type { KlineCandle } from '../../src/market/events.js';

/** Klines every `interval` from `from` up to now (the last one still open), with a gentle made-up path. */
export function klinesSince(from: number, interval: number, basePrice: number): KlineCandle[] {
  const rows: KlineCandle[] = [];
  for (let t = Math.floor(from / interval) * interval, i = 0; t <= Date.now(); t += interval, i++) {
    const open = basePrice * (1 + 0.001 * Math.sin(i / 7));
    const close = basePrice * (1 + 0.001 * Math.sin((i + 1) / 7));
    rows.push({
      openTime: t,
      open,
      high: Math.max(open, close) * 1.0005,
      low: Math.min(open, close) * 0.9995,
      close,
      volume: 10 + (i % 5),
      quoteVolume: (10 + (i % 5)) * close,
      takerBuyVolume: 5 + (i % 3),
    });
  }
  return rows;
}
