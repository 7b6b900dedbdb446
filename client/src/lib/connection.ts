import { Client, fetchExchange, subscriptionExchange } from '@urql/core';
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import { backoffDelay, defaultBackoff, type BackoffOptions } from './backoff.js';
import {
  defaultPolicy,
  initialConnectionState,
  reduceConnection,
  type ConnectionEvent,
  type ConnectionPolicy,
  type ConnectionState,
} from './connection-state.js';
import { Emitter } from './emitter.js';

export interface ConnectionOptions {
  /** http(s)://…/graphql: queries and polling. */
  httpUrl: string;
  /** ws(s)://…/graphql: graphql-transport-ws. */
  wsUrl: string;
  /** A WebSocket constructor where there is no global one (Node: the `ws` package). */
  webSocketImpl?: unknown;
  backoff?: BackoffOptions;
  policy?: Partial<ConnectionPolicy>;
  /**
   * Whether the server has WebSocket switched off. Browsers hide the upgrade's 503, so after a failed
   * attempt the driver asks; the default reads the server's /health report.
   */
  isWebSocketDisabled?: () => Promise<boolean>;
}

export interface Connection {
  /** urql client: queries over HTTP, subscriptions over the graphql-ws socket. */
  readonly client: Client;
  readonly state: ConnectionState;
  /** Feeds report frames and poll outcomes here. */
  dispatch(event: ConnectionEvent): void;
  onState(listener: (state: ConnectionState) => void): () => void;
  dispose(): Promise<void>;
}

/** `ws` (Node) reports the refused upgrade's status in the error; browsers do not. */
function isRefusedUpgrade(error: unknown): boolean {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' && /Unexpected server response: 503/.test(message);
}

function healthProbe(httpUrl: string): () => Promise<boolean> {
  const healthUrl = new URL('/health', httpUrl).toString();
  return async () => {
    const response = await fetch(healthUrl, { cache: 'no-store' });
    const report = (await response.json()) as { websocket?: { enabled?: boolean } };
    return report.websocket?.enabled === false;
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The driver around the pure reducer: one graphql-ws socket (connected eagerly, retried forever with
 * backoff + jitter, so it keeps trying in the background while the feeds poll) whose lifecycle events
 * become state-machine events.
 */
export function createConnection(options: ConnectionOptions): Connection {
  const policy = { ...defaultPolicy, ...options.policy };
  const backoff = options.backoff ?? defaultBackoff;
  const isWebSocketDisabled = options.isWebSocketDisabled ?? healthProbe(options.httpUrl);
  const emitter = new Emitter<{ state: ConnectionState }>();
  let state = initialConnectionState;
  let disposed = false;

  const dispatch = (event: ConnectionEvent) => {
    if (disposed) return;
    const next = reduceConnection(state, event, policy);
    if (next === state) return;
    state = next;
    emitter.emit('state', state);
  };

  const checkRefusal = () => {
    if (state.status !== 'connecting' && state.status !== 'reconnecting') return;
    isWebSocketDisabled().then(
      (disabled) => disabled && dispatch({ type: 'wsRefused' }),
      () => undefined, // HTTP unreachable too: the failures count toward polling, which then reports offline
    );
  };

  const ws: WsClient = createWsClient({
    url: options.wsUrl,
    webSocketImpl: options.webSocketImpl,
    lazy: false,
    keepAlive: 10_000,
    retryAttempts: Number.POSITIVE_INFINITY,
    shouldRetry: () => true,
    retryWait: (retries) => sleep(backoffDelay(retries, backoff)),
    // Retries are unlimited, so this only comes after a close code graphql-ws deems fatal (4400, 4500,
    // 1011…): that server will not take our socket, so updates come from polling from now on.
    onNonLazyError: () => dispatch({ type: 'wsRefused' }),
    on: {
      connected: () => dispatch({ type: 'wsConnected' }),
      error: (error) => isRefusedUpgrade(error) && dispatch({ type: 'wsRefused' }),
      closed: () => {
        dispatch({ type: 'wsClosed' });
        checkRefusal();
      },
    },
  });

  const client = new Client({
    url: options.httpUrl,
    // Frames are applied by the feeds; caching them here would only cost memory.
    requestPolicy: 'network-only',
    exchanges: [
      fetchExchange,
      subscriptionExchange({
        forwardSubscription: (request) => ({
          subscribe: (sink) => ({
            unsubscribe: ws.subscribe(
              { ...request, query: request.query ?? '' },
              {
                // urql merges each result's extensions into the previous result's, so a slow-consumer
                // warning would stick to every later frame: each result says whether it has one.
                next: (result) => {
                  const extensions = result.extensions as Record<string, unknown> | undefined;
                  sink.next({ ...result, extensions: { ...extensions, warning: extensions?.warning ?? null } });
                },
                error: (error) => sink.error(error),
                complete: () => sink.complete(),
              },
            ),
          }),
        }),
      }),
    ],
  });

  return {
    client,
    get state() {
      return state;
    },
    dispatch,
    onState: (listener) => emitter.on('state', listener),
    async dispose() {
      disposed = true;
      emitter.clear();
      await ws.dispose();
    },
  };
}
