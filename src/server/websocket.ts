import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { GraphQLError } from 'graphql';
import { CloseCode, makeServer, type Context } from 'graphql-ws';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import type { GraphQLContext } from '../graphql/context.js';
import type { FanOut } from '../stream/fanout.js';
import type { StreamStats } from '../stream/stream-stats.js';
import type { Config } from './config.js';
import { isSubscription, sharedOperation } from './shared-operation.js';
import type { Yoga } from './yoga.js';

export interface Extra {
  socket: WebSocket;
  request: IncomingMessage;
  connectionId: number;
}

/** Close codes this server uses beyond graphql-ws's own (docs/api.md). */
export const ServerCloseCode = { GoingAway: 1001, MessageTooBig: 1009, TryAgainLater: 1013 } as const;

/**
 * graphql-ws on `ws`, sharing the HTTP port and yoga's envelop (parse/validate/execute with the
 * same plugins as HTTP). Our own adapter instead of `graphql-ws/use/ws` so that limits, logs and
 * metrics sit where the socket is: connection limit (1013), upgrade refusal (503), message size
 * (1009), keep-alive, and socket errors logged instead of printed.
 */
export function attachWebSocket(http: Server, yoga: Yoga, config: Config, stats: StreamStats, logger: Logger, fanout: FanOut | null) {
  const log = logger.child({ component: 'ws' });
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: config.WS_MAX_MESSAGE_BYTES,
    perMessageDeflate: false,
    handleProtocols: (protocols) => (protocols.has('graphql-transport-ws') ? 'graphql-transport-ws' : false),
  });
  let nextConnectionId = 1;

  const server = makeServer<Record<string, unknown> | undefined, Extra>({
    connectionInitWaitTimeout: config.WS_INIT_TIMEOUT,
    onConnect: (ctx) => {
      log.info({ event: 'ws_connect', connectionId: ctx.extra.connectionId, remote: ctx.extra.request.socket.remoteAddress });
      return true;
    },
    onSubscribe: async (ctx, id, payload) => {
      if (Object.keys(ctx.subscriptions).length > config.WS_MAX_SUBSCRIPTIONS_PER_CONNECTION) {
        return [new GraphQLError(`At most ${config.WS_MAX_SUBSCRIPTIONS_PER_CONNECTION} operations per connection`, { extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' } })];
      }
      const enveloped = yoga.getEnveloped({ ...ctx, req: ctx.extra.request, socket: ctx.extra.socket, params: payload });
      let document;
      try {
        // graphql-armor's limits throw from parse/validate: report them as the operation's errors.
        document = enveloped.parse(payload.query);
        const errors = enveloped.validate(enveloped.schema, document);
        if (errors.length > 0) return [...errors];
      } catch (error) {
        return [error instanceof GraphQLError ? error : new GraphQLError(String(error))];
      }
      log.info({ event: 'ws_subscribe', connectionId: ctx.extra.connectionId, id, operationName: payload.operationName ?? null, variables: payload.variables ?? null });
      const context = (await enveloped.contextFactory()) as unknown as GraphQLContext;
      const args = {
        schema: enveloped.schema,
        document,
        operationName: payload.operationName,
        variableValues: payload.variables,
        contextValue: context,
        rootValue: { execute: enveloped.execute, subscribe: enveloped.subscribe },
      };
      if (fanout && isSubscription(document, payload.operationName)) {
        // Frames bypass graphql-ws's per-subscriber execute + stringify: the fan-out writes them.
        const operation = sharedOperation({ ...args, rootValue: undefined });
        context.api = { ...context.api, frames: (symbols) => fanout.stream(ctx.extra.socket, id, operation, symbols) };
      }
      return args;
    },
    execute: (args) => (args.rootValue as { execute: typeof import('graphql').execute }).execute(args),
    subscribe: (args) => (args.rootValue as { subscribe: typeof import('graphql').subscribe }).subscribe(args),
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
    stats.activeConnections++;
    const openedAt = Date.now();
    socket.on('error', (error) => log.warn({ event: 'ws_error', connectionId, err: error.message }));
    const alive = keepAlive(socket, config.WS_KEEPALIVE);
    const closed = server.opened(
      {
        protocol: socket.protocol,
        send: (data) =>
          new Promise((resolve, reject) => {
            if (socket.readyState !== socket.OPEN) return resolve();
            socket.send(data, (err) => (err ? reject(err) : resolve()));
          }),
        close: (code, reason) => socket.close(code, reason),
        onMessage: (cb) =>
          socket.on('message', async (data, isBinary) => {
            try {
              await cb(isBinary ? '' : String(data));
            } catch (error) {
              log.error({ event: 'ws_error', connectionId, err: (error as Error).message });
              socket.close(CloseCode.InternalServerError, 'Internal server error');
            }
          }),
      },
      { socket, request, connectionId },
    );
    socket.once('close', (code, reason) => {
      alive.stop();
      stats.activeConnections--;
      log.info({ event: 'ws_disconnect', connectionId, code, reason: reason.toString(), durationMs: Date.now() - openedAt });
      void closed(code, reason.toString());
    });
  };

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (path !== yoga.graphqlEndpoint) return refuse(socket, 404, 'Not Found');
    if (!config.WS_ENABLED) return refuse(socket, 503, 'Service Unavailable', 'WebSocket is disabled on this server; use HTTP queries');
    wss.handleUpgrade(request, socket, head, (ws) => accept(ws, request));
  };
  http.on('upgrade', onUpgrade);

  return {
    /** Closes every socket with 1001 and stops accepting upgrades. */
    async close(): Promise<void> {
      http.off('upgrade', onUpgrade);
      const closing = [...wss.clients].map((ws) => new Promise<void>((resolve) => {
        ws.once('close', () => resolve());
        ws.close(ServerCloseCode.GoingAway, 'Server shutting down');
        setTimeout(() => { ws.terminate(); resolve(); }, 2000).unref();
      }));
      await Promise.all(closing);
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/** Protocol-level pings; a peer that does not answer within another interval is terminated. */
function keepAlive(socket: WebSocket, intervalMs: number) {
  let waiting = false;
  socket.on('pong', () => { waiting = false; });
  const timer = setInterval(() => {
    if (waiting) return socket.terminate();
    waiting = true;
    socket.ping();
  }, intervalMs);
  return { stop: () => clearInterval(timer) };
}

function refuse(socket: Duplex, status: number, statusText: string, body = statusText) {
  socket.end(`HTTP/1.1 ${status} ${statusText}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}
