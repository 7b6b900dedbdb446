import type { Logger } from 'pino';
import type { MarketSource } from './source.js';
import { BinanceSource, type BinanceOptions } from './binance/source.js';
import { BybitSource, type BybitOptions } from './bybit/source.js';
import { OkxSource, type OkxOptions } from './okx/source.js';
import { ReplaySource, type ReplayOptions } from './replay.js';
import { SimulatorSource, type SimulatorOptions } from './simulator/source.js';

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
export type { Exchange, MarketSource, OlderHistory, SourceHealth, SourceName } from './source.js';
export type { Clock } from './clock.js';
export type { SimulatorOptions, ReplayOptions, BinanceOptions, BybitOptions, OkxOptions };
export { SimulatorSource, ReplaySource, BinanceSource, BybitSource, OkxSource };
export { combinedHealth } from './source-health.js';

type WithoutLogger<T> = Omit<T, 'logger'>;

/** Which source to run and its settings; the logger is passed separately to the factory. */
export type MarketSourceOptions =
  | ({ source: 'simulator' } & WithoutLogger<SimulatorOptions>)
  | ({ source: 'replay' } & WithoutLogger<ReplayOptions>)
  | ({ source: 'binance' } & WithoutLogger<BinanceOptions>)
  | ({ source: 'bybit' } & WithoutLogger<BybitOptions>)
  | ({ source: 'okx' } & WithoutLogger<OkxOptions>);

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
    case 'bybit':
      return new BybitSource({ ...options, ...withLogger });
    case 'okx':
      return new OkxSource({ ...options, ...withLogger });
  }
}
