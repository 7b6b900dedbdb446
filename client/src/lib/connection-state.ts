/**
 * The connection state machine as a pure reducer: the driver (connection.ts) and the heatmap feed
 * turn socket, frame and polling outcomes into events; the UI only reads the resulting state.
 */

export type ConnectionStatus = 'connecting' | 'live' | 'reconnecting' | 'polling' | 'slow' | 'offline';

export interface ConnectionState {
  status: ConnectionStatus;
  /** WebSocket attempts that ended without a connection (or open sockets that closed) since the last success. */
  wsFailures: number;
  /** Frames without a slow-consumer notice since the last notice; `slow` ends after enough of them. */
  cleanFrames: number;
  /** Frames the server reported as dropped for us, summed over all slow-consumer notices. */
  droppedFrames: number;
}

export type ConnectionEvent =
  /** graphql-ws acknowledged the connection (connection_ack). */
  | { type: 'wsConnected' }
  /** A socket closed: a failed attempt, or an open connection that dropped. */
  | { type: 'wsClosed' }
  /** The server refuses WebSocket (upgrade answered 503): no point in waiting for 3 failures. */
  | { type: 'wsRefused' }
  /** A frame arrived over WebSocket, with the server's slow-consumer notice when it dropped frames for us. */
  | { type: 'frameReceived'; slowConsumer?: { droppedFrames: number } }
  | { type: 'pollSucceeded' }
  | { type: 'pollFailed' };

export interface ConnectionPolicy {
  /** Consecutive WebSocket failures after which the client polls over HTTP. */
  failuresBeforePolling: number;
  /** Clean frames in a row after a slow-consumer notice before the state is `live` again. */
  cleanFramesToRecover: number;
}

export const defaultPolicy: ConnectionPolicy = { failuresBeforePolling: 3, cleanFramesToRecover: 5 };

export const initialConnectionState: ConnectionState = {
  status: 'connecting',
  wsFailures: 0,
  cleanFrames: 0,
  droppedFrames: 0,
};

/** True while the data comes from HTTP polling rather than the subscription. */
export function isPolling(state: ConnectionState): boolean {
  return state.status === 'polling' || state.status === 'offline';
}

export function reduceConnection(
  state: ConnectionState,
  event: ConnectionEvent,
  policy: ConnectionPolicy = defaultPolicy,
): ConnectionState {
  switch (event.type) {
    case 'wsConnected':
      return { ...state, status: 'live', wsFailures: 0, cleanFrames: 0 };

    case 'wsClosed': {
      const wsFailures = state.wsFailures + 1;
      // Background retries while polling do not change what the user sees.
      if (isPolling(state)) return { ...state, wsFailures };
      return { ...state, wsFailures, status: wsFailures >= policy.failuresBeforePolling ? 'polling' : 'reconnecting' };
    }

    case 'wsRefused':
      // Only an attempt still in progress can be refused; a late verdict must not undo a newer `live`.
      return state.status === 'connecting' || state.status === 'reconnecting' ? { ...state, status: 'polling' } : state;

    case 'frameReceived':
      if (event.slowConsumer) {
        if (state.status !== 'live' && state.status !== 'slow') return state;
        return {
          ...state,
          status: 'slow',
          cleanFrames: 0,
          droppedFrames: state.droppedFrames + event.slowConsumer.droppedFrames,
        };
      }
      if (state.status !== 'slow') return state;
      return state.cleanFrames + 1 >= policy.cleanFramesToRecover
        ? { ...state, status: 'live', cleanFrames: 0 }
        : { ...state, cleanFrames: state.cleanFrames + 1 };

    case 'pollSucceeded':
      return state.status === 'offline' ? { ...state, status: 'polling' } : state;

    case 'pollFailed':
      return state.status === 'polling' ? { ...state, status: 'offline' } : state;
  }
}
