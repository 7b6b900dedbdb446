import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/cluster.js';
import {
  FRAME_FIELDS,
  HEATMAP_SUBSCRIPTION,
  httpQuery,
  record,
  wsClient,
  type Frame,
} from '../support/graphql-clients.js';
import { expectedBtcLevels, LAST_PRICE, REPLAY_FIXTURE_DIR } from '../support/replay-fixture.js';
import { startTestServer, type TestServer } from '../support/server.js';

// MARKET_SOURCE=replay through the real server: the shipped fixture (15 market minutes) replayed
// at 300× in about 3 s, streamed to a graphql-ws subscriber and answered over HTTP. The flat fixture
// has no mark prices: trades liquidate.
const EXPECTED_LEVELS = expectedBtcLevels('trades');

let server: TestServer;
let ws: ReturnType<typeof wsClient>;
let subscriber: ReturnType<typeof record>;

beforeAll(async () => {
  server = await startTestServer({
    MARKET_SOURCE: 'replay',
    REPLAY_DIR: REPLAY_FIXTURE_DIR,
    REPLAY_SPEED: '300',
    SYMBOLS: 'BTCUSDT,ETHUSDT',
    WS_UPDATE_INTERVAL: '0.1',
  });
  ws = wsClient(server.wsUrl);
  subscriber = record(ws, HEATMAP_SUBSCRIPTION, { symbols: ['BTCUSDT'] });
});
afterAll(async () => {
  await ws?.dispose();
  await server?.stop();
});

const marketSource = async () =>
  (
    await httpQuery<{ marketSource: { name: string; state: string; detail: string | null } }>(
      server.httpUrl,
      '{ marketSource { name state detail } }',
    )
  ).body.data!.marketSource;

describe('a replay through the server', () => {
  it('streams the replay to a subscriber with seq +1 each, up to the final frame: the levels computed by hand from the CSV rows', async () => {
    const finished = await waitFor('the replay to finish', async () => {
      const source = await marketSource();
      return source.state === 'STOPPED' ? source : null;
    });
    expect(finished).toMatchObject({ name: 'replay', detail: expect.stringMatching(/^replay finished: \d+ events/) });

    // The publisher's next tick publishes what the last events changed.
    const prices = EXPECTED_LEVELS.map((level) => level.price).join();
    const last = await waitFor('the final frame', async () => {
      const { body } = await httpQuery<{ snapshot: Frame }>(
        server.httpUrl,
        `{ snapshot(symbol: "BTCUSDT") { ${FRAME_FIELDS} } }`,
      );
      const frame = body.data!.snapshot;
      return frame.levels.map((level) => level.price).join() === prices ? frame : null;
    });
    // The subscriber gets every frame up to the last one the server published.
    await subscriber.until(() => subscriber.frames().at(-1)?.seq === last.seq);
    const frames = subscriber.frames();
    expect(subscriber.error).toBeUndefined();
    expect(frames.at(-1)).toEqual(last);
    for (let i = 1; i < frames.length; i++) expect(frames[i]!.seq).toBe(frames[i - 1]!.seq + 1);

    expect(last.currentPrice).toBe(LAST_PRICE);
    expect(last.priceStep).toBe(50);
    expect(last.levels.map((level) => level.price)).toEqual(EXPECTED_LEVELS.map((level) => level.price));
    last.levels.forEach((level, i) => {
      expect(level.long, `long at ${level.price}`).toBeCloseTo(EXPECTED_LEVELS[i]!.long, 1);
      expect(level.short, `short at ${level.price}`).toBeCloseTo(EXPECTED_LEVELS[i]!.short, 1);
    });
    // Market time, not wall-clock time: the frame is the fixture's last quarter hour.
    expect(last.timestamp).toMatch(/^2024-01-01T00:1/);
  });

  it("answers heatmap over the replay's own time range", async () => {
    const { body } = await httpQuery<{ heatmap: { from: string; to: string; columns: number; cells: unknown[] } }>(
      server.httpUrl,
      '{ heatmap(symbol: "BTCUSDT", window: H12) { from to columns cells } }',
    );
    const heatmap = body.data!.heatmap;
    expect(heatmap.from).toBe('2024-01-01T00:00:00.000Z');
    expect(heatmap.to).toMatch(/^2024-01-01T00:[12]/);
    expect(heatmap.columns).toBeGreaterThan(1);
    expect(heatmap.cells.length).toBeGreaterThan(0);
  });
});
