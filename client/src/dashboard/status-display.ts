import type { ConnectionStatus } from '../lib/connection-state.js';

export type StatusTone = 'green' | 'amber' | 'red' | 'grey';

export const slowConsumerMessage = 'Connection slow - may miss updates';

/** How each connection state reads in the header. */
export const statusDisplay: Record<ConnectionStatus, { tone: StatusTone; label: string; message?: string }> = {
  connecting: { tone: 'grey', label: 'connecting' },
  live: { tone: 'green', label: 'live' },
  reconnecting: { tone: 'amber', label: 'reconnecting', message: 'WebSocket lost - reconnecting' },
  polling: { tone: 'amber', label: 'polling', message: 'WebSocket unavailable - updating over HTTP' },
  slow: { tone: 'amber', label: 'slow', message: slowConsumerMessage },
  offline: { tone: 'red', label: 'disconnected', message: 'Server unreachable - retrying' },
};
