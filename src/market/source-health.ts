import type { Exchange, SourceHealth, SourceName } from './source.js';
import type { Clock } from './clock.js';

/** The mutable side of SourceHealth, shared by every source so they report the same way. */
export class HealthTracker {
  private state: SourceHealth['state'] = 'connecting';
  private connected = false;
  private detail: string | null = 'not started';
  private lastEventAt: number | null = null;
  private errors = 0;

  constructor(
    private readonly source: SourceName,
    private readonly clock: Clock,
  ) {}

  /** Sets state and detail together; `connected` is true only while live or degraded-but-open. */
  set(state: SourceHealth['state'], detail: string | null, connected = state === 'live'): void {
    this.state = state;
    this.detail = detail;
    this.connected = connected;
  }

  get current(): SourceHealth['state'] {
    return this.state;
  }

  eventDelivered(): void {
    this.lastEventAt = this.clock.now();
  }

  /** Counts one malformed or failed input; returns the new total so callers can rate-limit logs. */
  countError(): number {
    return ++this.errors;
  }

  snapshot(): SourceHealth {
    return {
      source: this.source,
      state: this.state,
      connected: this.connected,
      lastEventAt: this.lastEventAt,
      errors: this.errors,
      detail: this.detail,
    };
  }
}

/** Log the first few errors, then one in a thousand: enough to diagnose, never a log flood. */
export function shouldLogError(errorCount: number): boolean {
  return errorCount <= 10 || errorCount % 1000 === 0;
}

/** Worst first: what several feeds are together is the worst of them. */
const STATE_RANK: Record<SourceHealth['state'], number> = { degraded: 0, connecting: 1, live: 2, stopped: 3 };

/**
 * Several exchanges' feeds as one (/health, metrics, `marketSource`'s own fields): the worst state, with
 * the feeds that are not live named in the detail, so one stalled exchange shows. One feed is itself.
 */
export function combinedHealth(feeds: ReadonlyArray<{ exchange: Exchange; health: SourceHealth }>): SourceHealth {
  if (feeds.length === 1) return feeds[0]!.health;
  const healths = feeds.map((feed) => feed.health);
  const names = new Set(healths.map((health) => health.source));
  const worst = healths.reduce((a, b) => (STATE_RANK[b.state] < STATE_RANK[a.state] ? b : a));
  const notLive = feeds.filter(({ health }) => health.state !== 'live');
  const lastEvents = healths.flatMap((health) => (health.lastEventAt === null ? [] : [health.lastEventAt]));
  return {
    source: names.size === 1 ? healths[0]!.source : 'live',
    state: worst.state,
    connected: healths.every((health) => health.connected),
    lastEventAt: lastEvents.length > 0 ? Math.max(...lastEvents) : null,
    errors: healths.reduce((sum, health) => sum + health.errors, 0),
    detail:
      notLive.length === 0
        ? null
        : notLive.map(({ exchange, health }) => `${exchange}: ${health.detail ?? health.state}`).join('; '),
  };
}
