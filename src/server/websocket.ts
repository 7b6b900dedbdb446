import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { GraphQLError, type ExecutionResult, type GraphQLFormattedError } from 'graphql';
import { CloseCode, GRAPHQL_TRANSPORT_WS_PROTOCOL, makeServer, type Context } from 'graphql-ws';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import { sharedSubscription } from '../graphql/shared-operation.js';
import { shouldLogError } from '../market/health.js';
import { ErrorCode, ServerCloseCode } from '../protocol.js';
import type { FanOut } from '../stream/fanout.js';
import type { FrameSocket } from '../stream/socket-writer.js';
import type { StreamStats } from '../stream/stream-stats.js';
import { ApiKeys, bearerKey, connectionParamsKey, originAllowed } from './auth.js';
import type { Config } from './config.js';
import { fanoutResult } from './fanout-result.js';
import { variablesError } from './input-limits.js';
import { TokenBucket } from './rate-limit.js';
import { DeflateCache, negotiatedDeflate, perMessageDeflateOptions } from './permessage-deflate.js';
import { DIALECTS, dialectFor, dialectOf, type Dialect } from './ws-dialects.js';
import { wsFrameSocket, type FrameDeflate } from './ws-frame-socket.js';
import type { Yoga } from './yoga.js';

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
}

/**
 * graphql-ws on `ws`, sharing the HTTP port and yoga's envelop (parse/validate/execute with the
 * same plugins as HTTP). Our own adapter instead of `graphql-ws/use/ws` so that limits, logs and
 * metrics sit where the socket is: connection limit (1013), upgrade refusals (404, 503, 403 for a
 * foreign Origin, 400 for no known subprotocol), message size (1009), API key (4403), message rate
 * (RATE_LIMITED, 1008), keep-alive, and socket errors logged instead of printed. The legacy
 * subscriptions-transport-ws protocol runs through the same core in its own dialect (ws-dialects.ts).
 */
export function attachWebSocket(
  http: Server,
  yoga: Yoga,
  config: Config,
  stats: StreamStats,
  logger: Logger,
  fanout: FanOut | null,
) {
  const log = logger.child({ component: 'ws' });
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: config.WS_MAX_MESSAGE_BYTES,
    perMessageDeflate: config.WS_COMPRESSION ? perMessageDeflateOptions(config.WS_COMPRESSION_THRESHOLD) : false,
    handleProtocols: (protocols) => dialectFor(protocols)?.subprotocol ?? false,
  });
  // What each handshake agreed (its 101 response's headers), read when the connection is accepted.
  const handshakes = new WeakMap<IncomingMessage, string[]>();
  wss.on('headers', (headers, request) => handshakes.set(request, headers));
  const deflateCache = new DeflateCache();
  const deflateFor = (request: IncomingMessage): FrameDeflate | null => {
    const params = negotiatedDeflate(handshakes.get(request) ?? []);
    return params && { params, cache: deflateCache, threshold: config.WS_COMPRESSION_THRESHOLD };
  };
  let nextConnectionId = 1;
  const keys = new ApiKeys(config.API_KEYS);
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
        `Rate limit exceeded: more than ${config.WS_RATE_LIMIT} messages per second`,
      );
  };

  const server = makeServer<Record<string, unknown> | undefined, Extra>({
    connectionInitWaitTimeout: config.WS_INIT_TIMEOUT,
    onConnect: (ctx) => {
      const { connectionId, request, socket } = ctx.extra;
      // Browsers cannot set headers on a WebSocket, so the key travels in connectionParams; other
      // clients may send it as the upgrade's Authorization header instead.
      if (!keys.accepts(connectionParamsKey(ctx.connectionParams) ?? bearerKey(request.headers.authorization))) {
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
            `Too many messages: at most ${config.WS_RATE_LIMIT} per second per connection (WS_RATE_LIMIT); retry shortly`,
            { extensions: { code: ErrorCode.RateLimited } },
          ),
        ];
      }
      if (Object.keys(ctx.subscriptions).length > config.WS_MAX_SUBSCRIPTIONS_PER_CONNECTION) {
        return [
          new GraphQLError(`At most ${config.WS_MAX_SUBSCRIPTIONS_PER_CONNECTION} operations per connection`, {
            extensions: { code: ErrorCode.TooManySubscriptions },
          }),
        ];
      }
      const tooLarge = variablesError(payload.variables, config.MAX_VARIABLE_VALUES);
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
        fanout.subscribe(frameSocket, ctx.extra.dialect.resultHead(id), shared.operation, shared.symbols),
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
    if (stats.activeConnections >= config.WS_MAX_CONNECTIONS) {
      stats.rejectedConnections++;
      log.warn({ event: 'ws_error', reason: 'connection limit', limit: config.WS_MAX_CONNECTIONS });
      socket.close(ServerCloseCode.TryAgainLater, `Server at its limit of ${config.WS_MAX_CONNECTIONS} connections`);
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
    // The dialect's keep-alive message (legacy `ka`) goes out with every ping once the ack did.
    const alive = keepAlive(socket, config.WS_KEEPALIVE, () => {
      if (acknowledged && dialect.keepAlive) void sendText(dialect.keepAlive).catch(() => {});
    });
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
          socket.on('message', async (data, isBinary) => {
            // Checked here what graphql-ws would throw on (a 4500 and an error log per message):
            // the client's mistakes get the protocol's 4400 like any other invalid message. The
            // extra parse is cheap: clients send few messages, each at most WS_MAX_MESSAGE_BYTES.
            const inbound = dialect.inbound(String(data), isBinary);
            if ('close' in inbound) return socket.close(inbound.close, closeReason(inbound.reason));
            if (!inbound.held || acknowledged) return deliver(inbound.forward);
            // Bounded: a start and a stop for each operation the connection may run.
            if (held.length >= 2 * config.WS_MAX_SUBSCRIPTIONS_PER_CONNECTION)
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
        frameSocket: fanout ? wsFrameSocket(socket, deflate) : null,
        deflate,
        budget: config.WS_RATE_LIMIT > 0 ? new TokenBucket(config.WS_RATE_LIMIT, config.WS_RATE_BURST) : null,
      },
    );
    socket.once('close', (code, reason) => {
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
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (path !== yoga.graphqlEndpoint) return refuse(socket, 404, 'Not Found');
    if (!config.WS_ENABLED)
      return refuse(socket, 503, 'Service Unavailable', 'WebSocket is disabled on this server; use HTTP queries');
    // Refused before the handshake, so a foreign page never gets an open socket (cross-site WebSocket hijacking).
    if (!originAllowed(request.headers.origin, config.CORS_ALLOWED_ORIGINS)) {
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
 * Protocol-level pings; a peer that does not answer within another interval is terminated.
 * `tick` runs with each ping (the legacy protocol's `ka` message goes out with it).
 */
function keepAlive(socket: WebSocket, intervalMs: number, tick: () => void) {
  let waiting = false;
  socket.on('pong', () => {
    waiting = false;
  });
  const timer = setInterval(() => {
    if (waiting) return socket.terminate();
    waiting = true;
    socket.ping();
    tick();
  }, intervalMs);
  return { stop: () => clearInterval(timer) };
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
