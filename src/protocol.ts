/**
 * The words this service puts on the wire, in one place for the server and the client (the client
 * imports this file too, so it imports nothing). docs/api.md explains each of them.
 */

/** `extensions.code` of every error a client can branch on. */
export const ErrorCode = {
  InvalidSymbol: 'INVALID_SYMBOL',
  BadUserInput: 'BAD_USER_INPUT',
  NotReady: 'NOT_READY',
  RateLimited: 'RATE_LIMITED',
  TooManySubscriptions: 'TOO_MANY_SUBSCRIPTIONS',
  ForbiddenOrigin: 'FORBIDDEN_ORIGIN',
  Unauthenticated: 'UNAUTHENTICATED',
  /** HTTP 400 from this server's own checks (yoga's carry the same code). */
  BadRequest: 'BAD_REQUEST',
  /** HTTP 406: the Accept header allows no type the result can be sent as. */
  NotAcceptable: 'NOT_ACCEPTABLE',
  /** HTTP 415: a POST body that is neither JSON nor a form. */
  UnsupportedMediaType: 'UNSUPPORTED_MEDIA_TYPE',
  /** Not an error: the warning code on a frame sent after frames were dropped for a slow subscriber. */
  SlowConsumer: 'SLOW_CONSUMER',
} as const;

/** WebSocket close codes this server uses beyond graphql-ws's own `CloseCode`. */
export const ServerCloseCode = {
  GoingAway: 1001,
  PolicyViolation: 1008,
  MessageTooBig: 1009,
  TryAgainLater: 1013,
  /** The subscriber's socket took no frame for WS_STUCK_TIMEOUT; clients reconnect. */
  SlowConsumer: 4080,
} as const;

export const SLOW_CONSUMER_CLOSE_REASON = 'Slow consumer: not reading frames';

/** `payload.extensions.warning` of the first frame a slow subscriber gets after frames were dropped. */
export interface SlowConsumerWarning {
  code: typeof ErrorCode.SlowConsumer;
  message: string;
  /** Frames of this symbol dropped since the subscriber's previous frame. */
  droppedFrames: number;
}

export function slowConsumerWarning(droppedFrames: number): SlowConsumerWarning {
  return { code: ErrorCode.SlowConsumer, message: 'Connection slow - may miss updates', droppedFrames };
}

/** The start of a graphql-transport-ws `next` message up to its payload: `{"id":"…","type":"next","payload":`. */
export function nextMessageHead(id: string): string {
  return `{"id":${JSON.stringify(id)},"type":"next","payload":`;
}

/** The same for the legacy subscriptions-transport-ws protocol's `data` message: `{"id":"…","type":"data","payload":`. */
export function dataMessageHead(id: string): string {
  return `{"id":${JSON.stringify(id)},"type":"data","payload":`;
}
