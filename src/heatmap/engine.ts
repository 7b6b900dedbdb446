import type {
  KlineEvent,
  MarginTiersEvent,
  MarketEvent,
  MarkPriceKlineEvent,
  OpenInterestEvent,
  TradeEvent,
} from '../market/events.js';
import { PriceTick } from '../market/price-tick.js';
import type { Exchange } from '../market/source.js';
import { ColumnSeries, extendCandle, type ColumnActivity } from './columns.js';
import { buildHeatmap, type HeatmapInput } from './heatmap-grid.js';
import { DEFAULT_LEVERAGE_TIERS, normalizeLeverageTiers, type LeverageTier } from './leverage-tiers.js';
import { initialModel, modelOfTiers, type LiquidationModel } from './liquidation-models.js';
import { bracketsFor, validateBrackets, type MarginBracket } from './margin-brackets.js';
import { MarkerLog } from './markers.js';
import { PositionBook } from './position-book.js';
import { BucketGrid, type PriceBuckets } from './price-buckets.js';
import type { BookFrame, Candle, CellPart, Heatmap, LiquidationLevel, Side, WindowName } from './types.js';
import { columnStart, MINUTE, WINDOW_NAMES, WINDOWS } from './windows.js';

/**
 * A step's new open interest is many traders' positions of unknown sizes; each is priced as a typical
 * retail position of this notional, which sits in tier 1 of every shipped table (docs/model.md).
 * Pricing the step's whole USD as one position would make levels depend on how often OI is polled.
 */
export const TYPICAL_POSITION_USD = 5_000;

export interface HeatmapEngineOptions {
  symbol: string;
  /** Whose positions these are: liquidation prices follow that exchange's rules. Default 'binance'. */
  exchange?: Exchange;
  /** Default: 5x 15%, 10x 30%, 25x 25%, 50x 20%, 100x 10%. Weights are normalized. */
  tiers?: readonly LeverageTier[];
  /** Binance only. Default: the shipped table of the symbol, else tier 1 (reported through `warn`). */
  brackets?: readonly MarginBracket[];
  /** Receives model warnings; the model does no logging itself. */
  warn?: (message: string) => void;
  /** The symbol's bucket grid, shared with its engines of the other exchanges. Default: the engine's own. */
  grid?: BucketGrid;
}

/** Trades (else closed klines) since the previous open-interest event: the step's VWAP and taker flow. */
interface StepFlow {
  volume: number;
  notional: number;
  takerBuyVolume: number;
}

const emptyFlow = (): StepFlow => ({ volume: 0, notional: 0, takerBuyVolume: 0 });

/** Price sources for candles and the current price, finer is higher. */
const PRICE_RANK = { markPrice: 1, kline: 2, trade: 3 } as const;

/**
 * The liquidation heatmap model of one symbol. Deterministic: time comes only from event timestamps,
 * so replaying the same events gives the same frames and heatmaps.
 *
 * Sources of truth, finest first, so nothing is counted twice:
 * - consumption: mark prices (what Binance liquidates on) once the symbol has sent one, else trade
 *   prices, else kline low/high;
 * - candles and the current price: trades, else klines, else mark prices;
 * - VWAP and taker flow of an open-interest step: the step's trades, else its closed klines (quote volume /
 *   volume, exact), else the last price with the price direction over the step;
 * - a step's fall in open interest: first the liquidations of the step (swept levels or exchange force
 *   orders, whichever is larger), then proportional closing of the survivors for the rest (docs/model.md).
 */
export class HeatmapEngine {
  readonly symbol: string;
  readonly exchange: Exchange;
  private readonly tiers: readonly LeverageTier[];
  private liquidationPrice: LiquidationModel;
  private readonly warn: (message: string) => void;
  private readonly book: PositionBook;
  private readonly markers = new MarkerLog();
  /** Fixed at the first price (this engine's or another exchange's) so levels keep their buckets as the price moves. */
  private readonly grid: BucketGrid;
  private buckets: PriceBuckets | null = null;
  /** The symbol's price grid, once the source has said it: every price served is snapped to it. */
  private tick: PriceTick | null = null;
  private series: Map<WindowName, ColumnSeries> | null = null;

  private clock: number | null = null;
  /** Time of the first event: the history starts here. */
  private firstEventTime = 0;
  private minuteStart = 0;
  private minuteEnd = 0;
  private minute: ColumnActivity = { candle: null, created: 0, consumed: 0 };

