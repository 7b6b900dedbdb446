import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ConnectionState, ConnectionStatus } from '../../client/src/lib/connection-state.js';
import { createConnection, type Connection } from '../../client/src/lib/connection.js';
import { priceAxis } from '../../client/src/lib/heatmap-merge.js';
import {
  watchHeatmaps,
  type AppliedFrame,
  type HeatmapFeed,
  type SymbolView,
} from '../../client/src/lib/heatmap-feed.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { waitFor } from './wait.js';

// The connection state machine and the heatmap feed against the real server: real sockets, real
// graphql-ws, the server stopped, restarted on the same port, and run with WebSocket disabled.

const symbols = ['BTCUSDT', 'ETHUSDT'];
const running = new Set<TestServer>();
const cleanups: Array<() => unknown> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await Promise.all([...running].map((server) => server.stop()));
  running.clear();
});

async function startServer(overrides: Record<string, string> = {}): Promise<TestServer> {
  const server = await startTestServer(overrides);
  running.add(server);
  return server;
}

async function stopServer(server: TestServer): Promise<void> {
  running.delete(server);
  await server.stop();
}

function connect(server: TestServer) {
  const connection = createConnection({
    httpUrl: server.httpUrl,
    wsUrl: server.wsUrl,
    webSocketImpl: WebSocket,
    backoff: { baseMs: 50, maxMs: 400 },
  });
  const history: ConnectionState[] = [connection.state];
  connection.onState((state) => history.push(state));
  cleanups.push(() => connection.dispose());
  return { connection, history };
}

function watch(connection: Connection) {
  const feed = watchHeatmaps(connection, { symbols, window: 'H24', pollIntervalMs: 200 });
  const applied: AppliedFrame[] = [];
  feed.onFrame((frame) => applied.push(frame));
  cleanups.push(() => feed.dispose());
  return { feed, applied };
}

const statusesOf = (history: ConnectionState[]) =>
  history.map((state) => state.status).filter((status, i, all) => status !== all[i - 1]);
const statusIs = (connection: Connection, status: ConnectionStatus) => () => connection.state.status === status;

function appliedFor(applied: AppliedFrame[], symbol: string, filter: (frame: AppliedFrame) => boolean = () => true) {
  return applied.filter((entry) => entry.frame.symbol === symbol && filter(entry));
}

/** Within one publisher's life (a `restart` verdict starts a new one) every applied seq is higher than the one before. */
function expectNoDuplicates(applied: AppliedFrame[]) {
  for (const symbol of symbols) {
    let last = -Infinity;
    for (const { frame, verdict } of appliedFor(applied, symbol)) {
      if (verdict !== 'restart') expect(frame.seq, `${symbol} seq after ${last}`).toBeGreaterThan(last);
      last = frame.seq;
    }
  }
}

/** The open column of the merged grid holds exactly the USD of the last applied frame (within the price axis). */
function openColumnMatchesLastFrame(view: SymbolView): boolean {
  if (!view.heatmap || !view.lastFrame) return false;
  const { min, max } = priceAxis(view.heatmap);
  const open = view.heatmap.cells.filter((cell) => cell[0] === view.heatmap!.columns - 1);
  const gridUsd = open.reduce((sum, cell) => sum + cell[2]! + cell[3]!, 0);
  const onAxis = view.lastFrame.levels.filter((level) => level.price >= min && level.price < max);
  const frameUsd = onAxis.reduce((sum, level) => sum + level.long + level.short, 0);
  return Math.abs(gridUsd - frameUsd) <= 1e-6 * Math.max(1, frameUsd);
}

const everyView = (feed: HeatmapFeed, predicate: (view: SymbolView) => boolean) => () => feed.views.every(predicate);

