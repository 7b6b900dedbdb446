import { describe, expect, it } from 'vitest';
import {
  initialConnectionState,
  reduceConnection,
  type ConnectionEvent,
  type ConnectionState,
} from '../../client/src/lib/connection-state.js';

const run = (events: ConnectionEvent[], from: ConnectionState = initialConnectionState) =>
  events.reduce((state, event) => reduceConnection(state, event), from);
const statuses = (events: ConnectionEvent[], from: ConnectionState = initialConnectionState) => {
  const seen: string[] = [];
  events.reduce((state, event) => {
    const next = reduceConnection(state, event);
    seen.push(next.status);
    return next;
  }, from);
  return seen;
};

const connected: ConnectionEvent = { type: 'wsConnected' };
const closed: ConnectionEvent = { type: 'wsClosed' };
const frame: ConnectionEvent = { type: 'frameReceived' };
const slowFrame = (droppedFrames: number): ConnectionEvent => ({
  type: 'frameReceived',
  slowConsumer: { droppedFrames },
});

describe('connection state reducer', () => {
  it('starts connecting and goes live on connection_ack', () => {
    expect(initialConnectionState.status).toBe('connecting');
    expect(run([connected]).status).toBe('live');
  });

  it('reconnects after failures and polls after the third consecutive one', () => {
    expect(statuses([closed, closed, closed])).toEqual(['reconnecting', 'reconnecting', 'polling']);
    expect(statuses([connected, closed, closed, closed])).toEqual(['live', 'reconnecting', 'reconnecting', 'polling']);
  });

  it('counts only consecutive failures: a connection in between starts over', () => {
    expect(statuses([closed, closed, connected, closed, closed])).toEqual([
      'reconnecting',
      'reconnecting',
      'live',
      'reconnecting',
      'reconnecting',
    ]);
    expect(run([closed, closed, connected]).wsFailures).toBe(0);
  });

  it('keeps polling while background WebSocket retries fail, and returns to live when one succeeds', () => {
    const polling = run([closed, closed, closed]);
    expect(statuses([closed, closed, connected], polling)).toEqual(['polling', 'polling', 'live']);
    expect(run([closed, closed], polling).wsFailures).toBe(5);
  });

  it('goes straight to polling when the server refuses the upgrade (503)', () => {
    expect(statuses([{ type: 'wsRefused' }, closed])).toEqual(['polling', 'polling']);
    expect(statuses([connected, closed, { type: 'wsRefused' }])).toEqual(['live', 'reconnecting', 'polling']);
  });

  it('ignores a refusal verdict that arrives after the socket connected', () => {
    expect(run([closed, connected, { type: 'wsRefused' }]).status).toBe('live');
  });

  it('is offline when polling fails too, and back to polling when a poll succeeds', () => {
    const polling = run([closed, closed, closed]);
    expect(statuses([{ type: 'pollFailed' }, { type: 'pollFailed' }, { type: 'pollSucceeded' }], polling)).toEqual([
      'offline',
      'offline',
      'polling',
    ]);
    expect(statuses([{ type: 'pollFailed' }, closed, connected], polling)).toEqual(['offline', 'offline', 'live']);
  });

  it('ignores poll outcomes while on WebSocket (a late poll must not flip a live connection)', () => {
    const live = run([connected]);
    expect(reduceConnection(live, { type: 'pollFailed' })).toBe(live);
    expect(reduceConnection(live, { type: 'pollSucceeded' })).toBe(live);
  });

  it('is slow on a SLOW_CONSUMER notice and live again after enough clean frames', () => {
    const slow = run([connected, slowFrame(3)]);
    expect(slow).toMatchObject({ status: 'slow', droppedFrames: 3 });
    expect(statuses([frame, frame, frame, frame, frame], slow)).toEqual(['slow', 'slow', 'slow', 'slow', 'live']);
  });

  it('starts the clean count over on every new notice and sums the dropped frames', () => {
    const state = run([connected, slowFrame(2), frame, frame, frame, frame, slowFrame(4), frame]);
    expect(state).toMatchObject({ status: 'slow', cleanFrames: 1, droppedFrames: 6 });
  });

  it('does not turn a polling or reconnecting state into slow', () => {
    const polling = run([closed, closed, closed]);
    expect(reduceConnection(polling, slowFrame(1)).status).toBe('polling');
  });

  it('leaves slow for reconnecting when the socket drops, and for live on reconnection', () => {
    expect(statuses([closed, connected], run([connected, slowFrame(1)]))).toEqual(['reconnecting', 'live']);
  });

  it('honours a custom policy', () => {
    const policy = { failuresBeforePolling: 1, cleanFramesToRecover: 1 };
    expect(reduceConnection(initialConnectionState, closed, policy).status).toBe('polling');
    const slow = reduceConnection(reduceConnection(initialConnectionState, connected, policy), slowFrame(1), policy);
    expect(reduceConnection(slow, frame, policy).status).toBe('live');
  });

  it('returns the same object when nothing changes (the driver emits only real changes)', () => {
    const live = run([connected]);
    expect(reduceConnection(live, frame)).toBe(live);
  });
});
