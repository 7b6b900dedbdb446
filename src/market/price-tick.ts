/**
 * Binance USDⓈ-M `PRICE_FILTER.tickSize` of the default symbols, from `GET /fapi/v1/exchangeInfo`
 * (docs/architecture.md, "Prices on the tick"). Sources that do not ask the exchange (the simulator, replays
 * of the Binance archive) quote these; the live source reads the exchange's current values instead.
 */
export const BINANCE_TICK_SIZES: Readonly<Record<string, number>> = {
  BTCUSDT: 0.1,
  ETHUSDT: 0.01,
  SOLUSDT: 0.01,
};

/**
 * The price grid of a symbol. `snap` puts a price on the grid as the double nearest to the decimal
 * (142.3, never 142.29999999999998): an integer number of ticks times the tick's integer digits, divided
 * by a power of ten, is rounded once, to the nearest double.
 */
export class PriceTick {
  /** Decimal places of the tick: 0.1 → 1, 0.01 → 2, 0.25 → 2, 10 → 0. */
  readonly decimals: number;
  /** The tick as an integer number of 10^−decimals. */
  private readonly units: number;
  private readonly scale: number;

  constructor(readonly size: number) {
    if (!(size > 0) || !Number.isFinite(size)) throw new Error(`tick size must be a positive number, got ${size}`);
    let decimals = 0;
    while (decimals < 12 && Math.abs(size * 10 ** decimals - Math.round(size * 10 ** decimals)) > 1e-9) decimals++;
    this.decimals = decimals;
    this.scale = 10 ** decimals;
    this.units = Math.round(size * this.scale);
  }

  /** The nearest price on the grid. */
  snap(price: number): number {
    return (Math.round(price / this.size) * this.units) / this.scale;
  }

  /** The nearest whole number of ticks to `step`, at least one tick: bucket sizes stay on the grid. */
  multipleOf(step: number): number {
    return (Math.max(1, Math.round(step / this.size)) * this.units) / this.scale;
  }
}
