import type { SourceHealth, SourceName } from './source.js';
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
