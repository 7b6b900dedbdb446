import type { KlineCandle, KlineEvent, MarketEventSink } from '../events.js';
import type { Exchange } from '../source.js';
import { BINANCE_TICK_SIZES, PriceTick } from '../price-tick.js';
import { createRng, hashString, type Rng } from '../random.js';

/** What makes one symbol look like itself: price level, volatility, size of its market. */
export interface SymbolProfile {
  basePrice: number;
  /** Log-return standard deviation per √second in calm conditions. */
  volPerSqrtSecond: number;
  openInterestUsd: number;
  volumeUsdPerSecond: number;
}

const KNOWN_PROFILES: Record<string, SymbolProfile> = {
  BTCUSDT: { basePrice: 100_000, volPerSqrtSecond: 9e-5, openInterestUsd: 8e9, volumeUsdPerSecond: 170_000 },
  ETHUSDT: { basePrice: 3_000, volPerSqrtSecond: 1.2e-4, openInterestUsd: 4e9, volumeUsdPerSecond: 110_000 },
  SOLUSDT: { basePrice: 150, volPerSqrtSecond: 1.6e-4, openInterestUsd: 1.5e9, volumeUsdPerSecond: 35_000 },
};

/** Known majors get their real scale; any other symbol gets a stable price between 0.1 and 1000. */
export function profileFor(symbol: string): SymbolProfile {
  const known = KNOWN_PROFILES[symbol];
  if (known) return known;
  const unit = hashString(symbol) / 4294967296;
  return {
    basePrice: 10 ** (-1 + 4 * unit),
    volPerSqrtSecond: 1.8e-4,
    openInterestUsd: 2e8,
    volumeUsdPerSecond: 6_000,
  };
}

/**
 * How one exchange's market of a symbol differs from the others': its size (open interest and volume,
 * relative to Binance's) and its premium over the common price (a log offset). The price path itself is
 * common: every exchange trades the same moves, sweeps included, so their books are related.
 */
const VENUES: Record<Exchange, { share: number; premium: number }> = {
  binance: { share: 1, premium: 0 },
  bybit: { share: 0.6, premium: 2e-4 },
  okx: { share: 0.45, premium: -1.5e-4 },
};
/** An exchange's premium also wanders around its mean with this size and time constant. */
const PREMIUM_NOISE_PER_SQRT_S = 2e-5;
const PREMIUM_REVERSION_S = 600;

// Regime timescales, in seconds. Events arrive as Poisson processes with these mean spacings.
const TREND_SWITCH_EVERY_S = 2 * 3600;
const BURST_EVERY_S = 3 * 3600;
const BURST_MEAN_DURATION_S = 8 * 60;
const SWEEP_EVERY_S = 2.5 * 3600;
/** After a sweep's ramp, its offset decays with this time constant: the wick retraces. */
const SWEEP_RETRACE_S = 20 * 60;
/** Pull of the price toward its slowly wandering anchor (keeps the scale plausible over days). */
const MEAN_REVERSION_S = 6 * 3600;
const OI_REVERSION_S = 12 * 3600;
/** Log-OI growth per second in a strong trend (~3 %/h): traders pile in behind moves. */
const OI_TREND_GROWTH_PER_S = 8e-6;
const OI_NOISE_PER_SQRT_S = 3e-5;
/** Share of OI flushed per unit of forced (sweep or tail) log-move. */
const OI_FLUSH_PER_MOVE = 1.5;
/** Share of a flush that shows up as exchange force orders; the rest is voluntary closing. */
const FORCED_SHARE_OF_FLUSH = 0.5;
const TAIL_MOVE_SIGMAS = 3;

interface Sweep {
  direction: 1 | -1;
  /** Log-move per second while ramping. */
  speed: number;
  rampEndsAt: number;
}

/**
 * One symbol's synthetic market on one exchange. `step` advances it to `time` and emits what an exchange would show for
 * that interval: a taker-buy and a taker-sell aggregated trade, the mark price, open interest, a force
 * order when positions were flushed, and the 1m kline when a minute closed.
 *
 * Price = exp(base + sweepOffset): `base` trends (regime-switching drift) and mean-reverts to a wandering
 * anchor with volatility bursts; `sweepOffset` models stop hunts: a fast ramp of 1–3 % that then retraces,
 * running through the liquidation bands that built up around the price.
 */
export class SimulatedMarket {
  /** Drives the common price path: the same on every exchange. */
  private readonly rng: Rng;
  /** Drives what is the exchange's own: its flow, open interest and premium. */
  private readonly venueRng: Rng;
  private readonly venue: { share: number; premium: number };
  private premiumNoise = 0;
  private readonly profile: SymbolProfile;
  readonly tick: PriceTick;
  private readonly trendScale: number;
  private readonly baseOpenInterest: number;

