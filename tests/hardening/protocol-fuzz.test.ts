import fc from 'fast-check';
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
  type Step,
} from '../support/protocol-fuzz.js';

/**
 * Random graphql-transport-ws traffic, each sequence on its own connection, checked against a model
 * of the protocol: every message gets exactly the reply or close code the protocol gives it, nothing
 * ever gets 4500, and a well-behaved subscriber connected throughout receives every frame.
 */
type State = ConnectionState;

const init = initStep<State>((s) => {
  if (s.initialised) return { close: 4429 };
  s.initialised = true;
  return replyOf('connection_ack');
});

const ping: fc.Arbitrary<Step<State>> = fc.constantFrom<Step<State>>(
  { label: 'ping', data: json({ type: 'ping' }), expect: () => replyOf('pong') },
  { label: 'pong', data: json({ type: 'pong', payload: { at: 1 } }), expect: () => null },
);

const subscribe: fc.Arbitrary<Step<State>> = operationId.map((opId) => ({
  label: `subscribe ${opId.slice(0, 10)}`,
  data: json({ id: opId, type: 'subscribe', payload: { query: SUBSCRIPTION } }),
  expect: (s) => {
    if (!s.initialised) return { close: 4401 };
    if (s.active.has(opId)) return { close: 4409 };
    s.active.add(opId);
    return replyOf('next', opId);
  },
}));

const oneShot = oneShotStep<State>('subscribe', (s, reply) => (s.initialised ? reply : { close: 4401 }));

const complete: fc.Arbitrary<Step<State>> = operationId.map((opId) => ({
  label: `complete ${opId.slice(0, 10)}`,
  data: json({ id: opId, type: 'complete' }),
  expect: (s) => {
    s.active.delete(opId);
    return null;
  },
}));

/** Everything the protocol rejects with 4400: not JSON, not an object, wrong or missing fields, server-only types (binary: binaryStep). */
const invalid: fc.Arbitrary<Step<State>> = fc
  .oneof(
    notJson,
    notAnObject,
    fc
      .oneof(
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
        fc
          .string({ maxLength: 12 })
          .filter(
            (t) =>
              !['connection_init', 'ping', 'pong', 'subscribe', 'complete', 'connection_ack', 'next', 'error'].includes(
                t,
              ),
          ),
      )
      .map((type) => json({ type })),
    ...badOperations('subscribe'),
    fc.constantFrom(
      json({ type: 'complete' }),
      json({ type: 'connection_init', payload: 'token' }),
      json({ type: 'ping', payload: 5 }),
    ),
    fc.constantFrom(
      json({ type: 'connection_ack' }),
      json({ type: 'next', id: '1', payload: {} }),
      json({ type: 'error', id: '1', payload: [{ message: 'x' }] }),
    ),
  )
  .map((text) => ({ label: `invalid ${text.slice(0, 30)}`, data: text, expect: () => ({ close: 4400 }) }));

describeProtocolFuzz<State>({
  title: 'graphql-transport-ws fuzzing',
  subprotocol: 'graphql-transport-ws',
  initialState: () => ({ initialised: false, active: new Set(), nextId: 0 }),
  step: fc.oneof(
    { arbitrary: init, weight: 4 },
    { arbitrary: ping, weight: 2 },
    { arbitrary: subscribe, weight: 3 },
    { arbitrary: oneShot, weight: 2 },
    { arbitrary: complete, weight: 2 },
    { arbitrary: invalid, weight: 3 },
    { arbitrary: binaryStep, weight: 1 },
    { arbitrary: oversizedStep((size) => json({ type: 'ping', payload: { pad: 'x'.repeat(size) } })), weight: 1 },
  ),
  // Still open and still answering.
  async stillAnswers(conn) {
    const seen = conn.received.length;
    conn.ws.send(json({ type: 'ping' }));
    await conn.until(() => conn.received.slice(seen).some((m) => m.type === 'pong'), 'a final pong');
    return undefined;
  },
  closeCodes: [1009, 4400, 4401, 4409, 4429],
  seed: 20_261_126,
  numRuns: 400,
});
