import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { getOperationAST, GraphQLError, type ExecutionResult, type GraphQLFormattedError } from 'graphql';
import { CloseCode, GRAPHQL_TRANSPORT_WS_PROTOCOL, makeServer, type Context } from 'graphql-ws';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import { sharedSubscription } from '../graphql/shared-operation.js';
import { shouldLogError } from '../market/source-health.js';
import { ErrorCode, ServerCloseCode } from '../protocol.js';
import type { FanOut } from '../stream/fanout.js';
import type { FrameSocket } from '../stream/socket-writer.js';
import type { StreamStats } from '../stream/stream-stats.js';
import { ApiKeys, bearerKey, clientAddress, connectionParamsKey, originAllowed } from './auth.js';
import { fanoutResult } from './fanout-result.js';
import { variablesError } from './input-limits.js';
import { DeflateCache, negotiatedDeflate, perMessageDeflateOptions } from './permessage-deflate.js';
import { TokenBucket, type KeyedRateLimiter } from './rate-limit.js';
import { requestPath } from './request-path.js';
import { DIALECTS, dialectFor, dialectOf, type Dialect } from './ws-dialects.js';
import { wsFrameSocket, type FrameDeflate } from './ws-frame-socket.js';
import type { Yoga } from './yoga.js';

export interface WebSocketOptions {
  /** false → upgrades answered 503; HTTP keeps serving. */
  enabled: boolean;
  /** Connections per process (excess closed with 1013). */
  maxConnections: number;
  /** Concurrent operations per connection. */
  maxSubscriptionsPerConnection: number;
  /** Largest incoming message (larger closes with 1009). */
  maxMessageBytes: number;
  /** Wait for connection_init before closing with 4408. */
  initTimeoutMs: number;
  /** Ping interval; a peer silent for another interval is terminated. */
  keepAliveMs: number;
  /** subscribe/ping/pong messages per second per connection (0 = unlimited), and how many may come at once. */
  messageRate: number;
  messageBurst: number;
  /** Values allowed in one operation's variables. */
  maxVariableValues: number;
  /** Keys accepted in connectionParams or the upgrade's Authorization header; empty → no key required. */
  apiKeys: readonly string[];
  /** Origins whose pages may open a socket; empty → any. */
  allowedOrigins: readonly string[];
  /** Key the per-address budget on the last X-Forwarded-For entry; its rate per second, as refusals quote it. */
  trustProxy: boolean;
  addressRate: number;
  /** Offer permessage-deflate; messages below the threshold (bytes) go uncompressed. */
  compression: boolean;
  compressionThreshold: number;
}

export interface Extra {
  socket: WebSocket;
  /** The subprotocol the connection speaks, translated to and from graphql-ws's core. */
  dialect: Dialect;
  request: IncomingMessage;
  connectionId: number;
  /** The socket the fan-out writes frames to, null on the per-subscriber path (FANOUT=stock). */
  frameSocket: FrameSocket | null;
  /** permessage-deflate as the handshake agreed, null for a client that did not offer it (plain path). */
  deflate: FrameDeflate | null;
  /** subscribe/ping/pong messages this connection may still send (WS_RATE_LIMIT), null when unlimited. */
  budget: TokenBucket | null;
  /** The client's address, as HTTP rate limits key on it (TRUST_PROXY). */
  address: string;
}

/**
 * graphql-ws on `ws`, sharing the HTTP port and yoga's envelop (parse/validate/execute with the
 * same plugins as HTTP). Our own adapter instead of `graphql-ws/use/ws` so that limits, logs and
 * metrics sit where the socket is: connection limit (1013), upgrade refusals (404, 503, 403 for a
 * foreign Origin, 400 for no known subprotocol), message size (1009), API key (4403, and 1008 for
 * an address that spent its budget guessing keys), message rate (RATE_LIMITED, 1008), queries on
 * the per-address budget, keep-alive, and socket errors logged instead of printed. The legacy
 * subscriptions-transport-ws protocol runs through the same core in its own dialect (ws-dialects.ts).
 */