  /** Rank of the finest price source seen so far (PRICE_RANK); coarser sources are then ignored for prices. */
  private priceRank = 0;
  private lastPrice: number | null = null;
  /** Last mark price; once there is one, only mark prices consume levels. */
  private lastMark: number | null = null;

  private openInterest: number | null = null;
  /** The price at the previous open-interest event: the step's direction when it has no flow. */
  private stepOpenPrice: number | null = null;
  private tradeFlow = emptyFlow();
  private klineFlow = emptyFlow();
  /** Base-asset size liquidated since the previous open-interest event: levels swept, force orders reported. */
  private sweptQty = 0;
  private realizedQty = 0;

  constructor(options: HeatmapEngineOptions) {
    this.symbol = options.symbol;
    this.exchange = options.exchange ?? 'binance';
    this.warn = options.warn ?? (() => {});
    this.tiers = normalizeLeverageTiers(options.tiers ?? DEFAULT_LEVERAGE_TIERS);
    if (options.brackets) validateBrackets(options.brackets);
    this.liquidationPrice = initialModel(
      this.exchange,
      () => options.brackets ?? bracketsFor(options.symbol, this.warn),
    );
    this.book = new PositionBook(this.tiers.length);
    this.grid = options.grid ?? new BucketGrid();
  }

  ingest(event: MarketEvent): void {
    if (event.symbol !== this.symbol) return;
    // Instrument info is no market activity: it moves neither the clock nor the columns.
    if (event.kind === 'instrument') {
      this.tick = new PriceTick(event.tickSize);
      return;
    }
    // Tiers are reference data, not a market moment: they neither move the clock nor wait for it.
    if (event.kind === 'marginTiers') return this.useTiers(event);
    this.advanceClock(event.time);
    switch (event.kind) {
      case 'trade':
        this.onTrade(event);
        break;
      case 'markPrice':
        this.lastMark = event.price;
        this.observePrice(PRICE_RANK.markPrice, event.price, event.price, event.price, event.price);
        this.consume(event.price, event.price);
        break;
      case 'markPriceKline':
        this.onMarkPriceKline(event);
        break;
      case 'kline':
        this.onKline(event);
        break;
      case 'openInterest':
        this.onOpenInterest(event);
        break;
      case 'liquidation':
        this.realizedQty += event.qty;
        this.markers.add({
          time: event.time,
          price: event.price,
          side: event.side,
          usd: cents(event.price * event.qty),
        });
        break;
    }
  }

  /** The price increment the symbol is quoted in, null until the source has said it. */
  tickSize(): number | null {
    return this.tick?.size ?? null;
  }

  /** Epoch ms of the latest event of this symbol, null before any. */
  lastEventTime(): number | null {
    return this.clock;
  }

  /** The live state: the running 1-minute column and the current book. Null until the first price. */
  frame(): BookFrame | null {
    if (this.lastPrice === null || !this.buckets) return null;
    const { buckets } = this;
    const book = this.book.snapshot();
    const levels: LiquidationLevel[] = new Array(book.buckets.length);
    for (let i = 0; i < book.buckets.length; i++) {
      levels[i] = {
        price: buckets.priceOf(book.buckets[i]!),
        long: cents(book.long[i]!),
        short: cents(book.short[i]!),
      };
    }
    const candle = this.minute.candle;
    return {
      symbol: this.symbol,
      timestamp: this.minuteStart,
      currentPrice: this.quote(this.lastPrice),
      priceStep: buckets.size,
      levels,
      positionsCreated: this.minute.created,
      positionsConsumed: this.minute.consumed,
      candle: candle ? this.quoteCandle(candle) : null,
    };
  }

  /** The window's closed columns plus the open one as a time × price grid. Null until the first price. */
  heatmap(window: WindowName): Heatmap | null {
    const input = this.heatmapInput(window);
    return input && buildHeatmap(input);
  }

  /** What a heatmap of the window is built from, prices as served; what an aggregate sums. Null until the first price. */
  heatmapInput(window: WindowName): HeatmapInput | null {
    const series = this.series?.get(window);
    if (this.lastPrice === null || !this.buckets || !series) return null;
    const columns = series.list(this.book.snapshot(), this.minute);
    const from = columns[0]!.start;
    return {
      symbol: this.symbol,
      exchanges: [this.exchange],
      window,
      interval: series.interval,
      columns: columns.map((column) => ({ ...column, candle: column.candle && this.quoteCandle(column.candle) })),
      buckets: this.buckets,
      liquidations: this.markers
        .between(from, from + columns.length * series.interval)
        .map((marker) => ({ ...marker, price: this.quote(marker.price) })),
      currentPrice: this.quote(this.lastPrice),
      historyFrom: this.firstEventTime,
    };
  }

