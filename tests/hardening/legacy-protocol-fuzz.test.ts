import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { HEATMAP_SUBSCRIPTION, record, wsClient, type Frame } from '../support/graphql-clients.js';
import { startTestServer, type TestServer } from '../support/server.js';

/**
 * Random traffic in the legacy subscriptions-transport-ws protocol (subprotocol `graphql-ws`), each
 * sequence on its own connection, checked against a model of it as docs/api.md describes it: every
 * message gets exactly the reply or close code it should (operations sent before the ack wait for it),
 * nothing ever gets 4500, and a modern subscriber on the same server receives every frame throughout.
 */
const MAX_BYTES = 4096;
const SUBSCRIPTION = 'subscription { heatmapUpdated(symbols: ["BTCUSDT"]) { seq } }';

/** Replies to wait for (each matched by some message after the step), a close code, or nothing. */
type Expect = { replies: Array<(m: ServerMessage) => boolean> } | { close: number } | null;
interface ServerMessage {
  type: string;
  id?: string;
}
interface State {
  initialised: boolean;
  active: Set<string>;
  nextId: number;
  /** Steps sent before connection_init: the server holds them until its ack, then runs them in order. */
  deferred: Array<{ expect: (state: State) => Expect; start?: string; stop?: string }>;
}
interface Step {
  label: string;
  data: string | Buffer | ((state: State) => string);
  binary?: boolean;
  expect(state: State): Expect;
}

const json = (value: unknown) => JSON.stringify(value);
const replyOf = (type: string, id?: string) => ({
  replies: [(m: ServerMessage) => m.type === type && (id === undefined || m.id === id)],
});
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

const init: fc.Arbitrary<Step> = fc
  .option(fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }), { nil: undefined })
  .map((payload) => ({
    label: 'connection_init',
    data: json({ type: 'connection_init', ...(payload ? { payload } : {}) }),
    expect: (s) => (s.initialised ? { close: 4429 } : initialise(s)),
  }));

const id = fc.oneof(
  fc.constantFrom('1', '2', '3'),
  fc.string({ minLength: 1, maxLength: 4 }),
  fc.constant('x'.repeat(3000)),
);

