import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { HEATMAP_SUBSCRIPTION, record, wsClient, type Frame } from '../support/graphql-clients.js';
import { startTestServer, type TestServer } from '../support/server.js';

/**
 * Random graphql-transport-ws traffic, each sequence on its own connection, checked against a model
 * of the protocol: every message gets exactly the reply or close code the protocol gives it, nothing
 * ever gets 4500, and a well-behaved subscriber connected throughout receives every frame.
 */
const MAX_BYTES = 4096;
const SUBSCRIPTION = 'subscription { heatmapUpdated(symbols: ["BTCUSDT"]) { seq } }';

/** What the model predicts for one message: a reply to wait for, a close code, or nothing. */
type Expect = { reply: (m: ServerMessage) => boolean } | { close: number } | null;
interface ServerMessage {
  type: string;
  id?: string;
}
interface State {
  initialised: boolean;
  active: Set<string>;
  nextId: number;
}
/** `data` is built before `expect` runs, from the state before this step. */
interface Step {
  label: string;
  data: string | Buffer | ((state: State) => string);
  binary?: boolean;
  expect(state: State): Expect;
}

const json = (value: unknown) => JSON.stringify(value);
const replyOf = (type: string, id?: string) => ({
  reply: (m: ServerMessage) => m.type === type && (id === undefined || m.id === id),
});

const init: fc.Arbitrary<Step> = fc
  .option(fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }), { nil: undefined })
  .map((payload) => ({
    label: 'connection_init',
    data: json({ type: 'connection_init', ...(payload ? { payload } : {}) }),
    expect: (s) => {
      if (s.initialised) return { close: 4429 };
      s.initialised = true;
      return replyOf('connection_ack');
    },
  }));

const ping: fc.Arbitrary<Step> = fc.constantFrom<Step>(
  { label: 'ping', data: json({ type: 'ping' }), expect: () => replyOf('pong') },
  { label: 'pong', data: json({ type: 'pong', payload: { at: 1 } }), expect: () => null },
);

/** Ids from a small pool (so duplicates happen) or huge ones (within the message limit). */
const id = fc.oneof(
  fc.constantFrom('1', '2', '3'),
  fc.string({ minLength: 1, maxLength: 4 }),
  fc.constant('x'.repeat(3000)),
);

const subscribe: fc.Arbitrary<Step> = id.map((opId) => ({
  label: `subscribe ${opId.slice(0, 10)}`,
  data: json({ id: opId, type: 'subscribe', payload: { query: SUBSCRIPTION } }),
  expect: (s) => {
    if (!s.initialised) return { close: 4401 };
    if (s.active.has(opId)) return { close: 4409 };
    s.active.add(opId);
    return replyOf('next', opId);
  },
}));

/** Operations that end by themselves (a query → next + complete; an invalid one → error): fresh ids, so they never race a reuse. */
const oneShot: fc.Arbitrary<Step> = fc
  .constantFrom(
    { query: '{ symbols { symbol } }', reply: 'complete' },
    { query: '{ nope }', reply: 'error' },
    { query: 'subscription { heatmapUpdated(symbols: ["NOPE"]) { seq } }', reply: 'complete' },
    { query: '{ symbols { symbol', reply: 'error' },
  )
  .map(({ query, reply }) => ({
    label: `operation → ${reply}`,
    data: (s: State) => json({ id: `op${s.nextId}`, type: 'subscribe', payload: { query } }),
    expect: (s: State) => {
      const opId = `op${s.nextId++}`;
      return s.initialised ? replyOf(reply, opId) : { close: 4401 };
    },
  }));

const complete: fc.Arbitrary<Step> = id.map((opId) => ({
  label: `complete ${opId.slice(0, 10)}`,
  data: json({ id: opId, type: 'complete' }),
  expect: (s) => {
    s.active.delete(opId);
    return null;
  },
}));

/** Everything the protocol rejects with 4400: not JSON, not an object, wrong or missing fields, server-only types, binary. */
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
    fc
      .record({
        type: fc.constant('subscribe'),
        id: fc.oneof(fc.integer(), fc.constant(''), fc.constant(null)),
        payload: fc.constant({ query: SUBSCRIPTION }),
      })
      .map(json),
    fc
      .record({
        type: fc.constant('subscribe'),
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

const binary: fc.Arbitrary<Step> = fc.uint8Array({ minLength: 1, maxLength: 64 }).map((bytes) => ({
  label: 'binary frame',
  data: Buffer.from(bytes),
  binary: true,
  expect: () => ({ close: 4400 }),
}));

const oversized: fc.Arbitrary<Step> = fc.integer({ min: MAX_BYTES + 1, max: 4 * MAX_BYTES }).map((size) => ({
  label: `oversized ${size}`,
  data: json({ type: 'ping', payload: { pad: 'x'.repeat(size) } }),
  expect: () => ({ close: 1009 }),
}));

const step = fc.oneof(
  { arbitrary: init, weight: 4 },
  { arbitrary: ping, weight: 2 },
  { arbitrary: subscribe, weight: 3 },
  { arbitrary: oneShot, weight: 2 },
  { arbitrary: complete, weight: 2 },
  { arbitrary: invalid, weight: 3 },
  { arbitrary: binary, weight: 1 },
  { arbitrary: oversized, weight: 1 },
);

/** A raw protocol socket that remembers what it received and how it closed. */
async function open(url: string) {
  const ws = new WebSocket(url, 'graphql-transport-ws');
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

describe('graphql-transport-ws fuzzing', () => {
  let server: TestServer;
  beforeAll(async () => {
    // Rate limits have their own tests; here every message must reach the protocol.
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
        const state: State = { initialised: false, active: new Set(), nextId: 0 };
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
              await conn.until(() => conn.received.slice(seen).some(expected.reply), `the reply to ${s.label}`);
            expect(conn.closed()).toBeNull();
          }
          // Still open and still answering.
          const seen = conn.received.length;
          conn.ws.send(json({ type: 'ping' }));
          await conn.until(() => conn.received.slice(seen).some((m) => m.type === 'pong'), 'a final pong');
        } finally {
          conn.ws.terminate();
        }
      }),
      { seed: 20_261_126, numRuns: 400, endOnFailure: true },
    );

    // Every kind of refusal was exercised.
    expect([...closeCodes.keys()].sort()).toEqual([1009, 4400, 4401, 4409, 4429]);
    // The good client missed nothing: per symbol, its frames span the whole fuzz (one from before
    // it, one published after it) and every seq in between arrived once, in order.
    const fuzzEndedAt = Date.now();
    await sub.until(() => lastGeneratedAt('BTCUSDT') > fuzzEndedAt && lastGeneratedAt('ETHUSDT') > fuzzEndedAt);
    expect(sub.error).toBeUndefined();
    for (const symbol of ['BTCUSDT', 'ETHUSDT']) {
      const seqs = seqsOf(symbol);
      expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));
    }
    sub.unsubscribe();
    await good.dispose();
    // Every fuzzed connection is gone from the server's books.
    await expect.poll(async () => (await (await fetch(`${server.url}/stats`)).json()).activeConnections).toBe(0);
  }, 120_000);
});
