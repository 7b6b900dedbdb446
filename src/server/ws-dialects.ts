import { CloseCode, validateMessage } from 'graphql-ws';
import { dataMessageHead, nextMessageHead } from '../protocol.js';

/**
 * The two WebSocket subprotocols GraphQL clients speak (docs/api.md, "WebSocket protocols"), as
 * dialects of one protocol core: graphql-ws's server runs every connection in graphql-transport-ws,
 * and a dialect translates a connection's messages to and from it. So both get the same limits,
 * auth, validation and shared fan-out; only the words on the wire differ.
 */
export interface Dialect {
  /** The subprotocol agreed in the handshake. */
  readonly subprotocol: 'graphql-transport-ws' | 'graphql-ws';
  /** The start of the message that carries one result of operation `id`, up to its payload. */
  resultHead(id: string): string;
  /**
   * A client message as graphql-transport-ws for graphql-ws's core, or the close it earns. `held`:
   * the message may come before the ack, and waits for it (legacy clients send their `start`s right
   * behind `connection_init`; their server waited for the init to finish).
   */
  inbound(text: string, isBinary: boolean): { forward: string; held?: true } | { close: number; reason: string };
  /** A graphql-transport-ws message from the core as this dialect says it: none, one, or the ack and a first keep-alive. */
  outbound(text: string): string[];
  /** Sent after the ack and then every keep-alive interval, for clients that time out without it. */
  readonly keepAlive: string | null;
  /** Sent before the close of a connection refused at `connection_init`. */
  refusal(reason: string): string | null;
}

const invalid = (why: string) => ({ close: CloseCode.BadRequest, reason: `Invalid message received: ${why}` });

/** graphql-transport-ws (the graphql-ws library): the core's own words. */
const transportWs: Dialect = {
  subprotocol: 'graphql-transport-ws',
  resultHead: nextMessageHead,
  inbound(text, isBinary) {
    if (isBinary) return invalid('binary messages are not graphql-transport-ws');
    // graphql-ws would throw on a server-only type (a 4500 and an error log per message): it is the
    // client's mistake, so it gets the protocol's 4400 like any other invalid message.
    const type = typeOf(text);
    return type === 'connection_ack' || type === 'next' || type === 'error'
      ? invalid(`${type} is sent by servers, not clients`)
      : { forward: text };
  },
  outbound: (text) => [text],
  keepAlive: null,
  refusal: () => null,
};

const LEGACY_CLIENT_TYPES = ['connection_init', 'start', 'stop', 'connection_terminate'];
const KA = JSON.stringify({ type: 'ka' });

/**
 * The legacy `graphql-ws` subprotocol of subscriptions-transport-ws (its PROTOCOL.md):
 * `start`/`stop` for subscribe/complete, `data` for next, `ka` keep-alives, `connection_error` for a
 * refused init, `connection_terminate` to hang up. Malformed messages get the same 4400 as above.
 */
const legacyWs: Dialect = {
  subprotocol: 'graphql-ws',
  resultHead: dataMessageHead,
  inbound(text, isBinary) {
    if (isBinary) return invalid('binary messages are not subscriptions-transport-ws');
    let message: { type?: unknown; id?: unknown; payload?: unknown };
    try {
      message = JSON.parse(text) as typeof message;
    } catch {
      return invalid('not JSON');
    }
    const type = message !== null && typeof message === 'object' ? message.type : undefined;
    if (typeof type !== 'string' || !LEGACY_CLIENT_TYPES.includes(type))
      return invalid(`${JSON.stringify(type)} is not a subscriptions-transport-ws client message`);
    if (type === 'connection_terminate') return { close: 1000, reason: 'connection_terminate' };
    const translated =
      type === 'connection_init'
        ? { type, payload: message.payload ?? undefined }
        : type === 'start'
          ? { id: message.id, type: 'subscribe', payload: message.payload }
          : { id: message.id, type: 'complete' };
    // Checked now, not when the core sees it: a held message must be refused at once too.
    try {
      validateMessage(translated);
    } catch (error) {
      return invalid((error as Error).message);
    }
    return type === 'connection_init'
      ? { forward: JSON.stringify(translated) }
      : { forward: JSON.stringify(translated), held: true };
  },
  outbound(text) {
    const message = JSON.parse(text) as { type: string };
    switch (message.type) {
      case 'next':
        return [JSON.stringify({ ...message, type: 'data' })];
      case 'connection_ack':
        return [text, KA];
      case 'error':
      case 'complete':
        return [text];
      default: // ping, pong: the legacy protocol has neither
        return [];
    }
  },
  keepAlive: KA,
  refusal: (reason) => JSON.stringify({ type: 'connection_error', payload: { message: reason } }),
};

/** In order of preference: a client offering both gets graphql-transport-ws. */
export const DIALECTS: readonly Dialect[] = [transportWs, legacyWs];

/** The dialect for the subprotocols a client offers, or null when it offers neither. */
export function dialectFor(offered: ReadonlySet<string>): Dialect | null {
  return DIALECTS.find((dialect) => offered.has(dialect.subprotocol)) ?? null;
}

export function dialectOf(subprotocol: string): Dialect {
  return DIALECTS.find((dialect) => dialect.subprotocol === subprotocol) ?? transportWs;
}

function typeOf(text: string): unknown {
  try {
    return (JSON.parse(text) as { type?: unknown } | null)?.type;
  } catch {
    return undefined; // graphql-ws answers invalid JSON with 4400 itself
  }
}