const start: fc.Arbitrary<Step> = id.map((opId) => ({
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

/** Operations that end by themselves, on fresh ids. */
const oneShot: fc.Arbitrary<Step> = fc
  .constantFrom(
    { query: '{ symbols { symbol } }', reply: 'complete' },
    { query: '{ nope }', reply: 'error' },
    { query: 'subscription { heatmapUpdated(symbols: ["NOPE"]) { seq } }', reply: 'complete' },
    { query: '{ symbols { symbol', reply: 'error' },
  )
  .map(({ query, reply }) => ({
    label: `operation → ${reply}`,
    data: (s: State) => json({ id: `op${s.nextId}`, type: 'start', payload: { query } }),
    expect: (s: State) => {
      const opId = `op${s.nextId++}`;
      return afterInit(s, () => replyOf(reply, opId));
    },
  }));

const stop: fc.Arbitrary<Step> = id.map((opId) => ({
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

const terminate: fc.Arbitrary<Step> = fc.constant({
  label: 'connection_terminate',
  data: json({ type: 'connection_terminate' }),
  expect: () => ({ close: 1000 }),
});

const CLIENT_TYPES = ['connection_init', 'start', 'stop', 'connection_terminate'];

/** Everything rejected with 4400: not JSON, not an object, unknown types (the modern protocol's and server-only ones too), bad fields. */
const invalid: fc.Arbitrary<Step> = fc
  .oneof(
    fc
      .string({ maxLength: 40 })
      .map((text) => `{${text}`)
      .filter((text) => {
        try {
          JSON.parse(text);
          return false;
        } catch {
          return true;
        }
      }),
    fc
      .oneof(
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
        fc.array(fc.integer(), { maxLength: 3 }),
        fc.string({ maxLength: 5 }),
      )
      .map(json),
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
    fc
      .record({
        type: fc.constant('start'),
        id: fc.oneof(fc.integer(), fc.constant(''), fc.constant(null)),
        payload: fc.constant({ query: SUBSCRIPTION }),
      })
      .map(json),
    fc
      .record({
        type: fc.constant('start'),
        id: fc.constant('9'),
        payload: fc.oneof(
          fc.string(),
          fc.integer(),
          fc.constant(null),
          fc.record({ query: fc.integer() }),
          fc.record({ query: fc.constant('{ symbols { symbol } }'), variables: fc.string() }),
        ),
      })
      .map(json),
    fc.constantFrom(
      json({ type: 'stop' }),
      json({ type: 'stop', id: 5 }),
      json({ type: 'connection_init', payload: 'token' }),
    ),
  )
  .map((text) => ({ label: `invalid ${text.slice(0, 30)}`, data: text, expect: () => ({ close: 4400 }) }));

const binary: fc.Arbitrary<Step> = fc.uint8Array({ minLength: 1, maxLength: 64 }).map((bytes) => ({
  label: 'binary frame',
  data: Buffer.from(bytes),
  binary: true,
  expect: () => ({ close: 4400 }),
}));

const oversized: fc.Arbitrary<Step> = fc.integer({ min: MAX_BYTES + 1, max: 4 * MAX_BYTES }).map((size) => ({
  label: `oversized ${size}`,
  data: json({ type: 'start', id: 'big', payload: { query: `{ symbols { symbol } }${' '.repeat(size)}` } }),
  expect: () => ({ close: 1009 }),
}));

const step = fc.oneof(
  { arbitrary: init, weight: 4 },
  { arbitrary: start, weight: 3 },
  { arbitrary: oneShot, weight: 3 },
  { arbitrary: stop, weight: 2 },
  { arbitrary: invalid, weight: 3 },
  { arbitrary: terminate, weight: 1 },
  { arbitrary: binary, weight: 1 },
  { arbitrary: oversized, weight: 1 },
);

async function open(url: string) {
  const ws = new WebSocket(url, 'graphql-ws');
  const received: ServerMessage[] = [];
  let closed: number | null = null;
  const waiters = new Set<() => void>();
  const wake = () => waiters.forEach((w) => w());
  ws.on('message', (data) => {
    received.push(JSON.parse(String(data)) as ServerMessage);
    wake();
  });
  ws.on('close', (code) => {
    closed = code;
    wake();
  });
  ws.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  expect(ws.protocol).toBe('graphql-ws');
  const until = (predicate: () => boolean, what: string) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(
          new Error(`timed out waiting for ${what}; closed=${closed}, received=${JSON.stringify(received.slice(-3))}`),
        );
      }, 5000);
      const check = () => {
        if (predicate()) {
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        }
      };
      waiters.add(check);
      check();
    });
  return { ws, received, closed: () => closed, until };
}

describe('subscriptions-transport-ws (legacy graphql-ws subprotocol) fuzzing', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      WS_MAX_MESSAGE_BYTES: String(MAX_BYTES),
      // Protocol handling is under test, not rate limits: queries over WebSocket draw on the
      // per-address HTTP budget too, and every socket here comes from 127.0.0.1.
      WS_RATE_LIMIT: '0',
      HTTP_RATE_LIMIT: '0',
      WS_INIT_TIMEOUT: '10',
      WS_UPDATE_INTERVAL: '0.1',
    });
  });
  afterAll(() => server.stop());

  it('answers every random sequence as the protocol says while a good client misses no frame', async () => {
    const good = wsClient(server.wsUrl);
    const sub = record(good, HEATMAP_SUBSCRIPTION, { symbols: ['BTCUSDT', 'ETHUSDT'] });
    const seqsOf = (symbol: string) =>
      sub
        .frames()
        .filter((f: Frame) => f.symbol === symbol)
        .map((f) => f.seq);
    const lastGeneratedAt = (symbol: string) =>
      Date.parse(
        sub
          .frames()
          .filter((f: Frame) => f.symbol === symbol)
          .at(-1)?.generatedAt ?? '1970-01-01',
      );
    await sub.until(() => seqsOf('BTCUSDT').length > 0 && seqsOf('ETHUSDT').length > 0);
    const closeCodes = new Map<number, number>();

    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 10 }), async (steps) => {
        const conn = await open(server.wsUrl);
        const state: State = { initialised: false, active: new Set(), nextId: 0, deferred: [] };
        try {
          for (const s of steps) {
            const data = typeof s.data === 'function' ? s.data(state) : s.data;
            const expected = s.expect(state);
            const seen = conn.received.length;
            conn.ws.send(data, { binary: s.binary ?? false });
            if (expected && 'close' in expected) {
              await conn.until(() => conn.closed() !== null, `close ${expected.close} after ${s.label}`);
              expect({ step: s.label, code: conn.closed() }).toEqual({ step: s.label, code: expected.close });
              closeCodes.set(expected.close, (closeCodes.get(expected.close) ?? 0) + 1);
              return;
            }
            if (expected)
              await conn.until(
                () => expected.replies.every((reply) => conn.received.slice(seen).some(reply)),
                `the replies to ${s.label}`,
              );
            expect(conn.closed()).toBeNull();
          }
          // Still open and still answering: a query, after an init if the sequence had none.
          const seen = conn.received.length;
          if (!state.initialised) {
            const expected = initialise(state);
            conn.ws.send(json({ type: 'connection_init' }));
            if (expected && 'close' in expected) {
              await conn.until(() => conn.closed() !== null, `close ${expected.close} after the held steps`);
              expect(conn.closed()).toBe(expected.close);
              closeCodes.set(expected.close, (closeCodes.get(expected.close) ?? 0) + 1);
              return;
            }
          }
          conn.ws.send(json({ id: 'final', type: 'start', payload: { query: '{ symbols { symbol } }' } }));
          await conn.until(
            () => conn.received.slice(seen).some((m) => m.type === 'complete' && m.id === 'final'),
            'the final query',
          );
          // Nothing of the modern protocol ever went out.
          expect(conn.received.filter((m) => ['next', 'ping', 'pong'].includes(m.type))).toEqual([]);
        } finally {
          conn.ws.terminate();
        }
      }),
      { seed: 20_261_128, numRuns: 300, endOnFailure: true },
    );

    // No 4401: a start before the ack waits for it, as with the original server.
    expect([...closeCodes.keys()].sort()).toEqual([1000, 1009, 4400, 4409, 4429]);
    const fuzzEndedAt = Date.now();
    await sub.until(() => lastGeneratedAt('BTCUSDT') > fuzzEndedAt && lastGeneratedAt('ETHUSDT') > fuzzEndedAt);
    expect(sub.error).toBeUndefined();
    for (const symbol of ['BTCUSDT', 'ETHUSDT']) {
      const seqs = seqsOf(symbol);
      expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));
    }
    sub.unsubscribe();
    await good.dispose();
    await expect.poll(async () => (await (await fetch(`${server.url}/stats`)).json()).activeConnections).toBe(0);
  }, 120_000);
});
