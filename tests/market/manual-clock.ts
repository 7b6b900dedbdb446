import type { Clock } from '../../src/market/clock.js';

/** A Clock whose time moves only when the test says so; timers fire in due order during `advance`. */
export class ManualClock implements Clock {
  private timers: Array<{ id: number; at: number; fn: () => void }> = [];
  private nextId = 1;

  constructor(private time: number) {}

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.push({ id, at: this.time + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((timer) => timer.id !== handle);
  }

  /** Timers still scheduled. */
  get pending(): number {
    return this.timers.length;
  }

  /** When the earliest pending timer is due, undefined when none. */
  get nextDueAt(): number | undefined {
    return this.timers.length ? Math.min(...this.timers.map((timer) => timer.at)) : undefined;
  }

  /** Moves time forward by `ms`, firing every timer due on the way (including ones they schedule). */
  advance(ms: number): void {
    const until = this.time + ms;
    for (;;) {
      const due = this.timers.filter((timer) => timer.at <= until).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) break;
      this.timers = this.timers.filter((timer) => timer !== due);
      this.time = Math.max(this.time, due.at);
      due.fn();
    }
    this.time = until;
  }
}
