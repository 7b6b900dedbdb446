export { HeatmapEngine, TYPICAL_POSITION_USD, type HeatmapEngineOptions } from './engine.js';
export { contentHash } from './content-hash.js';
export { WINDOWS, WINDOW_NAMES } from './windows.js';
export {
  DEFAULT_LEVERAGE_TIERS,
  normalizeLeverageTiers,
  parseLeverageTiers,
  type LeverageTier,
} from './leverage-tiers.js';
export { liquidationPrice, type IsolatedPosition } from './liquidation-price.js';
export {
  bracketsFor,
  parseBracketFile,
  SHIPPED_BRACKETS,
  TIER_ONE_FALLBACK,
  type MarginBracket,
} from './margin-brackets.js';
export { bucketSizeFor } from './price-buckets.js';
export type * from './types.js';
export { EngineSet, type EngineSetOptions } from './engine-set.js';
export { EXCHANGE_ORDER, inExchangeOrder, symbolOfStream, type StreamSpec } from './exchange-sets.js';
