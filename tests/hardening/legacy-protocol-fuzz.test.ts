import fc from 'fast-check';
import { expect } from 'vitest';
import {
  badOperations,
  binaryStep,
  describeProtocolFuzz,
  initStep,
  json,
  notAnObject,
  notJson,
  oneShotStep,
  operationId,
  oversizedStep,
  replyOf,
  SUBSCRIPTION,
  type ConnectionState,
  type Expect,
  type ServerMessage,
  type Step,
} from '../support/protocol-fuzz.js';

/**
 * Random traffic in the legacy subscriptions-transport-ws protocol (subprotocol `graphql-ws`), each
 * sequence on its own connection, checked against a model of it as docs/api.md describes it: every
 * message gets exactly the reply or close code it should (operations sent before the ack wait for it),
 * nothing ever gets 4500, and a modern subscriber on the same server receives every frame throughout.
 */
interface State extends ConnectionState {
  /** Steps sent before connection_init: the server holds them until its ack, then runs them in order. */
  deferred: Array<{ expect: (state: State) => Expect; start?: string; stop?: string }>;
}

/** Before the init a step is held (no reply yet); the init's expectation then includes it. */
const afterInit = (s: State, expect: (state: State) => Expect, ids: { start?: string; stop?: string } = {}): Expect => {
  if (s.initialised) return expect(s);
  s.deferred.push({ expect, ...ids });
  return null;
};

/** The ack and a first keep-alive, then whatever the held steps earn, in order. */
function initialise(s: State): Expect {
  s.initialised = true;
  const replies = replyOf('ka').replies;
  // Held starts promise a frame only if no held stop of theirs follows (then they may end first).
  const frames = new Map<string, (m: ServerMessage) => boolean>();
  for (const held of s.deferred.splice(0)) {
    const expected = held.expect(s);
    if (expected && 'close' in expected) return expected;
    if (held.stop !== undefined) frames.delete(held.stop);
    else if (held.start !== undefined && expected) frames.set(held.start, expected.replies[0]!);
    else if (expected) replies.push(...expected.replies);
  }
  return { replies: [...replies, ...frames.values()] };
}

const init = initStep<State>((s) => (s.initialised ? { close: 4429 } : initialise(s)));

const start: fc.Arbitrary<Step<State>> = operationId.map((opId) => ({
  label: `start ${opId.slice(0, 10)}`,
  data: json({ id: opId, type: 'start', payload: { query: SUBSCRIPTION } }),
  expect: (s) =>
    afterInit(
      s,
      () => {
        if (s.active.has(opId)) return { close: 4409 };
        s.active.add(opId);
        return replyOf('data', opId);
      },
      { start: opId },
    ),
}));

const oneShot = oneShotStep<State>('start', (s, reply) => afterInit(s, () => reply));

const stop: fc.Arbitrary<Step<State>> = operationId.map((opId) => ({
  label: `stop ${opId.slice(0, 10)}`,
  data: json({ id: opId, type: 'stop' }),
  expect: (s) =>
    afterInit(
      s,
      () => {
        s.active.delete(opId);
        return null;
      },
      { stop: opId },
    ),
}));

const terminate: fc.Arbitrary<Step<State>> = fc.constant({
  label: 'connection_terminate',
  data: json({ type: 'connection_terminate' }),
  expect: () => ({ close: 1000 }),
});

const CLIENT_TYPES = ['connection_init', 'start', 'stop', 'connection_terminate'];

/** Everything rejected with 4400: not JSON, not an object, unknown types (the modern protocol's and server-only ones too), bad fields (binary: binaryStep). */
const invalid: fc.Arbitrary<Step<State>> = fc
  .oneof(
    notJson,
    notAnObject,
    fc
      .oneof(
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
        fc.string({ maxLength: 12 }).filter((t) => !CLIENT_TYPES.includes(t)),
        fc.constantFrom(
          'subscribe',
          'complete',
          'ping',
          'pong',
          'next',
          'data',
          'ka',
          'connection_ack',
          'connection_error',
          'error',
        ),
      )
      .map((type) => json({ type, id: '1', payload: { query: SUBSCRIPTION } })),
    ...badOperations('start'),
    fc.constantFrom(
      json({ type: 'stop' }),
      json({ type: 'stop', id: 5 }),
      json({ type: 'connection_init', payload: 'token' }),
    ),
  )
  .map((text) => ({ label: `invalid ${text.slice(0, 30)}`, data: text, expect: () => ({ close: 4400 }) }));

describeProtocolFuzz<State>({
  title: 'subscriptions-transport-ws (legacy graphql-ws subprotocol) fuzzing',
  subprotocol: 'graphql-ws',
  initialState: () => ({ initialised: false, active: new Set(), nextId: 0, deferred: [] }),
  step: fc.oneof(
    { arbitrary: init, weight: 4 },
    { arbitrary: start, weight: 3 },
    { arbitrary: oneShot, weight: 3 },
    { arbitrary: stop, weight: 2 },
    { arbitrary: invalid, weight: 3 },
    { arbitrary: terminate, weight: 1 },
    { arbitrary: binaryStep, weight: 1 },
    {
      arbitrary: oversizedStep((size) =>
        json({ type: 'start', id: 'big', payload: { query: `{ symbols { symbol } }${' '.repeat(size)}` } }),
      ),
      weight: 1,
    },
  ),
  // Still open and still answering: a query, after an init if the sequence had none.
  async stillAnswers(conn, state) {
    const seen = conn.received.length;
    if (!state.initialised) {
      const expected = initialise(state);
      conn.ws.send(json({ type: 'connection_init' }));
      if (expected && 'close' in expected) return expected;
    }
    conn.ws.send(json({ id: 'final', type: 'start', payload: { query: '{ symbols { symbol } }' } }));
    await conn.until(
      () => conn.received.slice(seen).some((m) => m.type === 'complete' && m.id === 'final'),
      'the final query',
    );
    // Nothing of the modern protocol ever went out.
    expect(conn.received.filter((m) => ['next', 'ping', 'pong'].includes(m.type))).toEqual([]);
    return undefined;
  },
  // No 4401: a start before the ack waits for it, as with the original server.
  closeCodes: [1000, 1009, 4400, 4409, 4429],
  seed: 20_261_128,
  numRuns: 300,
});