  /**
   * This book's USD in the window's column holding `time`, prices [low, high); per leverage tier when that
   * column is the open one (closed columns keep the book merged over tiers). Null before the first price
   * or for a time outside the window.
   */
  cell(window: WindowName, time: number, low: number, high: number): CellPart | null {
    const series = this.series?.get(window);
    if (!this.buckets || !series) return null;
    const columns = series.list(this.book.snapshot(), this.minute);
    const index = Math.floor((time - columns[0]!.start) / series.interval);
    const column = columns[index];
    if (!column) return null;
    const lowBucket = this.buckets.indexOf(low);
    const highBucket = this.buckets.indexOf(high) - 1;
    let long = 0;
    let short = 0;
    const { book } = column;
    for (let i = 0; i < book.buckets.length; i++) {
      if (book.buckets[i]! < lowBucket || book.buckets[i]! > highBucket) continue;
      long += book.long[i]!;
      short += book.short[i]!;
    }
    const open = index === columns.length - 1;
    const perTier = open ? this.book.tierUsd(lowBucket, highBucket) : null;
    return {
      exchange: this.exchange,
      long: cents(long),
      short: cents(short),
      tiers:
        perTier &&
        this.tiers.map(({ leverage }, t) => ({
          leverage,
          long: cents(perTier.long[t]!),
          short: cents(perTier.short[t]!),
        })),
    };
  }

  /**
   * A price as served: on the symbol's tick. The model keeps the prices it was given (mark prices and
   * force-order averages may fall between ticks); only its output is snapped, here, once.
   */
  private quote(price: number): number {
    return this.tick ? this.tick.snap(price) : price;
  }

  private quoteCandle({ time, open, high, low, close }: Candle): Candle {
    return { time, open: this.quote(open), high: this.quote(high), low: this.quote(low), close: this.quote(close) };
  }

  /** Time only moves forward: a late event counts in the current column. */
  private advanceClock(time: number): void {
    if (this.clock === null) {
      this.clock = time;
      this.firstEventTime = time;
      this.minuteStart = columnStart(time, MINUTE);
      this.minuteEnd = this.minuteStart + MINUTE;
      this.series = new Map(
        WINDOW_NAMES.map((name) => {
          const { duration, interval } = WINDOWS[name];
          return [name, new ColumnSeries(interval, duration / interval, time)];
        }),
      );
      return;
    }
    if (time <= this.clock) return;
    this.clock = time;
    if (time >= this.minuteEnd) this.rollMinute(time);
  }

  /** Hands the finished minute to every window and closes the window columns that ended (the book is as of now, before this event). */
  private rollMinute(time: number): void {
    const finished = this.minute;
    this.minute = { candle: null, created: 0, consumed: 0 };
    this.minuteStart = columnStart(time, MINUTE);
    this.minuteEnd = this.minuteStart + MINUTE;
    const book = () => this.book.snapshot();
    for (const series of this.series!.values()) {
      series.absorb(finished);
      series.closeThrough(time, book);
    }
  }

  private onTrade(trade: TradeEvent): void {
    const { price, qty } = trade;
    const flow = this.tradeFlow;
    flow.volume += qty;
    flow.notional += price * qty;
    if (trade.takerBuy) flow.takerBuyVolume += qty;
    this.observePrice(PRICE_RANK.trade, price, price, price, price);
    if (this.lastMark === null) this.consume(price, price);
  }

  private onKline(kline: KlineEvent): void {
    if (this.observePrice(PRICE_RANK.kline, kline.open, kline.low, kline.high, kline.close) && this.lastMark === null) {
      this.consume(kline.low, kline.high);
    }
    // Only closed klines enter the flow: a forming one is sent again and again.
    if (kline.closed) {
      const flow = this.klineFlow;
      flow.volume += kline.volume;
      flow.notional += kline.quoteVolume;
      flow.takerBuyVolume += kline.takerBuyVolume;
    }
  }

