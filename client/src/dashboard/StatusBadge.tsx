import type { ConnectionState } from '../lib/connection-state.js';
import { formatAge } from './format.js';
import { statusDisplay } from './status-display.js';

export function StatusBadge({
  state,
  lastUpdate,
  now,
}: {
  state: ConnectionState;
  lastUpdate: number | null;
  now: number;
}) {
  const display = statusDisplay[state.status];
  return (
    <div
      className="status"
      data-testid="connection-status"
      data-status={state.status}
      data-tone={display.tone}
      role="status"
      aria-live="polite"
    >
      <span className={`status-dot tone-${display.tone}`} aria-hidden="true" />
      <span className="status-label" data-testid="status-label">
        {display.label}
      </span>
      {display.message && (
        <span className="status-message" data-testid="status-message">
          {display.message}
        </span>
      )}
      <span className="status-age" data-testid="last-update">
        {lastUpdate === null ? 'no data yet' : `updated ${formatAge(now - lastUpdate)}`}
      </span>
    </div>
  );
}
