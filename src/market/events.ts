/**
 * Normalized market events: every source (simulator, replay, Binance, Bybit and OKX live) emits only these.
 * Times are epoch milliseconds; prices in quote currency (USDT); quantities in base asset.
 */

/** One aggregated trade. `takerBuy` is true when the aggressor bought (Binance aggTrade `m=false`). */
export interface TradeEvent {
  kind: 'trade';
  symbol: string;
  time: number;
  price: number;
  qty: number;
  takerBuy: boolean;
}

/** Mark price: what the exchange liquidates on. */
export interface MarkPriceEvent {
  kind: 'markPrice';
  symbol: string;
  time: number;
  price: number;
}

/**
 * A closed mark-price candle (the archive's markPriceKlines): the range the mark price covered from
 * `openTime` to `time` (its close). It liquidates over that whole range, as the mark prices within it would have.
 */
export interface MarkPriceKlineEvent {
  kind: 'markPriceKline';
  symbol: string;
  time: number;
  openTime: number;
  open: number;
  high: number;
  low: number;
  close: number;
}

/** Total open interest in base asset at `time`. */
export interface OpenInterestEvent {
  kind: 'openInterest';
  symbol: string;
  time: number;
  openInterest: number;
}

/** A realized liquidation (exchange force order). `side` is the side of the position that was liquidated. */
export interface LiquidationEvent {
  kind: 'liquidation';
  symbol: string;
  time: number;
  price: number;
  qty: number;
  side: 'long' | 'short';
}

/** A candle (Binance kline). `closed` is false while the candle is still forming. */
export interface KlineEvent {
  kind: 'kline';
  symbol: string;
  time: number;
  openTime: number;
  closeTime: number;
  open: number;
  high: number;
  low: number;
  close: number;
  /** Base-asset volume. */
  volume: number;
  /** Quote-asset (USDT) volume: quoteVolume / volume is the candle's exact VWAP. */
  quoteVolume: number;
  takerBuyVolume: number;
  closed: boolean;
}

/**
 * What the exchange quotes a symbol in: prices move in steps of `tickSize`. Sources send it before the
 * symbol's first price, stamped with the start of the history that follows (events stay in time order).
 */
export interface InstrumentEvent {
  kind: 'instrument';
  symbol: string;
  time: number;
  tickSize: number;
}

/** A candle's own fields, as sources build them before stamping symbol, time and close time. */
export type KlineCandle = Pick<
  KlineEvent,
  'openTime' | 'open' | 'high' | 'low' | 'close' | 'volume' | 'quoteVolume' | 'takerBuyVolume'
>;

/** A Bybit risk-limit tier: positions worth up to `valueCap` USDT keep this maintenance margin. */
export interface BybitRiskLimit {
  valueCap: number;
  maxLeverage: number;
  maintenanceMarginRate: number;
  /** Subtracted from position value × rate (Bybit's `mmDeduction`, "" on tier 1 = 0). */
  mmDeduction: number;
}

/** An OKX position tier: positions up to `maxSize` (in base asset, contracts × ctVal) keep this maintenance margin. */
export interface OkxPositionTier {
  maxSize: number;
  maxLeverage: number;
  maintenanceMarginRate: number;
}

/**
 * An exchange's maintenance-margin tiers of a symbol, as it publishes them, sorted by size; delivered before
 * any history so the model prices liquidations with that exchange's own rules. (Binance publishes its
 * brackets only to signed requests, so the model ships them as tables instead.)
 */
export type MarginTiersEvent = { kind: 'marginTiers'; symbol: string; time: number } & (
  { exchange: 'bybit'; tiers: BybitRiskLimit[] } | { exchange: 'okx'; tiers: OkxPositionTier[] }
);

export type MarketEvent =
  | TradeEvent
  | MarkPriceEvent
  | MarkPriceKlineEvent
  | OpenInterestEvent
  | LiquidationEvent
  | KlineEvent
  | InstrumentEvent
  | MarginTiersEvent;

export type MarketEventSink = (event: MarketEvent) => void;
