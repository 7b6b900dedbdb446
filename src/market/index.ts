import type { Logger } from 'pino';
import type { MarketSource } from './source.js';
import { BinanceSource, type BinanceOptions } from './binance/source.js';
import { ReplaySource, type ReplayOptions } from './replay.js';
import { SimulatorSource, type SimulatorOptions } from './simulator.js';

export type {
  MarketEvent,
  MarketEventSink,
  TradeEvent,
  MarkPriceEvent,
  MarkPriceKlineEvent,
  OpenInterestEvent,
  LiquidationEvent,
  KlineEvent,
  InstrumentEvent,
} from './events.js';
export type { MarketSource, SourceHealth, SourceName } from './source.js';
export type { Clock } from './clock.js';
export type { SimulatorOptions, ReplayOptions, BinanceOptions };
export { SimulatorSource, ReplaySource, BinanceSource };

type WithoutLogger<T> = Omit<T, 'logger'>;

/** Which source to run and its settings; the logger is passed separately to the factory. */
export type MarketSourceOptions =
  | ({ source: 'simulator' } & WithoutLogger<SimulatorOptions>)
  | ({ source: 'replay' } & WithoutLogger<ReplayOptions>)
  | ({ source: 'binance' } & WithoutLogger<BinanceOptions>);

/** Builds the configured market source. Nothing starts until `start(sink)`. */
export function createMarketSource(options: MarketSourceOptions, logger?: Logger): MarketSource {
  const withLogger = logger ? { logger } : {};
  switch (options.source) {
    case 'simulator':
      return new SimulatorSource({ ...options, ...withLogger });
    case 'replay':
      return new ReplaySource({ ...options, ...withLogger });
    case 'binance':
      return new BinanceSource({ ...options, ...withLogger });
  }
}