export function attachWebSocket(
  http: Server,
  yoga: Yoga,
  options: WebSocketOptions,
  stats: StreamStats,
  logger: Logger,
  fanout: FanOut | null,
  perAddress: KeyedRateLimiter | null,
) {
  const log = logger.child({ component: 'ws' });
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxMessageBytes,
    perMessageDeflate: options.compression ? perMessageDeflateOptions(options.compressionThreshold) : false,
    handleProtocols: (protocols) => dialectFor(protocols)?.subprotocol ?? false,
  });
  // What each handshake agreed (its 101 response's headers), read when the connection is accepted.
  const handshakes = new WeakMap<IncomingMessage, string[]>();
  wss.on('headers', (headers, request) => handshakes.set(request, headers));
  const deflateCache = new DeflateCache();
  const deflateFor = (request: IncomingMessage): FrameDeflate | null => {
    const params = negotiatedDeflate(handshakes.get(request) ?? []);
    return params && { params, cache: deflateCache, threshold: options.compressionThreshold };
  };
  let nextConnectionId = 1;
  const keys = new ApiKeys(options.apiKeys);
  /** Logs the first few refusals of a kind, then one in a thousand: a flood must not flood the logs. */
  const refused = (reason: keyof StreamStats['refused'], fields: Record<string, unknown>) => {
    const count = ++stats.refused[reason];
    if (shouldLogError(count)) log.warn({ event: 'ws_refused', reason, count, ...fields });
  };
  const overBudget = (ctx: Context<Record<string, unknown> | undefined, Extra>) => {
    if (ctx.extra.budget === null || ctx.extra.budget.take()) return false;
    refused('wsRateLimited', { connectionId: ctx.extra.connectionId });
    return true;
  };
  const closeForFlooding = (ctx: Context<Record<string, unknown> | undefined, Extra>) => {
    if (overBudget(ctx))
      ctx.extra.socket.close(
        ServerCloseCode.PolicyViolation,
        `Rate limit exceeded: more than ${options.messageRate} messages per second`,
      );
  };

  const server = makeServer<Record<string, unknown> | undefined, Extra>({
    // Our own timer instead (initWait in accept), which reads the socket before it decides.
    connectionInitWaitTimeout: 0,
    onConnect: (ctx) => {
      const { connectionId, request, socket, address } = ctx.extra;
      // Guessing keys costs the address its HTTP budget, as a refused HTTP request does: while the
      // budget is spent, no key is even checked.
      const wait = keys.required ? (perAddress?.retryAfter(address) ?? 0) : 0;
      if (wait > 0) {
        refused('wsRateLimited', { connectionId, remote: address });
        socket.close(
          ServerCloseCode.PolicyViolation,
          `Too many requests from this address (HTTP_RATE_LIMIT); retry in ${wait} s`,
        );
        return false;
      }
      // Browsers cannot set headers on a WebSocket, so the key travels in connectionParams; other
      // clients may send it as the upgrade's Authorization header instead.
      if (!keys.accepts(connectionParamsKey(ctx.connectionParams) ?? bearerKey(request.headers.authorization))) {
        perAddress?.take(address);
        refused('unauthorized', { connectionId, remote: request.socket.remoteAddress });
        // 4403 as graphql-ws would, with a reason that says what is missing; clients retry 4403.
        const reason = 'Forbidden: a valid API key is required in connectionParams';
        const refusal = ctx.extra.dialect.refusal(reason);
        if (refusal) socket.send(refusal);
        socket.close(CloseCode.Forbidden, reason);
        return false;
      }
      log.info({
        event: 'ws_connect',
        connectionId,
        protocol: ctx.extra.dialect.subprotocol,
        remote: request.socket.remoteAddress,
        deflateWindowBits: ctx.extra.deflate?.params.windowBits ?? null,
      });
      return true;
    },
    onPing: closeForFlooding,
    onPong: closeForFlooding,
    onSubscribe: async (ctx, id, payload) => {
      // Refusals that cost nothing come first: nothing below runs for a flooding client.
      if (overBudget(ctx)) {
        return [
          new GraphQLError(
            `Too many messages: at most ${options.messageRate} per second per connection (WS_RATE_LIMIT); retry shortly`,
            { extensions: { code: ErrorCode.RateLimited } },
          ),
        ];
      }
      if (Object.keys(ctx.subscriptions).length > options.maxSubscriptionsPerConnection) {
        return [
          new GraphQLError(`At most ${options.maxSubscriptionsPerConnection} operations per connection`, {
            extensions: { code: ErrorCode.TooManySubscriptions },
          }),
        ];
      }
      const tooLarge = variablesError(payload.variables, options.maxVariableValues);
      if (tooLarge) return [tooLarge];
      const enveloped = yoga.getEnveloped({
        ...ctx,
        req: ctx.extra.request,
        socket: ctx.extra.socket,
        params: payload,
      });
      let document;
      try {
        // graphql-armor's limits throw from parse/validate: report them as the operation's errors.
        document = enveloped.parse(payload.query);
        const errors = enveloped.validate(enveloped.schema, document);
        if (errors.length > 0) return [...errors];
      } catch (error) {
        return [error instanceof GraphQLError ? error : new GraphQLError(String(error))];
      }
      // A query over WebSocket costs what it costs over HTTP: one from the address's budget.
      const wait =
        getOperationAST(document, payload.operationName)?.operation === 'subscription'
          ? 0
          : (perAddress?.take(ctx.extra.address) ?? 0);
      if (wait > 0) {
        refused('wsRateLimited', { connectionId: ctx.extra.connectionId, remote: ctx.extra.address });
        return [
          new GraphQLError(
            `Too many requests: at most ${options.addressRate} operations per second per client (HTTP_RATE_LIMIT); retry in ${wait} s`,
            { extensions: { code: ErrorCode.RateLimited } },
          ),
        ];
      }
      log.info({
        event: 'ws_subscribe',
        connectionId: ctx.extra.connectionId,
        id,
        operationName: payload.operationName ?? null,
        variables: payload.variables ?? null,
      });
      return {
        schema: enveloped.schema,
        document,
        operationName: payload.operationName,
        variableValues: payload.variables,
        contextValue: await enveloped.contextFactory(),
        rootValue: { execute: enveloped.execute, subscribe: enveloped.subscribe },
      };
    },
    onOperation: (ctx, id, _payload, args, result) => {
      // Frames bypass graphql-ws's per-subscriber execute + stringify: the fan-out writes them.
      const { frameSocket } = ctx.extra;
      if (!fanout || !frameSocket || !isAsyncGenerator(result)) return;
      const shared = sharedSubscription(args);
      if (!shared) return;
      return fanoutResult(result, shared.notices, () =>
        fanout.subscribe(frameSocket, ctx.extra.dialect.resultHead(id), shared.operation, shared.streams),
      );
    },
    execute: (args) => (args.rootValue as { execute: typeof import('graphql').execute }).execute(args),
    subscribe: (args) => (args.rootValue as { subscribe: typeof import('graphql').subscribe }).subscribe(args),
    // Yoga marks validation errors with their HTTP status (`extensions.http`): meaningless here.
    onError: (_ctx, _id, _payload, errors) => errors.map(withoutHttpDetails),
    onComplete: (ctx, id) => {
      log.info({ event: 'ws_unsubscribe', connectionId: ctx.extra.connectionId, id });
    },
  });

  const accept = (socket: WebSocket, request: IncomingMessage) => {
    if (stats.activeConnections >= options.maxConnections) {
      stats.rejectedConnections++;
      log.warn({ event: 'ws_error', reason: 'connection limit', limit: options.maxConnections });
      socket.close(ServerCloseCode.TryAgainLater, `Server at its limit of ${options.maxConnections} connections`);
      return;
    }
    const connectionId = nextConnectionId++;
    const dialect = dialectOf(socket.protocol);
    stats.countConnection(dialect.subprotocol, 1);
    const openedAt = Date.now();
    const deflate = deflateFor(request);
    socket.on('error', (error) => log.warn({ event: 'ws_error', connectionId, err: error.message }));
    const sendText = (text: string) =>
      new Promise<void>((resolve, reject) => {
        if (socket.readyState !== socket.OPEN) return resolve();
        socket.send(text, (err) => (err ? reject(err) : resolve()));
      });
    let acknowledged = false;
    /** Operations sent before the ack (legacy clients do), delivered once it is out. */
    const held: string[] = [];
    let deliver: (text: string) => Promise<void> = async () => {};
    const alive = keepAlive(socket, options.keepAliveMs, {
      // The dialect's keep-alive message (legacy `ka`) goes out with every ping once the ack did.
      pinged: () => {
        if (acknowledged && dialect.keepAlive) void sendText(dialect.keepAlive).catch(() => {});
      },
      // A subscriber that stops reading stops answering pings too: it is a slow consumer (frames
      // dropped, then 4080 at WS_STUCK_TIMEOUT), not a dead peer to terminate at the next ping.
      missed: () => !(frameSocket && fanout?.writesTo(frameSocket)),
      answered: () => {
        if (frameSocket) fanout?.answered(frameSocket);
      },
    });
    const frameSocket = fanout ? wsFrameSocket(socket, deflate, alive) : null;
    const closed = server.opened(
      {
        // The core always speaks graphql-transport-ws; the dialect translates (ws-dialects.ts).
        protocol: GRAPHQL_TRANSPORT_WS_PROTOCOL,
        send: async (data) => {
          for (const text of dialect.outbound(data)) await sendText(text);
          // Before the ack the core sends nothing else, so this parses one message per connection.
          if (!acknowledged && (JSON.parse(data) as { type: string }).type === 'connection_ack') {
            acknowledged = true;
            // Not awaited: the core's handler of a subscription runs as long as the subscription.
            for (const text of held.splice(0)) void deliver(text);
          }
        },
        close: (code, reason) => socket.close(code, closeReason(reason)),
        onMessage: (cb) => {
          deliver = async (text) => {
            try {
              await cb(text);
            } catch (error) {
              log.error({ event: 'ws_error', connectionId, err: (error as Error).message });
              socket.close(CloseCode.InternalServerError, 'Internal server error');
            }
          };
          socket.on('message', (data, isBinary) => {
            // Checked here what graphql-ws would throw on (a 4500 and an error log per message):
            // the client's mistakes get the protocol's 4400 like any other invalid message. The
            // extra parse is cheap: clients send few messages, each at most WS_MAX_MESSAGE_BYTES.
            const inbound = dialect.inbound(String(data), isBinary);
            if ('close' in inbound) return socket.close(inbound.close, closeReason(inbound.reason));
            // deliver never rejects: it answers a failure with 4500 itself.
            if (!inbound.held || acknowledged) return void deliver(inbound.forward);
            // Bounded: a start and a stop for each operation the connection may run.
            if (held.length >= 2 * options.maxSubscriptionsPerConnection)
              return socket.close(ServerCloseCode.PolicyViolation, 'Too many messages before connection_ack');
            held.push(inbound.forward);
          });
        },
      },
      {
        socket,
        dialect,
        request,
        connectionId,
        frameSocket,
        deflate,
        budget: options.messageRate > 0 ? new TokenBucket(options.messageRate, options.messageBurst) : null,
        address: clientAddress(request, options.trustProxy),
      },
    );
    // A turn of the event loop runs its due timers before it reads the sockets: after a stalled
    // loop, graphql-ws's own init timer closed clients whose connection_init was already waiting
    // to be read. This one decides after the turn's reads (setImmediate), so only a client that
    // really sent nothing in time gets 4408.
    const initWait = setTimeout(
      () =>
        setImmediate(() => {
          if (!acknowledged)
            socket.close(CloseCode.ConnectionInitialisationTimeout, 'Connection initialisation timeout');
        }),
      options.initTimeoutMs,
    );
    socket.once('close', (code, reason) => {
      clearTimeout(initWait);
      alive.stop();
      stats.countConnection(dialect.subprotocol, -1);
      log.info({
        event: 'ws_disconnect',
        connectionId,
        protocol: dialect.subprotocol,
        code,
        reason: reason.toString(),
        durationMs: Date.now() - openedAt,
      });
      void closed(code, reason.toString());
    });
  };

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (requestPath(request) !== yoga.graphqlEndpoint) return refuse(socket, 404, 'Not Found');
    if (!options.enabled)
      return refuse(socket, 503, 'Service Unavailable', 'WebSocket is disabled on this server; use HTTP queries');
    // Refused before the handshake, so a foreign page never gets an open socket (cross-site WebSocket hijacking).
    if (!originAllowed(request.headers.origin, options.allowedOrigins)) {
      refused('origin', { origin: request.headers.origin, remote: request.socket.remoteAddress });
      return refuse(socket, 403, 'Forbidden', `Origin ${request.headers.origin} is not allowed (CORS_ALLOWED_ORIGINS)`);
    }
    // A client the server cannot speak to hears so at the handshake, not from a 101 and a close.
    const offered = new Set(
      (request.headers['sec-websocket-protocol'] ?? '')
        .split(',')
        .map((name) => name.trim())
        .filter(Boolean),
    );
    if (!dialectFor(offered)) {
      refused('subprotocol', { offered: [...offered], remote: request.socket.remoteAddress });
      return refuse(socket, 400, 'Bad Request', SUBPROTOCOL_REQUIRED);
    }
    wss.handleUpgrade(request, socket, head, (ws) => accept(ws, request));
  };
  http.on('upgrade', onUpgrade);

  return {
    /** Closes every socket with 1001 and stops accepting upgrades. */
    async close(): Promise<void> {
      http.off('upgrade', onUpgrade);
      const closing = [...wss.clients].map(
        (ws) =>
          new Promise<void>((resolve) => {
            ws.once('close', () => resolve());
            ws.close(ServerCloseCode.GoingAway, 'Server shutting down');
            setTimeout(() => {
              ws.terminate();
              resolve();
            }, 2000).unref();
          }),
      );
      await Promise.all(closing);
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

const SUBPROTOCOL_REQUIRED = `Unsupported WebSocket subprotocol: offer ${DIALECTS.map((d) => d.subprotocol).join(
  ' or ',
)} (Sec-WebSocket-Protocol): graphql-transport-ws is the graphql-ws library's protocol, graphql-ws the legacy subscriptions-transport-ws one`;

/**
 * Protocol-level pings; `pinged` runs with each (the legacy protocol's `ka` message goes out with
 * it). A peer that has not answered by the next one is terminated when `missed` says so (otherwise
 * asked again at each interval, without another ping); `answered` runs on each pong.
 */
function keepAlive(
  socket: WebSocket,
  intervalMs: number,
  on: { pinged: () => void; missed: () => boolean; answered: () => void },
) {
  let unansweredSince: number | null = null;
  socket.on('pong', () => {
    unansweredSince = null;
    on.answered();
  });
  const timer = setInterval(() => {
    if (unansweredSince !== null) {
      if (on.missed()) socket.terminate();
      return;
    }
    unansweredSince = Date.now();
    socket.ping();
    on.pinged();
  }, intervalMs);
  return {
    stop: () => clearInterval(timer),
    get unansweredSince() {
      return unansweredSince;
    },
  };
}

/** A subscription's result (graphql-js's stream), not a single ExecutionResult (a refused subscription). */
function isAsyncGenerator(value: unknown): value is AsyncGenerator<ExecutionResult> {
  const candidate = value as Partial<AsyncGenerator> | null;
  return typeof candidate?.[Symbol.asyncIterator] === 'function' && typeof candidate.return === 'function';
}

function withoutHttpDetails(error: GraphQLError): GraphQLFormattedError {
  const { extensions, ...formatted } = error.toJSON();
  const { http: _, ...rest } = extensions ?? {};
  return Object.keys(rest).length > 0 ? { ...formatted, extensions: rest } : formatted;
}

/**
 * A close reason cut to the 123 bytes a close frame allows: graphql-ws puts the client's operation id
 * in some reasons (4409), and `ws` throws on a longer one, which turned a 4409 into a 4500.
 */
function closeReason(reason = ''): string {
  let cut = reason.slice(0, 123);
  while (Buffer.byteLength(cut) > 123) cut = cut.slice(0, -1);
  return cut;
}

function refuse(socket: Duplex, status: number, statusText: string, body = statusText) {
  socket.end(
    `HTTP/1.1 ${status} ${statusText}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