  private base: number;
  private anchor: number;
  private sweepOffset = 0;
  private sweep: Sweep | null = null;
  private trend = 0;
  private burstMultiplier = 1;
  private burstEndsAt = 0;
  private logOpenInterest: number;
  private lastPrice: number;
  private kline: KlineCandle | null = null;

  constructor(
    readonly symbol: string,
    seed: number,
    exchange: Exchange = 'binance',
  ) {
    // Per-symbol streams: adding or removing another symbol or exchange never changes this one's events.
    this.rng = createRng(seed ^ hashString(symbol));
    this.venueRng = createRng(seed ^ hashString(`${symbol}@${exchange}`));
    this.venue = VENUES[exchange];
    const known = profileFor(symbol);
    this.profile = {
      ...known,
      openInterestUsd: known.openInterestUsd * this.venue.share,
      volumeUsdPerSecond: known.volumeUsdPerSecond * this.venue.share,
    };
    this.tick = new PriceTick(BINANCE_TICK_SIZES[symbol] ?? fiveDigitTick(this.profile.basePrice));
    this.trendScale = 0.03 * this.profile.volPerSqrtSecond;
    this.baseOpenInterest = this.profile.openInterestUsd / this.profile.basePrice;
    this.base = Math.log(this.profile.basePrice) + 0.02 * this.rng.normal();
    this.anchor = this.base;
    this.logOpenInterest = Math.log(this.baseOpenInterest) + 0.05 * this.venueRng.normal();
    this.lastPrice = this.tick.snap(Math.exp(this.base + this.venue.premium));
  }

  /** Advances the market by `dtSeconds` to `time` (epoch ms) and emits its events, all stamped `time`. */
  step(time: number, dtSeconds: number, emit: MarketEventSink): void {
    const { rng, venueRng, profile } = this;
    const previousLog = this.base + this.sweepOffset + this.premiumNoise;

    this.updateRegimes(time, dtSeconds);
    const sigma = profile.volPerSqrtSecond * this.burstMultiplier;
    const sqrtDt = Math.sqrt(dtSeconds);
    this.base +=
      this.trend * dtSeconds +
      ((this.anchor - this.base) * dtSeconds) / MEAN_REVERSION_S +
      sigma * sqrtDt * rng.normal();
    this.anchor += 0.2 * profile.volPerSqrtSecond * sqrtDt * rng.normal();
    const forcedMove = this.advanceSweep(time, dtSeconds);
    this.premiumNoise +=
      (-this.premiumNoise * dtSeconds) / PREMIUM_REVERSION_S + PREMIUM_NOISE_PER_SQRT_S * sqrtDt * venueRng.normal();

    const logReturn = this.base + this.sweepOffset + this.premiumNoise - previousLog;
    const price = this.tick.snap(Math.exp(this.base + this.sweepOffset + this.venue.premium + this.premiumNoise));
    const surprise = logReturn / (sigma * sqrtDt);

    // Taker flow leans with the move and with the trend: that is what a trending tape looks like.
    const takerBuyShare = clamp(
      0.5 + 0.35 * Math.tanh(0.6 * surprise) + 0.1 * Math.tanh(this.trend / this.trendScale) + 0.06 * venueRng.normal(),
      0.03,
      0.97,
    );
    const volumeBase =
      ((profile.volumeUsdPerSecond * dtSeconds * this.burstMultiplier * (0.6 + 0.8 * venueRng.next())) / price) *
      (1 + Math.min(Math.abs(surprise), 4) / 2);
    const buyQty = roundQty(volumeBase * takerBuyShare);
    const sellQty = roundQty(volumeBase - buyQty);
    // Half the spread, in whole ticks: the taker buy lifts the ask, the taker sell hits the bid.
    const spread = this.tick.multipleOf(price * 1e-5);
    const ask = this.tick.snap(price + spread);
    const bid = this.tick.snap(price - spread);
    this.closeKlineIfMinuteEnded(time, emit);
    if (buyQty > 0) emit({ kind: 'trade', symbol: this.symbol, time, price: ask, qty: buyQty, takerBuy: true });
    if (sellQty > 0) emit({ kind: 'trade', symbol: this.symbol, time, price: bid, qty: sellQty, takerBuy: false });
    this.updateKline(time, price, volumeBase, buyQty);

    emit({ kind: 'markPrice', symbol: this.symbol, time, price });

    // Tail moves outside sweeps also force positions out.
    const tailMove = Math.abs(surprise) > TAIL_MOVE_SIGMAS ? Math.abs(logReturn) : 0;
    const flush = OI_FLUSH_PER_MOVE * (forcedMove + tailMove);
    const trendStrength = Math.min(Math.abs(this.trend) / this.trendScale, 2.5);
    const openInterestBefore = Math.exp(this.logOpenInterest);
    this.logOpenInterest +=
      OI_TREND_GROWTH_PER_S * trendStrength * dtSeconds -
      ((this.logOpenInterest - Math.log(this.baseOpenInterest)) * dtSeconds) / OI_REVERSION_S +
      OI_NOISE_PER_SQRT_S * sqrtDt * venueRng.normal() -
      flush;
    const openInterest = roundQty(Math.exp(this.logOpenInterest));
    emit({ kind: 'openInterest', symbol: this.symbol, time, openInterest });

    if (flush > 0) {
      const forcedQty = roundQty(openInterestBefore * (1 - Math.exp(-flush)) * FORCED_SHARE_OF_FLUSH);
      if (forcedQty > 0) {
        // Price falling liquidates longs; rising liquidates shorts.
        const side = logReturn < 0 ? 'long' : 'short';
        emit({ kind: 'liquidation', symbol: this.symbol, time, price, qty: forcedQty, side });
      }
    }
    this.lastPrice = price;
  }

