import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { HEATMAP_SUBSCRIPTION, record, wsClient, type Frame } from './graphql-clients.js';
import { startTestServer, type TestServer } from './server.js';

/**
 * The harness both WebSocket protocol fuzz tests run (tests/hardening/protocol-fuzz.test.ts for
 * graphql-transport-ws, legacy-protocol-fuzz.test.ts for subscriptions-transport-ws): random
 * sequences, each on its own connection, checked step by step against the protocol's model, while a
 * well-behaved graphql-ws subscriber connected throughout must receive every frame. Each protocol
 * brings its steps and its model; the generators both protocols share are here.
 */
export const MAX_BYTES = 4096;
export const SUBSCRIPTION = 'subscription { heatmapUpdated(symbols: ["BTCUSDT"]) { seq } }';

export interface ServerMessage {
  type: string;
  id?: string;
}
/** Replies to wait for (each matched by some message after the step), a close code, or nothing. */
export type Expect = { replies: Array<(m: ServerMessage) => boolean> } | { close: number } | null;
/** What both protocols' models track of one connection; a protocol may track more. */
export interface ConnectionState {
  initialised: boolean;
  /** Ids of the subscriptions running. */
  active: Set<string>;
  /** The next fresh id for a one-shot operation. */
  nextId: number;
}
/** `data` is built before `expect` runs, from the state before this step. */
export interface Step<State> {
  label: string;
  data: string | Buffer | ((state: State) => string);
  binary?: boolean;
  expect(state: State): Expect;
}

export const json = (value: unknown) => JSON.stringify(value);
export const replyOf = (type: string, id?: string) => ({
  replies: [(m: ServerMessage) => m.type === type && (id === undefined || m.id === id)],
});

/** connection_init, with or without a payload (both protocols share the message); the protocol models the answer. */
export const initStep = <State>(expect: (state: State) => Expect): fc.Arbitrary<Step<State>> =>
  fc
    .option(fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }), { nil: undefined })
    .map((payload) => ({
      label: 'connection_init',
      data: json({ type: 'connection_init', ...(payload ? { payload } : {}) }),
      expect,
    }));

/** Ids from a small pool (so duplicates happen) or huge ones (within the message limit). */
export const operationId = fc.oneof(
  fc.constantFrom('1', '2', '3'),
  fc.string({ minLength: 1, maxLength: 4 }),
  fc.constant('x'.repeat(3000)),
);

/**
 * Operations that end by themselves (a query → complete; an invalid one → error), sent as the
 * protocol's `type` on fresh ids so they never race a reuse; `answer` models when that reply comes.
 */
export const oneShotStep = <State extends ConnectionState>(
  type: string,
  answer: (state: State, reply: Expect) => Expect,
): fc.Arbitrary<Step<State>> =>
  fc
    .constantFrom(
      { query: '{ symbols { symbol } }', reply: 'complete' },
      { query: '{ nope }', reply: 'error' },
      { query: 'subscription { heatmapUpdated(symbols: ["NOPE"]) { seq } }', reply: 'complete' },
      { query: '{ symbols { symbol', reply: 'error' },
    )
    .map(({ query, reply }) => ({
      label: `operation → ${reply}`,
      data: (s: State) => json({ id: `op${s.nextId}`, type, payload: { query } }),
      expect: (s: State) => answer(s, replyOf(reply, `op${s.nextId++}`)),
    }));

/** Text that is not JSON: 4400 in either protocol. */
export const notJson: fc.Arbitrary<string> = fc
  .string({ maxLength: 40 })
  .map((text) => `{${text}`)
  .filter((text) => {
    try {
      JSON.parse(text);
      return false;
    } catch {
      return true;
    }
  });

/** JSON that is not an object: 4400 in either protocol. */
export const notAnObject: fc.Arbitrary<string> = fc
  .oneof(
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(fc.integer(), { maxLength: 3 }),
    fc.string({ maxLength: 5 }),
  )
  .map(json);

/** An operation message (`type` is the protocol's subscribe or start) with a bad id, or a bad payload: 4400. */
export const badOperations = (type: string): [fc.Arbitrary<string>, fc.Arbitrary<string>] => [
  fc
    .record({
      type: fc.constant(type),
      id: fc.oneof(fc.integer(), fc.constant(''), fc.constant(null)),
      payload: fc.constant({ query: SUBSCRIPTION }),
    })
    .map(json),
  fc
    .record({
      type: fc.constant(type),
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
];

export const binaryStep: fc.Arbitrary<Step<unknown>> = fc.uint8Array({ minLength: 1, maxLength: 64 }).map((bytes) => ({
  label: 'binary frame',
  data: Buffer.from(bytes),
  binary: true,
  expect: () => ({ close: 4400 }),
}));

/** A message over the limit, built by the protocol from a size: 1009. */
export const oversizedStep = (message: (size: number) => string): fc.Arbitrary<Step<unknown>> =>
  fc.integer({ min: MAX_BYTES + 1, max: 4 * MAX_BYTES }).map((size) => ({
    label: `oversized ${size}`,
    data: message(size),
    expect: () => ({ close: 1009 }),
  }));

/** A raw protocol socket that remembers what it received and how it closed. */
async function open(url: string, subprotocol: string) {
  const ws = new WebSocket(url, subprotocol);
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
  expect(ws.protocol).toBe(subprotocol);
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
export type ProtocolSocket = Awaited<ReturnType<typeof open>>;

export interface FuzzedProtocol<State> {
  title: string;
  subprotocol: 'graphql-transport-ws' | 'graphql-ws';
  initialState(): State;
  step: fc.Arbitrary<Step<State>>;
  /** After a sequence that left the connection open: proves it still answers, or says how the protocol closes it instead. */
  stillAnswers(conn: ProtocolSocket, state: State): Promise<{ close: number } | undefined>;
  /** Every close code the run must have seen: each kind of refusal was exercised. */
  closeCodes: number[];
  seed: number;
  numRuns: number;
}

export function describeProtocolFuzz<State>(protocol: FuzzedProtocol<State>) {
  describe(protocol.title, () => {
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
      const expectClose = async (conn: ProtocolSocket, code: number, after: string) => {
        await conn.until(() => conn.closed() !== null, `close ${code} after ${after}`);
        expect({ step: after, code: conn.closed() }).toEqual({ step: after, code });
        closeCodes.set(code, (closeCodes.get(code) ?? 0) + 1);
      };

      await fc.assert(
        fc.asyncProperty(fc.array(protocol.step, { minLength: 1, maxLength: 10 }), async (steps) => {
          const conn = await open(server.wsUrl, protocol.subprotocol);
          const state = protocol.initialState();
          try {
            for (const s of steps) {
              const data = typeof s.data === 'function' ? s.data(state) : s.data;
              const expected = s.expect(state);
              const seen = conn.received.length;
              conn.ws.send(data, { binary: s.binary ?? false });
              if (expected && 'close' in expected) {
                await expectClose(conn, expected.close, s.label);
                return;
              }
              if (expected)
                await conn.until(
                  () => expected.replies.every((reply) => conn.received.slice(seen).some(reply)),
                  `the replies to ${s.label}`,
                );
              expect(conn.closed()).toBeNull();
            }
            const closing = await protocol.stillAnswers(conn, state);
            if (closing) await expectClose(conn, closing.close, 'the final check');
          } finally {
            conn.ws.terminate();
          }
        }),
        { seed: protocol.seed, numRuns: protocol.numRuns, endOnFailure: true },
      );

      expect([...closeCodes.keys()].sort()).toEqual(protocol.closeCodes);
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
}
