import type { MarketEvent, MarketEventSink } from './events.js';

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
  /**
   * History older than what `start` delivered, loaded in the background once it has resolved
   * (docs/architecture.md, "History"). Absent for a source whose start delivers all it has (replay).
   */
  readonly olderHistory?: OlderHistory;
}

/** The part of a source's history that `start` left out: fetched on demand, by range. */
export interface OlderHistory {
  /** Where the history delivered by `start` begins (epoch ms), once it has resolved: older history ends before it. */
  recentFrom(): number;
  /**
   * Every symbol's events in [from, to), `to` ≤ `recentFrom()`, in time order: market data only (the
   * instruments and margin tiers `start` delivered hold for it too).
   */
  fetch(from: number, to: number): Promise<MarketEvent[]>;
}