describe('connection + heatmap feed against the real server', () => {
  it('goes live, streams frames for every symbol and merges them into the loaded grids', async () => {
    const server = await startServer();
    const { connection, history } = connect(server);
    const { feed, applied } = watch(connection);

    await waitFor(statusIs(connection, 'live'), 'live');
    await waitFor(
      () => symbols.every((symbol) => appliedFor(applied, symbol, (entry) => entry.via === 'subscription').length >= 3),
      '3 frames per symbol',
    );
    await waitFor(everyView(feed, openColumnMatchesLastFrame), 'open columns showing the last frames');

    expect(statusesOf(history)).toEqual(['connecting', 'live']);
    expectNoDuplicates(applied);
    for (const view of feed.views) expect(view.heatmap!.currentPrice).toBe(view.lastFrame!.currentPrice);
    const prices = Object.fromEntries(feed.views.map((view) => [view.symbol, view.heatmap!.currentPrice]));
    expect(prices.BTCUSDT).toBeGreaterThan(10 * prices.ETHUSDT!);
  });

  it('server gone: reconnecting, polling after 3 failures, offline when HTTP fails too; back on the same port: live again', async () => {
    const first = await startServer();
    const { connection, history } = connect(first);
    const { feed, applied } = watch(connection);
    await waitFor(statusIs(connection, 'live'), 'live');
    await waitFor(() => symbols.every((symbol) => appliedFor(applied, symbol).length >= 2), 'frames before the outage');

    await stopServer(first);
    await waitFor(statusIs(connection, 'offline'), 'offline');
    expect(statusesOf(history)).toEqual(['connecting', 'live', 'reconnecting', 'polling', 'offline']);
    expect(history.find((state) => state.status === 'polling')!.wsFailures).toBe(3);

    const restartedAt = Date.now();
    const second = await startServer({ PORT: String(first.port) });
    expect(second.port).toBe(first.port);
    await waitFor(statusIs(connection, 'live'), 'live after the restart');
    const afterRestart = (entry: AppliedFrame) => Date.parse(entry.frame.generatedAt) >= restartedAt;
    await waitFor(
      () => symbols.every((symbol) => appliedFor(applied, symbol, afterRestart).length >= 3),
      'frames from the restarted server',
    );
    await waitFor(everyView(feed, openColumnMatchesLastFrame), 'grids following the restarted server');

    // The new publisher starts its seq over: recognised as a restart, not dropped as duplicates.
    for (const symbol of symbols) expect(appliedFor(applied, symbol, afterRestart)[0]!.verdict).toBe('restart');
    expectNoDuplicates(applied);
    expect(statusesOf(history).at(-1)).toBe('live');
  });

  it('WebSocket refused (503): polls at once, keeps updating from snapshots, goes live when WebSocket is back', async () => {
    const refusing = await startServer({ WS_ENABLED: 'false' });
    const { connection, history } = connect(refusing);
    const { feed, applied } = watch(connection);

    await waitFor(statusIs(connection, 'polling'), 'polling');
    expect(statusesOf(history)).toEqual(['connecting', 'polling']);
    expect(history.find((state) => state.status === 'polling')!.wsFailures).toBeLessThan(3);

    await waitFor(
      () => symbols.every((symbol) => appliedFor(applied, symbol, (entry) => entry.via === 'poll').length >= 3),
      'polled frames',
    );
    await waitFor(everyView(feed, openColumnMatchesLastFrame), 'grids following the polled frames');
    // WebSocket is retried in the background the whole time.
    await waitFor(
      () => connection.state.wsFailures >= 3 && connection.state.status === 'polling',
      'background retries while polling',
    );
    expectNoDuplicates(applied);

    await stopServer(refusing);
    const restartedAt = Date.now();
    await startServer({ PORT: String(refusing.port) });
    await waitFor(statusIs(connection, 'live'), 'live once WebSocket is enabled');
    const streamedAfter = (entry: AppliedFrame) =>
      entry.via === 'subscription' && Date.parse(entry.frame.generatedAt) >= restartedAt;
    await waitFor(
      () => symbols.every((symbol) => appliedFor(applied, symbol, streamedAfter).length >= 2),
      'subscription frames after recovery',
    );
    expectNoDuplicates(applied);
  });
});
