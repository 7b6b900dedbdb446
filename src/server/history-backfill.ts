import type { Logger } from 'pino';
import type { HistoryStatus } from '../graphql/context.js';
import type { Exchange, MarketEvent, OlderHistory } from '../market/index.js';
import { AbortedError, sleep, systemClock, yieldToEventLoop } from '../market/clock.js';
import { planHistory, type HistoryPlanInput, type HistoryStage } from './history-plan.js';

/** What the backfill needs of an engine. */
export interface Ingesting {
  ingest(event: MarketEvent): void;
}

/** Where the serving engines are, by key (a Map is one): every stage replaces all of them at once. */
export interface EngineSlots<K, E> {
  keys(): Iterable<K>;
  get(key: K): E | undefined;
  set(key: K, engine: E): void;
}

export type HistoryBackfillOptions<K, E extends Ingesting> = Omit<HistoryPlanInput, 'recentFrom'> & {
  /** The serving engines by key: every stage replaces all of them at once, when its own have caught up. */
  engines: EngineSlots<K, E>;
  /** A fresh, empty engine for a key. */
  create: (key: K) => E;
  /** Which engine an event feeds; undefined: none. */
  keyOf: (event: MarketEvent) => K | undefined;
  /** The first retry's delay of a chunk the source failed to fetch, doubling up to 5 min. Default 5 s. */
  retryBaseMs?: number;
  logger?: Logger;
};

/** Events fed between yields to the event loop: the live stream and queries wait at most this many. */
const EVENTS_PER_YIELD = 2000;
/** A chunk the source failed to fetch is tried again after `retryBaseMs`, doubling up to this. */
const RETRY_MAX_MS = 5 * 60_000;
/**
 * Attempts per chunk (about 25 minutes of retries) before the backfill gives up, keeping what it
 * has: the events recorded for the stages must not grow without end while an exchange stays down.
 * `status().failed` then says why (docs/api.md, `HistoryStatus`).
 */
const MAX_ATTEMPTS = 10;

/**
 * Loads the history the source's start left out, in the background (docs/architecture.md, "History").
 * Every live event goes to the serving engine and, while stages remain, into a record. A stage builds a
 * second set of engines from older history, fetched chunk by chunk, then from the record, yielding to the
 * event loop as it goes; once caught up with the live events it replaces the serving engines, in one
 * synchronous step so that no event falls between. The publisher reads the engines by key on every tick,
 * so per-key seq and change-only publishing carry on across the swap.
 */
export class HistoryBackfill<K, E extends Ingesting> {
  /** Every event delivered since start, in order, while a stage will need it. */
  private recorded: MarketEvent[] | null;
  private stages: HistoryStage[] = [];
  private loadedFrom: number | null = null;
  private finished = false;
  /** Why the backfill gave up; null while it loads or once done. */
  private failed: string | null = null;
  private readonly abort = new AbortController();

  constructor(
    private readonly options: HistoryBackfillOptions<K, E>,
    private readonly history: OlderHistory | undefined,
  ) {
    this.recorded = history && options.targetMs > options.recentMs ? [] : null;
  }

  /** The source's sink: feeds the serving engine and keeps the event for the engines being built. */
  deliver(event: MarketEvent): void {
    const key = this.options.keyOf(event);
    if (key === undefined) return;
    this.options.engines.get(key)?.ingest(event);
    this.recorded?.push(event);
  }

  /** Null for a source without older history (replay delivers its whole range at start). */
  status(): HistoryStatus | null {
    if (!this.history) return null;
    const last = this.stages.at(-1);
    return {
      loadedFrom: this.loadedFrom,
      targetFrom: last ? last.from : this.loadedFrom,
      done: this.finished,
      failed: this.failed,
    };
  }

  /** Once the source's start has resolved: plans the stages and runs them (resolves when done or stopped). */
  async run(): Promise<void> {
    const { history, options } = this;
    if (!history) return;
    this.loadedFrom = history.recentFrom();
    this.stages = this.recorded ? planHistory({ ...options, recentFrom: this.loadedFrom }) : [];
    try {
      for (const stage of this.stages) {
        const startedAt = Date.now();
        const { engines, feed, fed } = await this.build(stage, history);
        // What arrived since the last yield, then the swap: one synchronous step, so no event falls between.
        const recorded = this.recorded!;
        for (let i = fed; i < recorded.length; i++) feed(recorded[i]!);
        for (const [key, engine] of engines) options.engines.set(key, engine);
        this.loadedFrom = stage.from;
        options.logger?.info(
          { event: 'history_stage', from: new Date(stage.from).toISOString(), ms: Date.now() - startedAt },
          'history stage swapped in',
        );
      }
      this.finished = true;
    } catch (error) {
      if (error instanceof AbortedError) return;
      this.failed = error instanceof Error ? error.message : String(error);
      throw error;
    } finally {
      this.recorded = null;
    }
  }

