import { afterAll, describe, expect, it } from 'vitest';
import { HEATMAP_SUBSCRIPTION, httpQuery, record, wsClient, type Frame } from '../support/graphql-clients.js';
import { startTestServer, type TestServer } from '../support/server.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

interface Status {
  marketSource: { history: { loadedFrom: string | null; targetFrom: string | null; done: boolean } | null };
  d30: { from: string; coverageFrom: string; columns: number; intervalSeconds: number };
  snapshot: { seq: number };
}
const STATUS = `{
  marketSource { history { loadedFrom targetFrom done } }
  d30: heatmap(symbol: "BTCUSDT", window: D30) { from coverageFrom columns intervalSeconds }
  snapshot(symbol: "BTCUSDT") { seq }
}`;

const servers: TestServer[] = [];
afterAll(() => Promise.all(servers.map((server) => server.stop())));

async function status(server: TestServer): Promise<Status> {
  const { body } = await httpQuery<Status>(server.httpUrl, STATUS);
  expect(body.errors).toBeUndefined();
  return body.data!;
}

describe('30 days of history, loaded in the background (docs/architecture.md, "History")', () => {
  // A month of history, loaded on a machine that may be busy: a longer limit than the default.
  it(
    'fills the 30-day window stage by stage while frames keep coming, seq unbroken, coverage right',
    {
      timeout: 180_000,
    },
    async () => {
      const startedAt = Date.now();
      const server = await startTestServer({ SYMBOLS: 'BTCUSDT', HISTORY_HOURS: '720', HISTORY_START_HOURS: '1' });
      servers.push(server);
      const client = wsClient(server.wsUrl);
      const sub = record(client, HEATMAP_SUBSCRIPTION, { symbols: ['BTCUSDT'] });

      // Poll until the history is loaded, keeping what each poll saw.
      const polls: Status[] = [];
      for (;;) {
        const seen = await status(server);
        polls.push(seen);
        if (seen.marketSource.history!.done) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const readyAt = Date.now();
      const target = Date.parse(polls.at(-1)!.marketSource.history!.targetFrom!);
      // The target: 720 h plus a warm-up of 6 h, counted from the start.
      expect(target).toBeLessThanOrEqual(startedAt - 726 * HOUR);
      expect(target).toBeGreaterThanOrEqual(readyAt - 726 * HOUR - 2 * 60_000);

      // The first history is the start's hour; each stage reaches further, never back.
      const loaded = polls.map((poll) => Date.parse(poll.marketSource.history!.loadedFrom!));
      expect(loaded[0]).toBeGreaterThan(readyAt - 2 * HOUR);
      for (let i = 1; i < loaded.length; i++) expect(loaded[i]).toBeLessThanOrEqual(loaded[i - 1]!);
      expect(loaded.at(-1)).toBe(target);
      for (const [i, poll] of polls.entries()) {
        // A window still filling says where its data starts: at the loaded history, not at its first column.
        const coverage = Date.parse(poll.d30.coverageFrom);
        expect(coverage).toBeGreaterThanOrEqual(Date.parse(poll.d30.from));
        expect(coverage).toBeGreaterThanOrEqual(loaded[i]!);
      }
      expect(Date.parse(polls[0]!.d30.coverageFrom)).toBeGreaterThan(Date.parse(polls[0]!.d30.from));

      // The live stream went on while it loaded: frames were published between the polls that saw it loading.
      const seqsWhileLoading = new Set(polls.filter((p) => !p.marketSource.history!.done).map((p) => p.snapshot.seq));
      expect(seqsWhileLoading.size).toBeGreaterThanOrEqual(3);

      // Once loaded (and past the one-tick heatmap reuse), the 30-day window is full: 180 columns, covered from its start.
      await expect
        .poll(async () => {
          const { d30 } = await status(server);
          return d30.columns === 180 && d30.coverageFrom === d30.from;
        })
        .toBe(true);

      // Every frame of the subscription, across every swap: seq +1, each one a change.
      await sub.until(() => sub.frames().length >= 2);
      sub.unsubscribe();
      await client.dispose();
      expect(sub.error).toBeUndefined();
      const frames = sub.frames();
      const content = ({ seq: _seq, generatedAt: _g, ...rest }: Frame) => JSON.stringify(rest);
      for (let i = 1; i < frames.length; i++) {
        expect(frames[i]!.seq).toBe(frames[i - 1]!.seq + 1);
        expect(content(frames[i]!)).not.toBe(content(frames[i - 1]!));
      }
    },
  );

  it('with no more history wanted than the start loads, is done at once and covers what it has', async () => {
    const server = await startTestServer({ SYMBOLS: 'BTCUSDT', HISTORY_HOURS: '2' });
    servers.push(server);
    const { marketSource, d30 } = await status(server);
    const { loadedFrom, targetFrom, done } = marketSource.history!;
    expect(done).toBe(true);
    expect(targetFrom).toBe(loadedFrom);
    expect(Date.parse(loadedFrom!)).toBeGreaterThan(Date.now() - 3 * HOUR);
    expect(Date.parse(d30.coverageFrom)).toBeGreaterThanOrEqual(Date.parse(loadedFrom!));
    expect(d30.columns * d30.intervalSeconds * 1000).toBeLessThan(DAY);
  });
});