  /** A mark-price candle liquidates over its whole range, as the mark prices inside it would have. */
  private onMarkPriceKline(kline: MarkPriceKlineEvent): void {
    this.lastMark = kline.close;
    this.observePrice(PRICE_RANK.markPrice, kline.open, kline.low, kline.high, kline.close);
    this.consume(kline.low, kline.high);
  }

  /** Updates the current price and the running minute's candle unless a finer source feeds them; returns whether it did. */
  private observePrice(rank: number, open: number, low: number, high: number, close: number): boolean {
    if (rank < this.priceRank) return false;
    this.priceRank = rank;
    this.lastPrice = close;
    this.buckets ??= this.grid.at(close, this.tick);
    const candle = this.minute.candle;
    if (candle) extendCandle(candle, low, high, close);
    else this.minute.candle = { time: this.minuteStart, open, high, low, close } satisfies Candle;
    return true;
  }

  private consume(low: number, high: number): void {
    const buckets = this.buckets;
    if (!buckets) return;
    const swept = this.book.consume(buckets.indexOf(low), buckets.indexOf(high));
    this.minute.consumed += swept.positions;
    this.sweptQty += swept.qty;
  }

  /** A ΔOI step: open positions on an increase; on a decrease, close what the step's liquidations do not explain. */
  private onOpenInterest(event: OpenInterestEvent): void {
    const previous = this.openInterest;
    this.openInterest = event.openInterest;
    const { tradeFlow, klineFlow } = this;
    const stepOpenPrice = this.stepOpenPrice;
    // Swept levels and force orders are two views of the same liquidations: the larger one counts.
    const liquidated = Math.max(this.sweptQty, this.realizedQty);
    this.tradeFlow = emptyFlow();
    this.klineFlow = emptyFlow();
    this.sweptQty = 0;
    this.realizedQty = 0;
    this.stepOpenPrice = this.lastPrice;
    if (previous === null || this.lastPrice === null) return;

    const delta = event.openInterest - previous;
    if (delta < 0) {
      // The liquidated part of the fall already left the book (swept) or was never in it; the rest is
      // voluntary closing, spread over the survivors in proportion: survivors × new / (previous − liquidated).
      const explained = Math.min(-delta, liquidated);
      const before = previous - explained;
      this.book.shrink(before > 0 ? event.openInterest / before : 0);
      return;
    }
    if (delta === 0) return;

    const flow = tradeFlow.volume > 0 ? tradeFlow : klineFlow.volume > 0 ? klineFlow : null;
    const entryPrice = flow ? flow.notional / flow.volume : this.lastPrice;
    const longShare = flow ? flow.takerBuyVolume / flow.volume : directionShare(stepOpenPrice, this.lastPrice);
    this.open('long', delta * entryPrice * longShare, entryPrice);
    this.open('short', delta * entryPrice * (1 - longShare), entryPrice);
    // Keep the invariant that no level sits at or beyond the latest consumption price: a position opened
    // during a fast move may already be under water.
    const latest = this.lastMark ?? this.lastPrice;
    this.consume(latest, latest);
    // Those were never open on the exchange: they must not explain the next step's fall in open interest.
    this.sweptQty = 0;
  }

  /** From now on, new positions are priced with the exchange's published tiers (open levels keep their prices). */
  private useTiers(event: MarginTiersEvent): void {
    if (event.exchange !== this.exchange) {
      this.warn(`ignoring ${event.exchange} margin tiers for ${this.symbol}: this book models ${this.exchange}`);
      return;
    }
    this.liquidationPrice = modelOfTiers(event);
  }

  /** Splits `usd` of new positions across the leverage tiers, each at its liquidation price. */
  private open(side: Side, usd: number, entryPrice: number): void {
    if (usd <= 0) return;
    const buckets = this.buckets!;
    this.tiers.forEach(({ leverage, weight }, tier) => {
      const price = this.liquidationPrice({ side, entryPrice, leverage, notional: TYPICAL_POSITION_USD });
      // A 1x long never liquidates (LP 0): nothing to draw.
      if (price <= 0) return;
      if (this.book.add(side, tier, buckets.indexOf(price), usd * weight, (usd * weight) / entryPrice))
        this.minute.created++;
    });
  }
}

/** Without taker flow, the step's price direction decides (up → longs opened, down → shorts), flat splits evenly. */
function directionShare(open: number | null, close: number): number {
  if (open === null || open === close) return 0.5;
  return close > open ? 1 : 0;
}

function cents(usd: number): number {
  return Math.round(usd * 100) / 100;
}