  stop(): void {
    this.abort.abort();
  }

  /** Fresh engines fed with the stage's older history, then with every recorded event up to the last. */
  private async build(
    stage: HistoryStage,
    history: OlderHistory,
  ): Promise<{ engines: Map<K, E>; feed: (event: MarketEvent) => void; fed: number }> {
    const { create, keyOf } = this.options;
    const engines = new Map([...this.options.engines.keys()].map((key) => [key, create(key)]));
    const feed = (event: MarketEvent) => {
      const key = keyOf(event);
      if (key !== undefined) engines.get(key)?.ingest(event);
    };
    const recorded = this.recorded!;
    // Instruments and margin tiers came with the start but hold for the older history too.
    for (const event of recorded) if (event.kind === 'instrument' || event.kind === 'marginTiers') feed(event);
    for (const chunk of stage.chunks) await this.feedAll(await this.fetch(history, chunk.from, chunk.to), feed);
    // Live events keep being recorded meanwhile: the loop runs until it has caught up with them.
    const fed = await this.feedAll(recorded, feed);
    return { engines, feed, fed };
  }

  /** Feeds `events` to the end (which may grow meanwhile), yielding every EVENTS_PER_YIELD; returns how many. */
  private async feedAll(events: MarketEvent[], feed: (event: MarketEvent) => void): Promise<number> {
    let i = 0;
    while (i < events.length) {
      feed(events[i++]!);
      if (i % EVENTS_PER_YIELD === 0) await this.yield();
    }
    return i;
  }

  /** A chunk, tried again on failure (the source has retried its requests already) until MAX_ATTEMPTS. */
  private async fetch(history: OlderHistory, from: number, to: number): Promise<MarketEvent[]> {
    const range = { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
    const retryBaseMs = this.options.retryBaseMs ?? 5_000;
    for (let attempt = 1, delay = retryBaseMs; ; attempt++, delay = Math.min(delay * 2, RETRY_MAX_MS)) {
      try {
        const events = await history.fetch(from, to);
        await this.yield();
        return events;
      } catch (error) {
        if (this.abort.signal.aborted) throw new AbortedError();
        const why = error instanceof Error ? error.message : String(error);
        if (attempt >= MAX_ATTEMPTS)
          throw new Error(`older history ${range.from} to ${range.to} not fetched after ${attempt} attempts: ${why}`, {
            cause: error,
          });
        this.options.logger?.warn({ err: error, ...range, retryInMs: delay }, 'older history not fetched; retrying');
        await sleep(systemClock, delay, this.abort.signal);
      }
    }
  }

  private async yield(): Promise<void> {
    await yieldToEventLoop();
    if (this.abort.signal.aborted) throw new AbortedError();
  }
}

/**
 * Several exchanges' backfills as one: loaded as far as the least loaded, done when all are, failed naming
 * each that gave up (`bybit: …`, as `combinedHealth` names feeds; a lone one's reason as it is); null when
 * none has any.
 */
export function combinedHistoryStatus(
  histories: ReadonlyArray<{ exchange: Exchange; status: HistoryStatus | null }>,
): HistoryStatus | null {
  const known = histories.flatMap(({ exchange, status }) => (status ? [{ exchange, status }] : []));
  if (known.length === 0) return null;
  const statuses = known.map(({ status }) => status);
  const latest = (times: Array<number | null>) => (times.includes(null) ? null : Math.max(...(times as number[])));
  const failed = known.flatMap(({ exchange, status }) =>
    status.failed === null ? [] : [known.length === 1 ? status.failed : `${exchange}: ${status.failed}`],
  );
  return {
    loadedFrom: latest(statuses.map((status) => status.loadedFrom)),
    targetFrom: latest(statuses.map((status) => status.targetFrom)),
    done: statuses.every((status) => status.done),
    failed: failed.length > 0 ? failed.join('; ') : null,
  };
}
