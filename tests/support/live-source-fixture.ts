import { afterEach, beforeEach } from 'vitest';
import type { MarketEvent } from '../../src/market/events.js';
import type { MarketSource } from '../../src/market/source.js';

/** What the exchange source tests start a source with: an hour of history, reconnects in tens of ms. */
export const QUICK_SOURCE = { historyMs: 3_600_000, reconnectBaseMs: 20, reconnectMaxMs: 200 } as const;

/**
 * The setup the exchange source tests share (tests/market/bybit.test.ts, okx.test.ts): a fresh fake
 * exchange for each test (`startFake`), and the source under test stopped after it. `start` builds the
 * source with `create` and starts it, recording its events: `events` all of them, `live()` those after
 * the start resolved (the backfill excluded). A test may also set `source` itself.
 */
export function liveSourceFixture<Fake extends { close(): Promise<void> }, Source extends MarketSource, Options>(
  startFake: () => Promise<Fake>,
  create: (exchange: Fake, options: Partial<Options>) => Source,
) {
  let current: Fake | undefined;
  const fixture = {
    get exchange(): Fake {
      if (!current) throw new Error('the fake exchange exists only inside a test');
      return current;
    },
    source: null as Source | null,
    async start(options: Partial<Options> = {}) {
      const events: MarketEvent[] = [];
      const source = create(fixture.exchange, options);
      fixture.source = source;
      await source.start((event) => events.push(event));
      const backfilled = events.length;
      return { events, live: () => events.slice(backfilled) };
    },
  };
  beforeEach(async () => {
    current = await startFake();
    fixture.source = null;
  });
  afterEach(async () => {
    await fixture.source?.stop();
    await current?.close();
    current = undefined;
  });
  return fixture;
}