  private updateRegimes(time: number, dtSeconds: number): void {
    const { rng } = this;
    if (rng.next() < dtSeconds / TREND_SWITCH_EVERY_S) this.trend = this.trendScale * rng.normal();
    if (time >= this.burstEndsAt) this.burstMultiplier = 1;
    if (this.burstMultiplier === 1 && rng.next() < dtSeconds / BURST_EVERY_S) {
      this.burstMultiplier = 2 + 3 * rng.next();
      this.burstEndsAt = time - BURST_MEAN_DURATION_S * 1000 * Math.log(1 - rng.next());
    }
    if (!this.sweep && rng.next() < dtSeconds / SWEEP_EVERY_S) {
      const size = (0.01 + 0.02 * rng.next()) * (this.profile.volPerSqrtSecond / 9e-5);
      const rampSeconds = 60 + 240 * rng.next();
      this.sweep = {
        direction: rng.next() < 0.5 ? 1 : -1,
        speed: size / rampSeconds,
        rampEndsAt: time + rampSeconds * 1000,
      };
    }
  }

  /** Moves the sweep offset; returns the forced (ramp) part of this step's move, 0 outside a ramp. */
  private advanceSweep(time: number, dtSeconds: number): number {
    const sweep = this.sweep;
    if (sweep && time <= sweep.rampEndsAt) {
      const move = sweep.speed * dtSeconds;
      this.sweepOffset += sweep.direction * move;
      return move;
    }
    this.sweepOffset *= Math.exp(-dtSeconds / SWEEP_RETRACE_S);
    if (sweep && Math.abs(this.sweepOffset) < 1e-4) this.sweep = null;
    return 0;
  }

  private closeKlineIfMinuteEnded(time: number, emit: MarketEventSink): void {
    const kline = this.kline;
    if (!kline || minuteStart(time) === kline.openTime) return;
    const event: KlineEvent = {
      kind: 'kline',
      symbol: this.symbol,
      time,
      openTime: kline.openTime,
      closeTime: kline.openTime + 59_999,
      open: kline.open,
      high: kline.high,
      low: kline.low,
      close: kline.close,
      volume: roundQty(kline.volume),
      quoteVolume: Math.round(kline.quoteVolume * 100) / 100,
      takerBuyVolume: roundQty(kline.takerBuyVolume),
      closed: true,
    };
    emit(event);
    this.kline = null;
  }

  private updateKline(time: number, price: number, volume: number, takerBuyVolume: number): void {
    const kline = this.kline;
    if (!kline) {
      // The first trade of a minute opens at the previous close, as on an exchange.
      const open = this.lastPrice;
      this.kline = {
        openTime: minuteStart(time),
        open,
        high: Math.max(open, price),
        low: Math.min(open, price),
        close: price,
        volume,
        quoteVolume: volume * price,
        takerBuyVolume,
      };
      return;
    }
    kline.high = Math.max(kline.high, price);
    kline.low = Math.min(kline.low, price);
    kline.close = price;
    kline.volume += volume;
    kline.quoteVolume += volume * price;
    kline.takerBuyVolume += takerBuyVolume;
  }
}

/** A made-up symbol is quoted to five significant digits, as exchanges list such contracts. */
function fiveDigitTick(price: number): number {
  const exponent = Math.floor(Math.log10(price)) - 4;
  // Dividing by 10^−k rather than multiplying by 10^k keeps ticks like 0.0001 exact.
  return exponent >= 0 ? 10 ** exponent : 1 / 10 ** -exponent;
}

function minuteStart(time: number): number {
  return time - (time % 60_000);
}

function roundQty(qty: number): number {
  return Math.round(qty * 1000) / 1000;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
