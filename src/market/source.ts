import type { MarketEventSink } from './events.js';

/** The exchanges with a live source, USDT linear perpetuals each. */
export type Exchange = 'binance' | 'bybit' | 'okx';

/** A source's name; `live` names several exchanges' live sources together (combinedHealth). */
export type SourceName = 'simulator' | 'replay' | 'live' | Exchange;

/** What a source says about itself; surfaced by /health, metrics and the dashboard. */
export interface SourceHealth {
  source: SourceName;
  /** connecting: not yet delivering; live: delivering; degraded: delivering badly or stalled; stopped: ended or stopped. */
  state: 'connecting' | 'live' | 'degraded' | 'stopped';
  connected: boolean;
  /** Epoch ms of the last event delivered, null before the first. */
  lastEventAt: number | null;
  /** Malformed or failed inputs counted since start (never fatal). */
  errors: number;
  /** Human-readable reason when not live. */
  detail: string | null;
}

export interface MarketSource {
  readonly name: SourceName;
  /** Whose market it delivers: the engines price liquidations with that exchange's rules (simulator and replay model Binance). */
  readonly exchange: Exchange;
  readonly symbols: readonly string[];
  /**
   * Starts delivering events to `sink`. Resolves once the configured history has been backfilled
   * (events with past timestamps, delivered in time order), after which events arrive live.
   */
  start(sink: MarketEventSink): Promise<void>;
  stop(): Promise<void>;
  health(): SourceHealth;
}
